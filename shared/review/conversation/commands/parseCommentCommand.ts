import { commandCatalog, type CommentCommand, type SimpleCommandKind } from './commandCatalog';
import { withoutMarkdownCode } from './markdownCode';

/**
 * What a comment asks of the reviewer. Azure DevOps writes a mention of an identity as `@<identity id>` (any case).
 * A command is the mention followed, on the same line, by the command and nothing else (`@<bot> full review`,
 * `@<bot>: forget 2.`): so `@<bot> review this loop, is it quadratic?` stays a question. Code and quotes are not
 * read (see markdownCode).
 */

const MENTION = /@<([^<>\s]+)>/g;

const simpleCommands = new Map<string, SimpleCommandKind>(
  commandCatalog.flatMap((entry) =>
    entry.kind === 'forget' || entry.kind === 'approveLearning' ? [] : [[entry.usage, entry.kind]],
  ),
);

/** The words after one mention, up to the end of its line. */
function commandAfterMention(restOfLine: string): CommentCommand {
  const text = restOfLine
    .trim()
    .replace(/^[:,]\s*/, '')
    .replace(/[.!]+$/, '')
    .trim();
  if (text === '') return { kind: 'question' };
  const words = text.toLowerCase().split(/\s+/);
  const simple = simpleCommands.get(words.join(' '));
  if (simple !== undefined) return { kind: simple };
  if (words[0] === 'forget' && words.length <= 2) {
    const learning = /^#?(\d{1,6})$/.exec(words[1] ?? '');
    if (learning !== null && Number(learning[1]) >= 1)
      return { kind: 'forget', learning: Number(learning[1]) };
    return { kind: 'unknown', word: 'forget' };
  }
  if (words[0] === 'learnings' && words[1] === 'approve' && words.length <= 4) {
    const learning = /^#?(\d{1,6})$/.exec(words[2] ?? '');
    if (learning === null || Number(learning[1]) < 1) return { kind: 'unknown', word: 'learnings' };
    // The glob as written: paths are case-sensitive.
    const appliesTo = text.split(/\s+/)[3];
    return { kind: 'approveLearning', learning: Number(learning[1]), ...(appliesTo && { appliesTo }) };
  }
  if (words.length === 1 && /^[a-z][\w-]*$/.test(words[0])) return { kind: 'unknown', word: words[0] };
  return { kind: 'question' };
}

/** Each mention of the bot, read as a command (or as a question). */
function commandsFor(text: string, botId: string): CommentCommand[] {
  const readable = withoutMarkdownCode(text);
  const bot = botId.toLowerCase();
  const commands: CommentCommand[] = [];
  for (const mention of readable.matchAll(MENTION)) {
    if (mention[1].toLowerCase() !== bot) continue;
    const start = mention.index + mention[0].length;
    const lineEnd = readable.indexOf('\n', start);
    commands.push(commandAfterMention(readable.slice(start, lineEnd < 0 ? undefined : lineEnd)));
  }
  return commands;
}

/**
 * The command a comment gives the bot: the first mention that carries one, else a question; undefined when the
 * comment does not mention the bot at all (outside code).
 */
export function parseCommentCommand(text: string, botId: string): CommentCommand | undefined {
  const commands = commandsFor(text, botId);
  if (commands.length === 0) return undefined;
  return commands.find((command) => command.kind !== 'question') ?? { kind: 'question' };
}

/** `@<bot> ignore` in a pull request's description: the pull request is not reviewed automatically. */
export function isIgnoredByDescription(description: string | undefined, botId: string): boolean {
  return commandsFor(description ?? '', botId).some((command) => command.kind === 'ignore');
}
