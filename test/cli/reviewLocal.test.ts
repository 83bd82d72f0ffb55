import { execFileSync } from 'node:child_process';
import { symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { runReviewLocal } from '../support/runReviewLocal';
import { createLocalGitPlatform } from '../../shared/git/localGitPlatform';
import { startLlmServer, type LlmTestServer, type Responder } from '../../dev/llm/llmServer';
import { gitEnv, scratchGitRepository, type ScratchGitRepository } from '../support/scratchGitRepository';

const API_KEY = 'sk-local-review-test-key-0123456789';

let repo: ScratchGitRepository;

const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix} line ${index + 1}`).join('\n') + '\n';
const CALC_BEFORE = [
  'export function ratio(a: number, b: number): number {',
  '  const scale = 1;',
  '  return (a * scale) / b;',
  '}',
  '',
  'export function percent(part: number, whole: number): number {',
  '  return ratio(part, whole) * 100;',
  '}',
  '',
  'export function half(value: number): number {',
  '  return value / 2;',
  '}',
  '',
].join('\n');
/** Far enough from line 3, the one changed, that it is not among the context lines shown around it. */
const UNCHANGED_LINE = 11;
const CALC_AFTER = CALC_BEFORE.replace('(a * scale) / b', 'a / b');
const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0xff, 0x00, 0x10]);
const NON_ASCII = 'données/été.txt';

let branchPoint: string;

beforeAll(() => {
  repo = scratchGitRepository('review-local-');
  repo.write('src/calc.ts', CALC_BEFORE);
  repo.write('old-name.txt', numbered('renamed', 6));
  repo.write('lib/orig.ts', numbered('moved', 10));
  repo.write('remove-me.txt', 'gone soon\nreally\n');
  repo.write('docs/read me.md', '# Read me\n\nFirst version.\n');
  repo.write('keep.txt', 'unchanged\n');
  branchPoint = repo.commitAll('Base');

  repo.git('checkout', '-q', '-b', 'feature');
  repo.write('src/calc.ts', CALC_AFTER);
  repo.write('src/new-file.ts', 'export const added = true;\nexport const more = 2;\n');
  unlinkSync(path.join(repo.dir, 'remove-me.txt'));
  repo.git('mv', 'old-name.txt', 'new-name.txt');
  repo.git('mv', 'lib/orig.ts', 'lib/moved.ts');
  repo.write('lib/moved.ts', numbered('moved', 10).replace('moved line 4\n', 'moved line four\n'));
  repo.write('assets/logo.png', BINARY);
  repo.write('docs/read me.md', '# Read me\n\nSecond version.\nWith a new line.\n');
  repo.write(NON_ASCII, 'bonjour\n');
  symlinkSync('keep.txt', path.join(repo.dir, 'link-to-keep'));
  repo.git('add', '-A');
  // A submodule's gitlink, without a checkout of it (so after `add -A`, which would drop it).
  repo.git('update-index', '--add', '--cacheinfo', `160000,${branchPoint},vendor/lib`);
  repo.git('commit', '-q', '-m', 'Simplify ratio\n\nDrops the unused scale factor.\nSecond body line.');

  // The target branch moves on after the branch point: none of this is the feature's work.
  repo.git('checkout', '-q', 'main');
  repo.write('main-only.txt', 'MAIN_ONLY_MARKER\n');
  repo.write('keep.txt', 'MAIN_EDIT_MARKER\n');
  repo.commitAll('Work on main after the branch point');
  repo.git('checkout', '-q', 'feature');
});

afterAll(() => repo.remove());

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await runReviewLocal(repo.dir, args, env);
  expect(result.out + result.err).not.toContain(API_KEY);
  return result;
}

/** Sections of the dry-run output, by the path in their `=== path (…)` header. */
function sections(out: string): Map<string, string> {
  const result = new Map<string, string>();
  const files = out.slice(0, out.search(/^Changed files: /m));
  for (const section of files.split(/^=== /m).slice(1)) {
    const header = section.slice(0, section.indexOf('\n'));
    result.set(header.replace(/ \([^)]*\)$/, ''), section);
  }
  return result;
}

describe('the local git platform', () => {
  it('reports changes since the merge base as Azure DevOps does, and reads blobs byte for byte', async () => {
    const local = await createLocalGitPlatform(repo.dir, 'main', 'feature');
    expect(local.iteration).toEqual({
      id: 1,
      sourceCommitId: repo.git('rev-parse', 'feature'),
      targetCommitId: repo.git('rev-parse', 'main'),
      commonCommitId: branchPoint,
      reason: 'create',
    });
    expect(local.pullRequest).toMatchObject({
      title: 'Simplify ratio',
      description: 'Drops the unused scale factor.\nSecond body line.',
      sourceRefName: 'feature',
      targetRefName: 'main',
    });

    const changes = await local.platform.listIterationChanges(local.ref, 1);
    const byPath = new Map(changes.map((change) => [change.path, change]));
    expect(byPath.get('/src/calc.ts')).toMatchObject({ kind: 'edit', changeFlags: ['edit'] });
    expect(byPath.get('/src/new-file.ts')).toMatchObject({ kind: 'add', changeFlags: ['add'] });
    expect(byPath.get('/remove-me.txt')).toMatchObject({ kind: 'delete', changeFlags: ['delete'] });
    expect(byPath.get('/new-name.txt')).toMatchObject({
      kind: 'rename',
      changeFlags: ['rename'],
      originalPath: '/old-name.txt',
    });
    expect(byPath.get('/lib/moved.ts')).toMatchObject({
      kind: 'rename',
      changeFlags: ['edit', 'rename'],
      originalPath: '/lib/orig.ts',
    });
    expect(byPath.get('/link-to-keep')).toMatchObject({
      kind: 'add',
      changeFlags: ['add'],
      special: 'symlink',
    });
    expect(byPath.get('/vendor/lib')).toMatchObject({
      kind: 'add',
      changeFlags: ['add'],
      special: 'submodule',
    });
    expect(byPath.get('/src/calc.ts')?.special).toBeUndefined();
    expect(byPath.has('/main-only.txt')).toBe(false);
    expect(byPath.has('/keep.txt')).toBe(false);
    expect(changes.map((change) => change.changeTrackingId)).toEqual(changes.map((_, index) => index + 1));

    const { sourceCommitId, commonCommitId } = local.iteration;
    const read = async (file: string, commit: string) => {
      const content = await local.platform.getFileContent(local.ref, file, commit, 1024 * 1024);
      if (content?.kind === 'tooLarge') throw new Error(`${file} is over the limit`);
      return content?.bytes;
    };
    expect(Buffer.from((await read('/assets/logo.png', sourceCommitId)) ?? [])).toEqual(BINARY);
    expect(Buffer.from((await read(`/${NON_ASCII}`, sourceCommitId)) ?? []).toString()).toBe('bonjour\n');
    expect(Buffer.from((await read('/docs/read me.md', commonCommitId)) ?? []).toString()).toContain(
      'First version.',
    );
    await expect(read('/remove-me.txt', sourceCommitId)).resolves.toBeUndefined();
    // Over the limit: the size from git, the blob never read.
    await expect(
      local.platform.getFileContent(local.ref, '/assets/logo.png', sourceCommitId, BINARY.length - 1),
    ).resolves.toEqual({ kind: 'tooLarge', size: BINARY.length });
    // Only the reader: a local review has nowhere to write.
    expect('setStatus' in local.platform || 'createThread' in local.platform).toBe(false);
  });
});

describe('review-local --dry-run', () => {
  it('lists every change, with the hunks git diff -U0 prints for the reviewed ones', async () => {
    const { code, out } = await run(['--base', 'main', '--head', 'feature', '--dry-run']);
    expect(code).toBe(0);
    const listed = sections(out);

    // git's own zero-context diff of the same range, file by file, for the files the review diffs.
    const gitDiff = execFileSync(
      'git',
      ['-c', 'core.quotePath=true', 'diff', '-U0', '-M', '--no-color', `${branchPoint}`, 'feature'],
      { cwd: repo.dir, env: gitEnv },
    ).toString('utf8');
    const gitBodies = gitDiff
      .split(/^diff --git /m)
      .filter((section) => !/mode 1[26]0000/.test(section) && section.includes('\n--- '))
      .map((section) => section.slice(section.indexOf('\n--- ') + 1));
    const ourBodies = [...listed.values()]
      .filter((section) => section.includes('\n--- '))
      .map((section) => section.slice(section.indexOf('\n--- ') + 1).replace(/\n$/, ''));
    expect(ourBodies).toEqual(gitBodies);
    expect(ourBodies).toHaveLength(6);

    expect(listed.get('src/calc.ts')).toContain('@@ -3 +3 @@ export function ratio');
    expect(listed.get('src/new-file.ts')).toContain('--- /dev/null\n+++ b/src/new-file.ts\n@@ -0,0 +1,2 @@');
    expect(listed.get('remove-me.txt')).toContain('+++ /dev/null\n@@ -1,2 +0,0 @@');
    expect(listed.get('lib/moved.ts')).toMatch(/^lib\/moved\.ts \(edit, rename from lib\/orig\.ts\)\n/);
    expect(listed.get('lib/moved.ts')).toContain(
      '@@ -4 +4 @@ moved line 3\n-moved line 4\n+moved line four\n',
    );
    expect(listed.get('new-name.txt')).toBe('new-name.txt (rename from old-name.txt)\nno text changes\n\n');
    expect(listed.get('docs/read me.md')).toContain('+++ b/docs/read me.md\t\n@@ -3 +3,2 @@');
    expect(listed.get(NON_ASCII)).toContain(
      '+++ "b/donn\\303\\251es/\\303\\251t\\303\\251.txt"\n@@ -0,0 +1 @@\n+bonjour',
    );
    expect(listed.get('assets/logo.png')).toContain('not reviewed: binary file');
    expect(listed.get('link-to-keep')).toMatch(/\nnot reviewed: .*(symlink|symbolic link)/);
    expect(listed.get('vendor/lib')).toMatch(/\nnot reviewed: .*submodule/);
    expect(listed.size).toBe(10);

    expect(out).not.toContain('main-only.txt');
    expect(out).not.toContain('MAIN_');
    expect(out).toMatch(
      /^Changed files: 10; to the model: 6 \(\d+ diff tokens, [^)]*\); set aside without a model: 0; not reviewed: 3$/m,
    );
    // Six small files fit one chunk: one review call, as for a pull request of this size.
    expect(out).toMatch(
      /^Chunks: 1: one review call, without triage\n {2}chunk 1 \(reasoning, \d+ tokens\): /m,
    );
    expect(out).toMatch(/^Budget: REVIEW_TOKEN_BUDGET 3000000, REVIEW_CHUNK_TOKENS 24000, /m);
  });

  it('counts files over --max-files as not reviewed, and reads REVIEW_MAX_PROMPT_CHARS as the deprecated budget', async () => {
    const { code, out } = await run(
      ['--base', 'main', '--head', 'feature', '--dry-run', '--max-files', '2'],
      {
        REVIEW_MAX_PROMPT_CHARS: '1200',
      },
    );
    expect(code).toBe(0);
    expect(out).toMatch(/: over the limit of 2 files per review$/m);
    const toModel = Number(/; to the model: (\d+) /.exec(out)?.[1]);
    expect(toModel).toBeGreaterThan(0);
    expect(toModel).toBeLessThanOrEqual(2);
    // 3 × 1200 / 3.5 characters a token, rounded up: the budget the app derives from the deprecated setting.
    expect(out).toMatch(
      /^Budget: REVIEW_TOKEN_BUDGET 1029 \(from the deprecated REVIEW_MAX_PROMPT_CHARS 1200\), /m,
    );
  });
});

describe('review-local with a model', () => {
  let server: LlmTestServer;
  const env = () => ({
    OPENAI_API_KEYS: API_KEY,
    OPENAI_BASE_URL: server.baseUrl,
    OPENAI_MODEL: 'test-model',
  });

  beforeAll(async () => {
    server = await startLlmServer({ apiKeys: [API_KEY] });
  });
  afterAll(() => server.close());

  const answer: Responder = () =>
    JSON.stringify({
      summary: 'Simplifies the ratio function.',
      walkthrough: [{ path: 'src/calc.ts', change: 'Drops the scale factor.' }],
      verdict: 'Fix the division first.',
      findings: [
        {
          path: 'src/calc.ts',
          side: 'right',
          startLine: 3,
          endLine: 3,
          severity: 'high',
          comment: 'Divides by zero when b is 0.',
          suggestion: '  return b === 0 ? 0 : a / b;',
        },
        {
          path: '/src/calc.ts',
          side: 'right',
          startLine: UNCHANGED_LINE,
          endLine: UNCHANGED_LINE,
          severity: 'medium',
          comment: 'The signature allows NaN.',
          suggestion: null,
        },
      ],
    });

  it('prints the summary, the finding on a changed line inline, and the other one as folded', async () => {
    server.respondWith(answer);
    const before = server.requests.length;
    const { code, out, err } = await run(['--base', 'main', '--head', 'feature'], env());
    expect(code).toBe(0);
    expect(err).not.toContain('review-local:');

    const prompt = server.requests[before].body.messages[1].content;
    expect(prompt).toContain('Pull request: Simplify ratio');
    expect(prompt).toContain('+++ b/src/calc.ts');
    expect(prompt).not.toContain('MAIN_');
    expect(prompt).not.toContain('main-only.txt');

    // Changed: the summary is the pipeline's, as it would be posted; its "Other findings" are the findings not on
    // changed lines (the pipeline reports no separate list), and each inline finding shows the comment it would post.
    const inlineStart = out.indexOf('== Inline findings (1)');
    const notReviewedStart = out.indexOf('== Not reviewed (3)');
    const summary = out.slice(0, inlineStart);
    expect(summary).toContain('Simplifies the ratio function.');
    expect(summary).toContain(
      '### Other findings\n\n- **🟠 Medium** `/src/calc.ts` lines 11–11 (not on lines this pull request changed): ' +
        'The signature allows NaN.',
    );
    expect(inlineStart).toBeLessThan(notReviewedStart);
    const inline = out.slice(inlineStart, notReviewedStart);
    expect(inline).toContain(
      'src/calc.ts:3  high\n    **🔴 High** — Divides by zero when b is 0.\n\n' +
        '    ```suggestion\n      return b === 0 ? 0 : a / b;\n    ```\n',
    );
    expect(inline).not.toContain('NaN');
    expect(out.slice(notReviewedStart)).toContain('  assets/logo.png: binary file\n');
    expect(out).toContain('== Trivial, not sent for review (1)\n\n  new-name.txt: no text change\n');
    expect(out).toMatch(
      /^== Cost \(1 model call, ≈ [^)]+\)\n\n {2}reasoning: 1 model call, \d+ tokens in, \d+ out/m,
    );
  });

  it('exits 1 with a one-line message when the model request fails', async () => {
    // A provider that quotes the key back: the message is printed, the key never (run() checks).
    server.respondWith(() => ({ status: 400, error: `context length exceeded (key ${API_KEY})` }));
    const { code, out, err } = await run(['--base', 'main', '--head', 'feature'], env());
    expect(code).toBe(1);
    expect(out).toBe('');
    const lastLine = err.trimEnd().split('\n').pop();
    expect(lastLine).toMatch(
      /^ado-reviewer review-local: the model request failed: 400.*context length exceeded/,
    );
  });
});

describe('review-local errors', () => {
  it.each([
    [[]],
    [['--base']],
    [['--base', 'main', '--bogus']],
    [['--base', 'main', 'extra']],
    [['--base', '--head']],
    [['--base', '-x', '--dry-run']],
    [['--base', 'main', '--max-files', '0', '--dry-run']],
  ])('exits 2 with the usage for %j', async (args) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain('usage: ado-reviewer review-local');
  });

  it('prints the usage for -h', async () => {
    const { code, out } = await run(['-h']);
    expect(code).toBe(0);
    expect(out).toContain('usage: ado-reviewer review-local');
  });

  it('exits 2 naming the missing key without --dry-run', async () => {
    const { code, err } = await run(['--base', 'main']);
    expect(code).toBe(2);
    expect(err).toContain('OPENAI_API_KEYS: is required');
  });

  it('exits 2 naming an invalid LLM setting', async () => {
    const { code, err } = await run(['--base', 'main'], { OPENAI_API_KEYS: API_KEY, LLM_TIMEOUT: 'soon' });
    expect(code).toBe(2);
    expect(err).toContain('LLM_TIMEOUT: must be a positive whole number');
    const noKey = await run(['--base', 'main'], { OPENAI_API_KEYS: ' , ' });
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('OPENAI_API_KEYS: is required');
  });

  it('exits 1 naming a revision that does not exist', async () => {
    const { code, err } = await run(['--base', 'no-such-branch', '--dry-run']);
    expect(code).toBe(1);
    expect(err).toBe('ado-reviewer review-local: no commit named "no-such-branch"\n');
  });
});
