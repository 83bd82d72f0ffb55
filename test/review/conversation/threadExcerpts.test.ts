import { answerComment, type CommentDependencies } from '../../../shared/review/conversation/answerComment';
import { answerMention } from '../../../shared/review/conversation/answerMention';
import { answerInFindingThread } from '../../../shared/review/conversation/findingConversation';
import { readRepositoryConfig } from '../../../shared/review/context/repositoryConfigFile';
import type { FileChange, PullRequestRef } from '../../../shared/review/domain/platform';
import { PROPERTY } from '../../../shared/review/publish/comments';
import { InMemoryPlatform, type Files } from '../../support/inMemoryPlatform';
import { inMemoryReview } from '../../support/inMemoryReview';

/**
 * The code a reply in a thread shows the model is filtered as the review filters files: nothing of a file that may
 * hold secrets (by its path, or the path it was renamed from) or that `reviews.path_filters` excludes, only a line
 * saying so; and a bounded excerpt of any other file, whatever range the thread claims.
 */

/** Planted in the files that must not reach the model; not credential-shaped, so no mask hides it. */
const CANARY = 'canary-file-content-5d1e7b';

/** Says that files of the pull request were renamed, as Azure DevOps lists a rename: the new path, from the old. */
class RenamingPlatform extends InMemoryPlatform {
  constructor(private readonly renamedFrom: Record<string, string>) {
    super();
  }

  override async listIterationChanges(
    ref: PullRequestRef,
    iterationId: number,
    compareTo?: number,
  ): Promise<FileChange[]> {
    return (await super.listIterationChanges(ref, iterationId, compareTo)).map((change) => {
      const originalPath = this.renamedFrom[change.path];
      return originalPath === undefined ? change : { ...change, kind: 'rename', originalPath };
    });
  }
}

const answers = (request: { schemaName: string }) =>
  request.schemaName === 'finding_conversation'
    ? { reply: 'An answer.', dismisses: false, learning: null, appliesTo: null }
    : { reply: 'An answer.' };

function setUp(source: Files, options: { target?: Files; renamedFrom?: Record<string, string> } = {}) {
  const review = inMemoryReview(answers, { platform: new RenamingPlatform(options.renamedFrom ?? {}) });
  const { platform, model } = review;
  const ref = platform.openPullRequest({ target: options.target ?? { 'README.md': 'hi\n' }, source });
  const deps: CommentDependencies = {
    platform,
    model,
    store: review.store,
    log: review.deps.log,
    settings: review.deps.settings,
    review: () => Promise.reject(new Error('no review here')),
    now: review.clock.now,
  };
  const prompts = () => model.requests.flatMap((request) => [request.system, request.user]);
  return { platform, model, deps, ref, prompts, settings: review.deps.settings };
}

type Fixture = ReturnType<typeof setUp>;
type Asked = 'a mention' | 'a reply in a finding thread';

/** A thread of the app's on `lines` of `filePath` (a finding's, for a reply in one), and the comment asked in it. */
async function askIn({ platform, ref }: Fixture, asked: Asked, filePath: string, lines: [number, number]) {
  const thread = await platform.createThread(ref, {
    content: 'Look at this.',
    status: 'active',
    properties: asked === 'a mention' ? {} : { [PROPERTY.kind]: 'finding', [PROPERTY.iteration]: '1' },
    position: {
      filePath,
      side: 'right',
      startLine: lines[0],
      endLine: lines[1],
      endOffset: 1,
      iterationId: 1,
      changeTrackingId: 1,
    },
  });
  const content = asked === 'a mention' ? '@<bot-id> what does this do?' : 'What does this do?';
  const { commentId } = platform.addComment(ref, { authorId: 'dev-id', content, threadId: thread.id });
  return { threadId: thread.id, commentId };
}

async function answerIn(fixture: Fixture, asked: Asked, filePath: string, lines: [number, number]) {
  const { threadId, commentId } = await askIn(fixture, asked, filePath, lines);
  const outcome = await answerComment(fixture.ref, threadId, commentId, fixture.deps);
  expect(outcome).toEqual({
    kind: 'answered',
    as: asked === 'a mention' ? 'question' : 'conversation',
  });
  expect(fixture.model.requests).toHaveLength(1);
  return fixture.model.requests[0].user;
}

/** The numbered lines of the prompt's code blocks. */
const codeLines = (prompt: string) =>
  [...prompt.matchAll(/<untrusted-code-([0-9a-f]+)>\n([\s\S]*?)\n<\/untrusted-code-\1>/g)].flatMap((block) =>
    block[2].split('\n').filter((line) => /^ *\d+ /.test(line)),
  );

const ASKED: Asked[] = ['a mention', 'a reply in a finding thread'];
const SECRET_NOTE = '(The file is not shown: it may hold secrets.)';
const FILTERED_NOTE = '(The file is not shown: reviews.path_filters excludes it.)';

describe.each(ASKED)('%s, in a thread on a file that may hold secrets,', (asked) => {
  it.each(['/.env', '/config/id_rsa'])('(%s) is answered without any of the file', async (filePath) => {
    const fixture = setUp({ [filePath.slice(1)]: `FIRST=${CANARY}\nSECOND=${CANARY}-2\n` });
    const prompt = await answerIn(fixture, asked, filePath, [1, 2]);
    expect(fixture.prompts().filter((text) => text.includes(CANARY))).toEqual([]);
    expect(prompt).toContain(SECRET_NOTE);
    expect(codeLines(prompt)).toEqual([]);
  });

  it('(renamed from `.env` to `notes.txt`) is answered without any of the file', async () => {
    const fixture = setUp(
      { 'notes.txt': `TOKEN_NAME=${CANARY}\n` },
      { renamedFrom: { '/notes.txt': '/.env' } },
    );
    const prompt = await answerIn(fixture, asked, '/notes.txt', [1, 1]);
    expect(fixture.prompts().filter((text) => text.includes(CANARY))).toEqual([]);
    expect(prompt).toContain(SECRET_NOTE);
  });
});

describe.each(ASKED)('%s, in a thread claiming more lines than an excerpt holds,', (asked) => {
  it('shows at most 200 of them, from the first', async () => {
    const big = Array.from({ length: 5_000 }, (_, index) => `export const line${index + 1} = ${index + 1};`);
    const fixture = setUp({ 'src/big.ts': `${big.join('\n')}\n` });
    const prompt = await answerIn(fixture, asked, '/src/big.ts', [1, 100_000]);
    const shown = codeLines(prompt);
    expect(shown).toHaveLength(200);
    expect(shown[0]).toBe('    1 export const line1 = 1;');
    expect(shown.at(-1)).toBe('  200 export const line200 = 200;');
    expect(prompt).toContain('/src/big.ts, lines 1–100000 (with context; only lines 1–200 shown):');
  });

  it('shows a bounded number of characters of very long lines', async () => {
    const long = Array.from({ length: 50 }, (_, index) => `const s${index} = "${'x'.repeat(10_000)}";`);
    const fixture = setUp({ 'dist/bundle.js': `${long.join('\n')}\n` });
    const prompt = await answerIn(fixture, asked, '/dist/bundle.js', [1, 50]);
    const block = /<untrusted-code-[0-9a-f]+>\n([\s\S]*?)\n<\/untrusted-code-/.exec(prompt)?.[1] ?? '';
    expect(block.length).toBeGreaterThan(19_000);
    expect(block.length).toBeLessThanOrEqual(20_100);
    expect(block).toMatch(/\(cut: longer than 20000 characters\)$/);
  });
});

describe('a thread on a file reviews.path_filters excludes', () => {
  const CONFIG = { '.ado-reviewer.yaml': 'reviews:\n  path_filters: ["!generated/**"]\n' };

  async function withConfig(asked: Asked) {
    const fixture = setUp({ 'generated/client.ts': `export const key = "${CANARY}";\n` }, { target: CONFIG });
    const { platform, ref, settings } = fixture;
    const newest = (await platform.listIterations(ref)).at(-1)!;
    const repositoryConfig = await readRepositoryConfig(platform, ref, newest, {
      ...settings.team,
      appDefaults: settings.policy,
    });
    const { threadId, commentId } = await askIn(fixture, asked, '/generated/client.ts', [1, 1]);
    return { ...fixture, repositoryConfig, threadId, commentId };
  }

  it('is answered, on a mention, without any of the file', async () => {
    const { platform, model, ref, prompts, settings, repositoryConfig, threadId, commentId } =
      await withConfig('a mention');
    const deps = { platform, model, log: { info: () => undefined }, ignoredIdentityIds: [] };
    expect(await answerMention(ref, threadId, commentId, { ...deps, settings, repositoryConfig })).toEqual({
      kind: 'answered',
    });
    expect(prompts().filter((text) => text.includes(CANARY))).toEqual([]);
    expect(model.requests[0].user).toContain(FILTERED_NOTE);
  });

  it('is answered, in a finding thread, without any of the file', async () => {
    const { platform, model, ref, prompts, settings, repositoryConfig, threadId, commentId } =
      await withConfig('a reply in a finding thread');
    const thread = (await platform.getThread(ref, threadId))!;
    const summary = (await platform.listThreads(ref)).find((candidate) => candidate.id === threadId)!;
    const deps = { platform, model, log: { info: () => undefined }, now: () => new Date(0) };
    expect(
      await answerInFindingThread(ref, thread, summary, commentId, 'bot-id', {
        ...deps,
        settings,
        repositoryConfig,
      }),
    ).toMatchObject({ kind: 'answered' });
    expect(prompts().filter((text) => text.includes(CANARY))).toEqual([]);
    expect(model.requests[0].user).toContain(FILTERED_NOTE);
  });

  it('is answered without any of the file when the comment arrives as a job delivers it', async () => {
    const fixture = setUp({ 'generated/client.ts': `export const key = "${CANARY}";\n` }, { target: CONFIG });
    const { threadId, commentId } = await askIn(fixture, 'a mention', '/generated/client.ts', [1, 1]);
    expect(await answerComment(fixture.ref, threadId, commentId, fixture.deps)).toEqual({
      kind: 'answered',
      as: 'question',
    });
    expect(fixture.prompts().filter((text) => text.includes(CANARY))).toEqual([]);
    expect(fixture.model.requests[0].user).toContain(FILTERED_NOTE);
  });
});
