import { BlobServiceClient, RestError } from '@azure/storage-blob';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startAzurite, type Azurite } from '../../dev/azurite/azurite';
import { HOST_FUNCTION_TIMEOUT_SECONDS } from '../../shared/config/jobBudgetSettings';
import { LockLostError, type ReviewPlan, type ReviewStore } from '../../shared/review/domain/reviewStore';
import { createBlobReviewStore } from '../../shared/storage/blobReviewStore';

/**
 * The blob store's lock against Azurite: the `review` lock is the lease on the state blob, so Storage itself
 * refuses the state writes of a job whose lease was broken, and the job notices before any other write.
 */

const CONTAINER = 'fencing-state';
let azurite: Azurite;
let store: ReviewStore;
let ref = { projectId: 'p', repositoryId: 'r', pullRequestId: 0 };
const stateBlob = () =>
  BlobServiceClient.fromConnectionString(azurite.connectionString)
    .getContainerClient(CONTAINER)
    .getBlockBlobClient(`pull-requests/${ref.repositoryId}/${ref.pullRequestId}/state.json`);

beforeAll(async () => {
  azurite = await startAzurite();
  store = createBlobReviewStore({ connectionString: azurite.connectionString }, CONTAINER);
});

afterAll(async () => {
  await azurite?.stop();
});

beforeEach(() => {
  ref = { ...ref, pullRequestId: ref.pullRequestId + 1 };
});

it('a holder writes its state under the lease; nobody else can, not even without a lease id', async () => {
  const lock = await store.tryLock(ref);
  expect(lock).toBeDefined();
  await store.writeState(ref, { lastReviewedIteration: 1, history: [] }, lock!);
  expect(await store.readState(ref)).toEqual({ lastReviewedIteration: 1, history: [] });
  expect(await store.tryLock(ref)).toBeUndefined();

  const body = JSON.stringify({ history: [] });
  const error = await stateBlob()
    .upload(body, body.length)
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RestError);
  expect((error as RestError).statusCode).toBe(412);
  await lock!.release();
  expect(await store.tryLock(ref)).toBeDefined();
});

it('a lock whose lease was broken is lost: it cannot write state, and another job takes the pull request', async () => {
  const stale = await store.tryLock(ref);
  await store.writeState(ref, { lastReviewedIteration: 1, history: [] }, stale!);
  await stateBlob().getBlobLeaseClient().breakLease(0);

  const current = await store.tryLock(ref);
  expect(current).toBeDefined();
  await expect(stale!.assertHeld()).rejects.toBeInstanceOf(LockLostError);
  await expect(
    store.writeState(ref, { lastReviewedIteration: 99, history: [] }, stale!),
  ).rejects.toBeInstanceOf(LockLostError);
  await store.writeState(ref, { lastReviewedIteration: 2, history: [] }, current!);
  expect(await store.readState(ref)).toEqual({ lastReviewedIteration: 2, history: [] });
  await stale!.release();
  // Releasing the stale lock does not free the pull request from its new holder.
  expect(await store.tryLock(ref)).toBeUndefined();
  await current!.assertHeld();
  await current!.release();
});

it('a plan saved for an iteration is kept: a later writer gets the saved one back', async () => {
  const lock = await store.tryLock(ref);
  const plan = (summarySection: string): ReviewPlan => ({
    iterationId: 1,
    sourceCommitId: 'a'.repeat(40),
    mode: 'full',
    files: 1,
    threads: [],
    summarySection,
  });
  expect(await store.writePlan(ref, plan('first'), lock!)).toEqual(plan('first'));
  expect(await store.writePlan(ref, plan('second'), lock!)).toEqual(plan('first'));
  expect(await store.readPlan(ref, 1)).toEqual(plan('first'));
  await lock!.release();
});

it('the job deadline setting knows host.json’s functionTimeout', () => {
  const hostJson = JSON.parse(readFileSync(path.join(__dirname, '../../host.json'), 'utf8')) as {
    functionTimeout: string;
  };
  const [hours, minutes, seconds] = hostJson.functionTimeout.split(':').map(Number);
  expect(hours * 3600 + minutes * 60 + seconds).toBe(HOST_FUNCTION_TIMEOUT_SECONDS);
});
