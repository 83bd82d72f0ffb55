import fc from 'fast-check';
import {
  commandCatalog,
  isIgnoredByDescription,
  parseCommentCommand,
  renderCommandHelp,
  withoutMarkdownCode,
} from '../../../../shared/review/conversation/commands';

const bot = '3f2b8c1e-6a0d-4e5f-9b7a-1c2d3e4f5a6b';
const other = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const mention = `@<${bot}>`;
const parse = (text: string) => parseCommentCommand(text, bot);

describe('parseCommentCommand: each command', () => {
  it.each([
    ['review', { kind: 'review' }],
    ['full review', { kind: 'fullReview' }],
    ['pause', { kind: 'pause' }],
    ['resume', { kind: 'resume' }],
    ['resolve', { kind: 'resolve' }],
    ['summary', { kind: 'summary' }],
    ['configuration', { kind: 'configuration' }],
    ['help', { kind: 'help' }],
    ['learnings', { kind: 'learnings' }],
    ['ignore', { kind: 'ignore' }],
    ['forget 3', { kind: 'forget', learning: 3 }],
    ['forget #12', { kind: 'forget', learning: 12 }],
  ])('%s', (words, command) => {
    expect(parse(`${mention} ${words}`)).toEqual(command);
  });

  it('knows every command the help lists', () => {
    for (const entry of commandCatalog) {
      const words = entry.usage.replace('<n>', '1');
      expect(parse(`${mention} ${words}`)).toMatchObject({ kind: entry.kind });
    }
  });
});

describe('parseCommentCommand: how it is written', () => {
  it('reads the mention and the command in any case', () => {
    expect(parse(`@<${bot.toUpperCase()}> Full REVIEW`)).toEqual({ kind: 'fullReview' });
    expect(parseCommentCommand(`${mention} pause`, bot.toUpperCase())).toEqual({ kind: 'pause' });
  });

  it('allows extra whitespace, a colon or comma after the mention, and a full stop or ! at the end', () => {
    expect(parse(`   ${mention}\t  full    review   `)).toEqual({ kind: 'fullReview' });
    expect(parse(`${mention}: resolve.`)).toEqual({ kind: 'resolve' });
    expect(parse(`${mention}, help!`)).toEqual({ kind: 'help' });
    expect(parse(`${mention}review`)).toEqual({ kind: 'review' });
    expect(parse(`${mention} review\r\nthanks`)).toEqual({ kind: 'review' });
  });

  it('reads the command on the mention’s line, with text before it or on other lines', () => {
    expect(parse(`Pushed the fix.\nThanks ${mention} resume\n\nMore later.`)).toEqual({ kind: 'resume' });
  });

  it('takes the first mention that gives a command', () => {
    expect(parse(`${mention} is this right?\n\n${mention} full review\n${mention} pause`)).toEqual({
      kind: 'fullReview',
    });
  });
});

describe('parseCommentCommand: what is not a command', () => {
  it('is undefined when the bot is not mentioned, or only another identity is', () => {
    expect(parse('review')).toBeUndefined();
    expect(parse(`@<${other}> review`)).toBeUndefined();
    expect(parse(`@${bot} review`)).toBeUndefined();
  });

  it('a mention with nothing after it, or a sentence, is a question', () => {
    expect(parse(mention)).toEqual({ kind: 'question' });
    expect(parse(`${mention}\nwhy does this loop never end?`)).toEqual({ kind: 'question' });
    expect(parse(`${mention} why?`)).toEqual({ kind: 'question' });
    expect(parse(`${mention} review this loop, is it quadratic?`)).toEqual({ kind: 'question' });
    expect(parse(`Could ${mention} explain the lock?`)).toEqual({ kind: 'question' });
  });

  it('a single unknown word is an unknown command, answered with help', () => {
    expect(parse(`${mention} reveiw`)).toEqual({ kind: 'unknown', word: 'reveiw' });
    expect(parse(`${mention} Generate-Docs`)).toEqual({ kind: 'unknown', word: 'generate-docs' });
    expect(parse(`${mention} forget`)).toEqual({ kind: 'unknown', word: 'forget' });
    expect(parse(`${mention} forget 0`)).toEqual({ kind: 'unknown', word: 'forget' });
    expect(parse(`${mention} forget everything`)).toEqual({ kind: 'unknown', word: 'forget' });
  });

  it('another mention after the bot’s is not a command for it', () => {
    expect(parse(`${mention} @<${other}> review`)).toEqual({ kind: 'question' });
    expect(parse(`@<${other}> review and ${mention}`)).toEqual({ kind: 'question' });
  });
});

describe('parseCommentCommand: code and quotes are not read', () => {
  it('a mention in a code span is not a mention', () => {
    expect(parse(`Write \`${mention} review\` to ask for one.`)).toBeUndefined();
    expect(parse(`Write \`\`${mention} pause\`\` or \`x\``)).toBeUndefined();
  });

  it('an unclosed backtick is literal, so the mention counts', () => {
    expect(parse(`a \` b ${mention} resolve`)).toEqual({ kind: 'resolve' });
  });

  it('a mention in a fenced or indented code block is not a mention', () => {
    expect(parse(['```yaml', `${mention} review`, '```'].join('\n'))).toBeUndefined();
    expect(parse(['~~~~', `${mention} review`, '~~~', 'still code', '~~~~'].join('\n'))).toBeUndefined();
    expect(parse(['Example:', '', `    ${mention} review`].join('\n'))).toBeUndefined();
    expect(parse(['```', 'never closed', `${mention} review`].join('\n'))).toBeUndefined();
  });

  it('a command after the code is read', () => {
    expect(parse(['```', `${mention} pause`, '```', `${mention} resume`].join('\n'))).toEqual({
      kind: 'resume',
    });
    expect(parse(`\`${mention} pause\` ${mention} help`)).toEqual({ kind: 'help' });
    expect(parse(`\`x\`\n${mention} help`)).toEqual({ kind: 'help' });
  });

  it('an indented line continuing a paragraph is not code', () => {
    expect(parse(['Please', `    ${mention} summary`].join('\n'))).toEqual({ kind: 'summary' });
  });

  it('a mention in a quote is someone else’s, not a command', () => {
    expect(parse(`> ${mention} resolve\n\nI disagree with this.`)).toBeUndefined();
  });
});

describe('withoutMarkdownCode', () => {
  it('keeps the text outside code as it is, and the lines where they are', () => {
    const text = 'one `two` three\n```\nfour\n```\nfive';
    const shown = withoutMarkdownCode(text);
    expect(shown.split('\n')).toHaveLength(5);
    expect(shown.length).toBe(text.length);
    expect(shown.replace(/\s+/g, ' ').trim()).toBe('one three five');
  });

  it('takes linear time on many unmatched backtick runs', () => {
    const text = Array.from({ length: 20000 }, (_, index) => '`'.repeat((index % 50) + 1) + 'x').join('');
    const started = Date.now();
    withoutMarkdownCode(text);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never throws and never makes text longer', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('`', '~', ' ', '\n', '>', 'a', '\t', '\\') }), (text) => {
        expect(withoutMarkdownCode(text).length).toBe(text.length);
      }),
    );
  });
});

describe('isIgnoredByDescription', () => {
  it('is true for the ignore command anywhere in the description', () => {
    expect(isIgnoredByDescription(`Refactoring only.\n\n${mention} ignore`, bot)).toBe(true);
    expect(isIgnoredByDescription(`${mention.toUpperCase()} IGNORE`, bot)).toBe(true);
    expect(isIgnoredByDescription(`${mention} please look at the cache\n${mention} ignore`, bot)).toBe(true);
  });

  it('is false without it, for another identity, in code, or with no description', () => {
    expect(isIgnoredByDescription('Refactoring only.', bot)).toBe(false);
    expect(isIgnoredByDescription(`${mention} review`, bot)).toBe(false);
    expect(isIgnoredByDescription(`@<${other}> ignore`, bot)).toBe(false);
    expect(isIgnoredByDescription(`Write \`${mention} ignore\` to skip a review.`, bot)).toBe(false);
    expect(isIgnoredByDescription(`${mention} ignore the generated files`, bot)).toBe(false);
    expect(isIgnoredByDescription(undefined, bot)).toBe(false);
  });
});

describe('renderCommandHelp', () => {
  it('lists every command with what it does, and mentions the bot as Azure DevOps writes it', () => {
    const help = renderCommandHelp(bot);
    for (const entry of commandCatalog)
      expect(help).toContain(`| \`${entry.usage}\` | ${entry.description} |`);
    expect(help).toContain(`@<${bot}>`);
    expect(help).not.toContain('I do not know');
  });

  it('names the unknown command it answers', () => {
    expect(renderCommandHelp(bot, 'reveiw').split('\n')[0]).toBe('I do not know the command `reveiw`.');
  });

  it('is not itself read as a command when the bot reads its own help', () => {
    expect(parse(renderCommandHelp(bot))).toEqual({ kind: 'question' });
  });
});
