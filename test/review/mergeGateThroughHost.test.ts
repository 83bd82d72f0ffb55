import { startSandbox, type Json, type Sandbox } from '../../dev/sandbox/sandbox';

/**
 * The merge gate when the review of a pull request is switched off, end to end (webhook, queue, review job, the
 * Azure DevOps test server, the LLM stand-in): a pause (a maintainer's: the author's is refused) stops the review of
 * the next push, never the gate. A Status-check policy passes on `succeeded` and `notApplicable`, so neither may
 * follow such a skip.
 */

let sandbox: Sandbox;

const bot = () => `@<${sandbox.devops.botIdentity.id}>`;

/** The review statuses of a pull request's iterations, newest last, as `iteration: state`. */
const statusesOf = (repositoryId: string, pullRequestId: number) =>
  (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[])
    .filter((status) => status.context?.name === 'review' && status.state !== 'pending')
    .map((status) => `${status.iterationId as number}: ${status.state as string}`);

const pendingOf = (repositoryId: string, pullRequestId: number, iterationId: number) =>
  (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[]).filter(
    (status) => status.iterationId === iterationId && status.state === 'pending',
  );

async function openPullRequest(name: string, files: Record<string, string>) {
  const repository = await sandbox.devops.createRepository({
    project: 'demo',
    name,
    // The test server's default user, who comments below, is a maintainer.
    files: {
      'README.md': `# ${name}\n`,
      '.ado-reviewer.yaml': `reviews:\n  maintainers: ["${sandbox.devops.defaultUser.id}"]\n`,
    },
  });
  await sandbox.devops.push({ repositoryId: repository.id, branch: 'feature', baseBranch: 'main', files });
  const pr = await sandbox.devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'feature',
    targetBranch: 'main',
    title: `Change ${name}`,
  });
  await sandbox.settled();
  return { repositoryId: repository.id, pullRequestId: pr.pullRequestId };
}

beforeAll(async () => {
  sandbox = await startSandbox({ retryDelayMs: 200, settings: { REVIEW_FAIL_SEVERITY: 'high' } });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
});

it('keeps the gate failing when the review is paused and the author pushes again', async () => {
  const { repositoryId, pullRequestId } = await openPullRequest('paused', {
    'src/rules.ts': 'export const rules = (text: string) => eval(text);\n',
  });
  expect(statusesOf(repositoryId, pullRequestId)).toEqual(['1: failed']);

  await sandbox.devops.addComment({ pullRequestId, content: `${bot()} pause` });
  await sandbox.settled();
  await sandbox.devops.push({
    repositoryId,
    branch: 'feature',
    files: { 'src/other.ts': 'export const other = 1;\n' },
  });
  await sandbox.settled();

  const statuses = (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[]).filter(
    (status) => status.iterationId === 2,
  );
  expect(statuses).toEqual([
    expect.objectContaining({
      state: 'failed',
      description: expect.stringMatching(/^Not reviewed: reviews are paused .*Earlier iterations still fail/),
    }),
  ]);
  // Nothing was asked about the second push.
  expect(
    sandbox.llm.requests.filter((request) => JSON.stringify(request.body).includes('src/other.ts')),
  ).toEqual([]);
});

it('never passes the gate of an unreviewed push: pending, until a review runs', async () => {
  const { repositoryId, pullRequestId } = await openPullRequest('clean-then-paused', {
    'src/clean.ts': 'export const clean = 1;\n',
  });
  expect(statusesOf(repositoryId, pullRequestId)).toEqual(['1: succeeded']);

  await sandbox.devops.addComment({ pullRequestId, content: `${bot()} pause` });
  await sandbox.settled();
  await sandbox.devops.push({
    repositoryId,
    branch: 'feature',
    files: { 'src/rules.ts': 'export const rules = (text: string) => eval(text);\n' },
  });
  await sandbox.settled();

  expect(statusesOf(repositoryId, pullRequestId)).toEqual(['1: succeeded']);
  expect(pendingOf(repositoryId, pullRequestId, 2)).toEqual([
    expect.objectContaining({
      description: expect.stringMatching(/^Not reviewed: reviews are paused .*The gate waits for a review/),
    }),
  ]);

  // A `review` command reviews the push, and the gate follows the review.
  await sandbox.devops.addComment({ pullRequestId, content: `${bot()} review` });
  await sandbox.settled();
  expect(statusesOf(repositoryId, pullRequestId)).toEqual(['1: succeeded', '2: failed']);
});
