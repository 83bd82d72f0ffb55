import { startSandbox, threadKind, type Json, type Sandbox } from '../../dev/sandbox/sandbox';

/**
 * Every kind of change Azure DevOps reports, and every kind of content, through the whole pipeline: threads land on
 * the right files and lines, and whatever cannot be diffed is named in the summary with its reason.
 */

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    retryDelayMs: 200,
    settings: {
      REVIEW_MAX_FILE_BYTES: '4096',
      REVIEW_MAX_FILES: '3000',
      REVIEW_MAX_PROMPT_CHARS: '20000',
      REVIEW_FAIL_SEVERITY: 'low',
      REVIEW_FAIL_THRESHOLD: '6',
    },
  });
});

afterAll(async () => {
  await sandbox?.close();
});

const botThreads = (repositoryId: string, pullRequestId: number) =>
  sandbox.botThreads(repositoryId, pullRequestId);
const summaryOf = (threads: Json[]) =>
  threads.find((thread) => threadKind(thread) === 'summary')?.comments[0].content as string;

describe('a pull request with every change type and kind of content', () => {
  let repositoryId: string;
  let pullRequestId: number;
  let threads: Json[];
  const submoduleCommit = 'a'.repeat(40);

  beforeAll(async () => {
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const repository = await sandbox.devops.createRepository({
      project: 'demo',
      name: 'kinds',
      files: {
        'docs/old name.md': '# Notes\n\nUnchanged text.\n',
        'src/moved.ts':
          'export function one() {\n  return 1;\n}\n\nexport function two() {\n  return 2;\n}\n',
        'src/gone.ts': 'export const gone = true;\n',
        'win.txt': 'first\r\nsecond\r\nthird\r\n',
        'bom.ts': '\uFEFFexport const a = 1;\n',
        'wide.txt': utf16('alpha\nbeta\n'),
        'nofinal.txt': 'one\ntwo',
        'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]),
        'latin1.txt': Buffer.from('caf\xe9\n', 'latin1'),
        'big.txt': 'x'.repeat(100) + '\n',
      },
    });
    repositoryId = repository.id;
    await sandbox.devops.push({
      repositoryId,
      branch: 'topic',
      baseBranch: 'main',
      renames: { 'docs/old name.md': 'docs/new name.md', 'src/moved.ts': 'src/lib/moved.ts' },
      files: {
        'src/lib/moved.ts':
          'export function one() {\n  return 1;\n}\n\nexport function two() {\n  console.log(2);\n  return 2;\n}\n',
        'src/gone.ts': null,
        'src/ünïcode file.ts': 'export const ü = 1;\nconsole.log(ü);\n',
        'win.txt': 'first\r\nconsole.log(2)\r\nthird\r\n',
        'bom.ts': '\uFEFFconsole.log(1);\n',
        'wide.txt': utf16('alpha\nconsole.log(beta)\n'),
        'nofinal.txt': 'one\nconsole.log(two)',
        'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9]),
        'latin1.txt': Buffer.from('caf\xe9 au lait\n', 'latin1'),
        'big.txt': 'console.log(1);\n'.repeat(400),
        'link-to-src': { symlink: 'src' },
        'vendor/lib': { submodule: submoduleCommit },
      },
    });
    const pr = await sandbox.devops.createPullRequest({
      repositoryId,
      sourceBranch: 'topic',
      targetBranch: 'main',
      title: 'kinds',
    });
    pullRequestId = pr.pullRequestId;
    await sandbox.settled();
    threads = botThreads(repositoryId, pullRequestId);
  });

  it('puts each finding on its file and right-side line, whatever the path, line endings or encoding', () => {
    const placed = threads
      .filter((thread) => thread.threadContext?.filePath)
      .map((thread) => ({
        path: thread.threadContext.filePath,
        line: thread.threadContext.rightFileStart.line,
        endOffset: thread.threadContext.rightFileEnd.offset,
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
    expect(placed).toEqual([
      { path: '/bom.ts', line: 1, endOffset: 'console.log(1);'.length + 1 },
      { path: '/nofinal.txt', line: 2, endOffset: 'console.log(two)'.length + 1 },
      { path: '/src/lib/moved.ts', line: 6, endOffset: '  console.log(2);'.length + 1 },
      { path: '/src/ünïcode file.ts', line: 2, endOffset: 'console.log(ü);'.length + 1 },
      { path: '/wide.txt', line: 2, endOffset: 'console.log(beta)'.length + 1 },
      { path: '/win.txt', line: 2, endOffset: 'console.log(2)'.length + 1 },
    ]);
  });

  it('fails the merge gate at the configured number of open findings, and passes once one is resolved', async () => {
    const last = () => (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[]).at(-1);
    expect(last()).toMatchObject({
      state: 'failed',
      description: '6 open findings of low severity or worse',
    });

    const { WebApi, getPersonalAccessTokenHandler } = await import('azure-devops-node-api');
    const git = await new WebApi(
      sandbox.devops.orgUrl,
      getPersonalAccessTokenHandler(sandbox.devops.token),
    ).getGitApi();
    const finding = threads.find((thread) => thread.threadContext?.filePath === '/win.txt') as Json;
    await git.updateThread({ status: 2 /* fixed */ }, repositoryId, pullRequestId, finding.id, 'demo');
    await sandbox.devops.push({
      repositoryId,
      branch: 'topic',
      files: { 'notes.txt': 'no findings here\n' },
    });
    await sandbox.settled();
    expect(last()).toMatchObject({
      state: 'succeeded',
      iterationId: 2,
      description: '5 open findings (0 high, 0 medium, 5 low)',
    });
  });

  it('diffs a renamed and edited file against its original path, and shows the model deletions', () => {
    const prompt = sandbox.llm.requests[0].body.messages[1].content;
    expect(prompt).toContain(
      '### /src/lib/moved.ts (edit, rename)\n--- a/src/moved.ts\n+++ b/src/lib/moved.ts\n',
    );
    expect(prompt).toMatch(/@@ -5,0 \+6,1 @@/);
    expect(prompt).toContain('### /src/gone.ts (delete)');
    expect(prompt).not.toContain('old name.md');
  });

  it('names in the summary what it did not diff, and why', () => {
    const summary = summaryOf(threads);
    expect(summary).toContain('### Not reviewed');
    expect(summary).toMatch(/- binary file \(1\): `\/assets\/logo.png`/);
    expect(summary).toMatch(/- larger than 4096 bytes \(1\): `\/big.txt`/);
    expect(summary).toMatch(/- .*UTF-8.* \(1\): `\/latin1.txt`/);
    expect(summary).toMatch(/- symbolic link \(not diffed\) \(1\): `\/link-to-src`/);
    expect(summary).toMatch(/- submodule \(not diffed\) \(1\): `\/vendor\/lib`/);
    const prompt = sandbox.llm.requests[0].body.messages[1].content;
    for (const path of ['logo.png', 'big.txt', 'latin1.txt', 'link-to-src', 'vendor/lib'])
      expect(prompt).not.toContain(path);
  });
});

describe('a pull request with 2,500 changed files', () => {
  it('is read through every page of changes and states what did not fit', async () => {
    const repository = await sandbox.devops.createRepository({
      project: 'demo',
      name: 'huge',
      files: { 'README.md': 'x\n' },
    });
    const files = Object.fromEntries(
      Array.from({ length: 2500 }, (_, index) => [
        `src/file${String(index).padStart(4, '0')}.ts`,
        `export const v${index} = ${index};\n`,
      ]),
    );
    await sandbox.devops.push({ repositoryId: repository.id, branch: 'topic', baseBranch: 'main', files });
    const before = sandbox.llm.requests.length;
    const pr = await sandbox.devops.createPullRequest({
      repositoryId: repository.id,
      sourceBranch: 'topic',
      targetBranch: 'main',
      title: 'huge',
    });
    await sandbox.settled();

    // REVIEW_MAX_PROMPT_CHARS (20000, deprecated) now sets the token budget: the files it reaches go to review
    // prompts (several, in parallel), the rest are listed with the reason.
    const reviewPrompts = sandbox.llm.requests
      .slice(before)
      .filter((request) => request.body.response_format?.json_schema?.name === 'pull_request_review')
      .map((request) => request.body.messages[1].content);
    const shown = new Set(
      reviewPrompts.flatMap((prompt) => prompt.match(/^### \/src\/file\d{4}\.ts/gm) ?? []),
    ).size;
    expect(shown).toBeGreaterThan(100);
    const summary = summaryOf(botThreads(repository.id, pr.pullRequestId));
    expect(summary).toContain(`2500 files changed: ${shown} reviewed, ${2500 - shown} not reviewed.`);
    expect(summary).toMatch(
      new RegExp(
        `- over the token budget \\(REVIEW_TOKEN_BUDGET\\) \\(${2500 - shown}\\): .* and ${2500 - shown - 20} more`,
      ),
    );
    const statuses = sandbox.devops.statuses(repository.id, pr.pullRequestId) as Json[];
    expect(statuses.at(-1)?.description).toMatch(
      new RegExp(`^Partial review: ${2500 - shown} files not reviewed`),
    );
    // One walkthrough row per file up to 300, then a count: well within one comment.
    expect(summary.length).toBeLessThan(100_000);
  }, 120_000);
});
