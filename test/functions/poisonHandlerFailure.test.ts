import { QueueClient } from '@azure/storage-queue';
import { openSamplePullRequest, startSandbox, type Sandbox } from '../../dev/sandbox/sandbox';
import { encodeReviewJob } from '../../shared/queue/reviewJob';

/**
 * The poison handler's own failure must not loop: there is no queue after `-poison` to receive it. Under the
 * stand-in host (which retries a throwing function and moves it on after maxDequeueCount), a poisoned job whose
 * Azure DevOps call fails is logged once and consumed.
 */

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ retryDelayMs: 200 });
});

afterAll(async () => {
  await sandbox?.close();
});

it('a throwing Azure DevOps call in the poison path is logged once and the message is consumed', async () => {
  const { repositoryId, project, pullRequestId } = await openSamplePullRequest(sandbox, 'poison-failure');
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
