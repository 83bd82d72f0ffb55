import { BlobServiceClient, type BlobLeaseClient } from '@azure/storage-blob';
import type { ChatRequest } from '../../dev/llm/llmServer';
import { scriptedReview } from '../../dev/llm/scriptedReviewer';
import { startSandbox, threadKind, type Json, type Sandbox } from '../../dev/sandbox/sandbox';
import { pullRequestTitleOf as titleOf } from '../support/chatRequests';
import { openFlaggedPullRequest } from '../support/topicPullRequest';

/**
 * Locks and time, end to end through the host stand-in and Azurite: a worker whose lease is broken mid-review stops
 * writing while another holds the pull request, and a job near its deadline hands over to a re-enqueued one; either
 * way the pull request ends with one set of threads.
 */

let sandbox: Sandbox;
const onRequest = new Map<string, (request: ChatRequest) => Promise<void>>();

beforeAll(async () => {
  sandbox = await startSandbox({
    retryDelayMs: 200,
    // A model call may take 2 s, three tries: 6 s; a job hands over when less than that is left of its 8 s.
    // (A job's settings are read once per process, so both cases share them.)
    settings: { REVIEW_JOB_DEADLINE_SECONDS: '8', LLM_TIMEOUT: '2000' },
    responder: async (request) => {
      const hook = onRequest.get(titleOf(request));
      onRequest.delete(titleOf(request));
      await hook?.(request);
      return scriptedReview(request);
    },
  });
});

afterAll(async () => {
  await sandbox?.close();
});

const FILES = ['src/a.ts', 'src/b.ts', 'src/c.ts'];

const openPullRequest = (name: string) => openFlaggedPullRequest(sandbox.devops, name, FILES);

const statesOf = (repositoryId: string, pullRequestId: number) =>
  (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[]).map((status) => status.state as string);

function expectOneSetOfThreads(repositoryId: string, pullRequestId: number, findings: number) {
  const threads = sandbox.botThreads(repositoryId, pullRequestId);
  const found = threads.filter((thread) => threadKind(thread) === 'finding');
  expect(found).toHaveLength(findings);
  expect(new Set(found.map((thread) => thread.properties['ado-reviewer.fingerprint'].$value)).size).toBe(
    findings,
  );
  expect(threads.filter((thread) => threadKind(thread) === 'summary')).toHaveLength(1);
  return threads;
}

it('a worker whose lease is broken mid-review stops writing; the pull request ends with one set of threads', async () => {
  let intruder: BlobLeaseClient | undefined;
  let threadsWhenBroken = -1;
  const ids: { repositoryId?: string; pullRequestId?: number } = {};
  onRequest.set('lost-lease', async () => {
    // While the model answers, the lease is broken and another job (this test) takes the pull request.
    const { repositoryId, pullRequestId } = ids;
    const state = BlobServiceClient.fromConnectionString(sandbox.azurite.connectionString)
      .getContainerClient('ado-reviewer-state')
      .getBlockBlobClient(`pull-requests/${repositoryId}/${pullRequestId}/state.json`);
    await state.getBlobLeaseClient().breakLease(0);
    intruder = state.getBlobLeaseClient();
    await intruder.acquireLease(15);
    threadsWhenBroken = sandbox.botThreads(repositoryId!, pullRequestId!).length;
  });
  const { repositoryId, pullRequestId } = Object.assign(ids, await openPullRequest('lost-lease'));

  await new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (intruder !== undefined || Date.now() - started > 30_000) {
        clearInterval(poll);
        if (intruder) resolve();
        else reject(new Error('the model was not asked'));
      }
    }, 50);
  });
  // Longer than the job's hand-over and busy retries: nothing may be posted while the intruder holds the lease.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(threadsWhenBroken).toBe(0);
  expect(sandbox.botThreads(repositoryId, pullRequestId)).toHaveLength(0);
  expect(
    sandbox.host.logs.some((entry) => /handed over \(The pull request's lock was lost/.test(entry.message)),
  ).toBe(true);
  await intruder!.releaseLease();
  await sandbox.settled();

  expectOneSetOfThreads(repositoryId, pullRequestId, FILES.length);
  expect(statesOf(repositoryId, pullRequestId).at(-1)).toBe('succeeded');
  expect(statesOf(repositoryId, pullRequestId)).not.toContain('error');
}, 120_000);

it('a job near its deadline hands over between passes; the re-enqueued job reviews the rest', async () => {
  const ids: { repositoryId?: string } = {};
  onRequest.set('deadline', async () => {
    // A push lands while the model thinks, and the model is slow: too little is left for the next pass.
    await sandbox.devops.push({
      repositoryId: ids.repositoryId!,
      branch: 'topic',
      files: { 'src/late.ts': 'export const late = 1;\nconsole.log(late);\n' },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  });
  // And posting is slow too: however fast the machine, the first pass leaves less than a model call's worth (6 s of
  // the 8) for the second, which must hand over.
  sandbox.devops.faults.inject({
    matches: (request) => request.method === 'POST' && /\/threads$/.test(request.path),
    times: 1,
    delayMs: 1_500,
  });
  const { repositoryId, pullRequestId } = Object.assign(ids, await openPullRequest('deadline'));
  await sandbox.settled();

  const threads = expectOneSetOfThreads(repositoryId, pullRequestId, FILES.length + 1);
  const summary = threads.find((thread) => threadKind(thread) === 'summary')?.comments[0].content as string;
  expect(summary).toMatch(/\| 2 \| [0-9a-f]{8} \| incremental since 1 \|/);
  expect(
    sandbox.host.logs.some((entry) =>
      /handed over \(\d+ s left before the job's deadline/.test(entry.message),
    ),
  ).toBe(true);
  expect(statesOf(repositoryId, pullRequestId)).not.toContain('error');
  expect(sandbox.llm.requests.filter((request) => titleOf(request) === 'deadline')).toHaveLength(2);
}, 120_000);
