import type { RequestSummary } from '../../dev/azure-devops/faultInjection';
import {
  openSamplePullRequest,
  startSandbox,
  threadKind,
  type Json,
  type Sandbox,
} from '../../dev/sandbox/sandbox';

/**
 * Whole reviews, through the stand-in host, while Azure DevOps misbehaves: throttled file reads still give the
 * clean run's threads, a sign-in page never becomes a diff, and an oversize file is named without being fetched.
 */

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ retryDelayMs: 200 });
});

afterAll(async () => {
  await sandbox?.close();
});

beforeEach(() => {
  sandbox.devops.faults.clear();
  sandbox.devops.faults.resetCounts();
});

const isItemRead = ({ method, path }: RequestSummary) => method === 'GET' && /\/items$/.test(path);

const placements = (repositoryId: string, pullRequestId: number) =>
  (sandbox.devops.threads(repositoryId, pullRequestId) as Json[])
    .filter((thread) => thread.threadContext?.filePath !== undefined)
    .map(
      (thread) =>
        `${thread.threadContext.filePath}:${thread.threadContext.rightFileStart.line}-` +
        `${thread.threadContext.rightFileEnd.line} ${String(thread.comments[0].content).split('\n')[0]}`,
    )
    .sort();

it('with one file read in ten answered 429 Retry-After: 1, posts the threads of a clean run', async () => {
  const clean = await openSamplePullRequest(sandbox, 'clean');
  await sandbox.settled();
  const expected = placements(clean.repositoryId, clean.pullRequestId);
  expect(expected.length).toBeGreaterThan(0);

  sandbox.devops.faults.resetCounts();
  sandbox.devops.faults.inject({
    matches: isItemRead,
    every: 10,
    status: 429,
    headers: { 'Retry-After': '1', 'X-RateLimit-Resource': 'Core', 'X-RateLimit-Delay': '0' },
  });
  // The sample PR reads four files per review: five reviews, so that every tenth read hits twice.
  const throttled = [];
  for (let index = 0; index < 5; index++)
    throttled.push(await openSamplePullRequest(sandbox, `throttled-${index}`));
  await sandbox.settled();

  const requests = sandbox.devops.faults.requests;
  const limited = requests.filter((record) => record.status === 429);
  expect(limited.length).toBeGreaterThan(0);
  for (const refused of limited) {
    const retry = requests.find(
      (record) => record.url === refused.url && record.arrivedAt > refused.arrivedAt,
    );
    expect(retry).toBeDefined();
    const waited = (retry?.arrivedAt ?? 0) - refused.arrivedAt;
    console.log(
      `429 on ${refused.url.split('?')[0].split('/').at(-1)}: retried after ${Math.round(waited)} ms`,
    );
    expect(waited).toBeGreaterThanOrEqual(1000);
  }
  // No error body was diffed as a file: the model saw only the files' lines.
  const prompts = sandbox.llm.requests.map((request) => JSON.stringify(request.body.messages));
  expect(prompts.filter((prompt) => /Injected fault|TooManyRequests/.test(prompt))).toEqual([]);
  for (const { repositoryId, pullRequestId } of throttled) {
    expect(placements(repositoryId, pullRequestId)).toEqual(expected);
    const statuses = sandbox.devops.statuses(repositoryId, pullRequestId) as Json[];
    expect(statuses.at(-1)).toMatchObject({ state: 'succeeded' });
  }
  console.log(`${requests.length} Azure DevOps requests for five reviews, ${limited.length} answered 429`);
});

it('never diffs a sign-in page: the review fails with that cause and posts no finding', async () => {
  sandbox.devops.faults.inject({
    matches: (request) => isItemRead(request) && request.query.get('path') === '/src/discounts.ts',
    status: 203,
    body: 'signInPage',
  });
  const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox, 'sign-in');
  await sandbox.settled();
  const threads = sandbox.devops.threads(repositoryId, pullRequestId) as Json[];
  expect(threads.filter((thread) => threadKind(thread) === 'finding')).toEqual([]);
  const statuses = sandbox.devops.statuses(repositoryId, pullRequestId) as Json[];
  expect(statuses.at(-1)).toMatchObject({ state: 'error' });
  const errors = sandbox.host.logs.filter((entry) => /sign-in page/.test(entry.message));
  expect(errors.length).toBeGreaterThan(0);
});

it('names a 50 MB file "larger than" the limit without downloading it', async () => {
  const repository = await sandbox.devops.createRepository({
    project: 'demo',
    name: 'oversize',
    files: { 'README.md': 'x\n' },
  });
  const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
  await sandbox.devops.push({
    repositoryId: repository.id,
    branch: 'topic',
    files: { 'data/huge.txt': big, 'src/small.ts': 'export const a = 1;\nconsole.log(a);\n' },
  });
  sandbox.devops.faults.resetCounts();
  const pr = await sandbox.devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'topic',
    targetBranch: 'main',
    title: 'oversize',
  });
  await sandbox.settled();
  const summary = (sandbox.devops.threads(repository.id, pr.pullRequestId) as Json[]).find(
    (thread) => threadKind(thread) === 'summary',
  );
  expect(summary?.comments[0].content).toMatch(/larger than \d+ bytes[^\n]*`\/data\/huge\.txt`/);
  const reads = sandbox.devops.faults.requests.filter((record) =>
    /path=%2Fdata%2Fhuge\.txt/.test(record.url),
  );
  expect(reads.length).toBeGreaterThan(0);
  const sent = Math.max(...reads.map((record) => record.bytesSent));
  console.log(`50 MB file: at most ${sent} bytes written per read before the reviewer hung up`);
  expect(sent).toBeLessThan(big.length / 4);
});
