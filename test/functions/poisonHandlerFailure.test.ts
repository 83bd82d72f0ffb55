import { QueueClient } from '@azure/storage-queue';
import { openSamplePullRequest, startSandbox, type Sandbox } from '../../dev/sandbox/sandbox';
import { encodeReviewJob } from '../../shared/queue/reviewJob';

/**
 * The poison handler's own failure must not loop: there is no queue after `-poison` to receive it. Under the
 * stand-in host (which retries a throwing function and moves it on after maxDequeueCount), a poisoned job whose
 * Azure DevOps call fails is logged once and consumed. And a poisoned job never overwrites a newer result.
 */

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ retryDelayMs: 200 });
});

afterAll(async () => {
  await sandbox?.close();
});

// First: the test after it makes every status write fail from then on.
it('leaves the status of an iteration reviewed since alone', async () => {
  const { repositoryId, project, pullRequestId } = await openSamplePullRequest(
    sandbox,
    'poison-after-review',
  );
  await sandbox.settled();
  const before = sandbox.devops.statuses(repositoryId, pullRequestId);
  expect(before.at(-1)).toMatchObject({ state: 'succeeded' });

  // An older job for this pull request, which failed every try, arrives after the newest iteration was reviewed.
  const poison = new QueueClient(process.env.AzureWebJobsStorage as string, 'review-jobs-poison');
  await poison.sendMessage(
    encodeReviewJob({
      version: 1,
      kind: 'pullRequest',
      eventId: 'an-older-event',
      eventType: 'git.pullrequest.created',
      projectId: project.id,
      repositoryId,
      pullRequestId,
    }),
  );
  await sandbox.settled();

  expect(sandbox.devops.statuses(repositoryId, pullRequestId)).toEqual(before);
  expect(
    sandbox.host.logs.some(
      (entry) =>
        entry.functionName === 'reviewJobPoison' &&
        /was reviewed since; its status stands/.test(entry.message),
    ),
  ).toBe(true);
});

/** A draft pull request: no review runs on it, so a poisoned job for it has a status to set. */
async function openDraftPullRequest(name: string) {
  const repository = await sandbox.devops.createRepository({
    project: 'demo',
    name,
    files: { 'a.ts': '1\n' },
  });
  await sandbox.devops.push({ repositoryId: repository.id, branch: 'topic', files: { 'a.ts': '2\n' } });
  const pr = await sandbox.devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'topic',
    targetBranch: 'main',
    title: 'A draft',
    isDraft: true,
  });
  const project = repository.project as { id: string };
  return { repositoryId: repository.id, project, pullRequestId: pr.pullRequestId };
}

it('a throwing Azure DevOps call in the poison path is logged once and the message is consumed', async () => {
  const { repositoryId, project, pullRequestId } = await openDraftPullRequest('poison-failure');
  await sandbox.settled();
  // Every status write now fails at the connection, as when Azure DevOps is unreachable.
  sandbox.devops.dropRequests((method, path) => method === 'POST' && /\/statuses$/.test(path), 1_000);

  const connection = process.env.AzureWebJobsStorage as string;
  const poison = new QueueClient(connection, 'review-jobs-poison');
  await poison.sendMessage(
    encodeReviewJob({
      version: 1,
      kind: 'pullRequest',
      eventId: 'poisoned-event',
      eventType: 'git.pullrequest.updated',
      projectId: project.id,
      repositoryId,
      pullRequestId,
    }),
  );
  await sandbox.settled();
  // Longer than the host's retry delay: a message made visible again would have been picked up by now.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await sandbox.settled();

  const poisonLog = sandbox.host.logs.filter((entry) => entry.functionName === 'reviewJobPoison');
  const failures = poisonLog.filter((entry) => /Could not report a poisoned review job/.test(entry.message));
  expect(failures).toHaveLength(1);
  expect(poisonLog.filter((entry) => /failed \(try/.test(entry.message))).toEqual([]);
  expect((await poison.getProperties()).approximateMessagesCount).toBe(0);
  // The host creates it (as for every trigger queue); nothing may land there.
  const poisonPoison = new QueueClient(connection, 'review-jobs-poison-poison');
  expect((await poisonPoison.getProperties()).approximateMessagesCount).toBe(0);
});
