import {
  BlobServiceClient,
  RestError,
  type BlobLeaseClient,
  type BlockBlobClient,
  type ContainerClient,
} from '@azure/storage-blob';
import type { StorageConnection } from '../config';
import { errorFirstLine } from '../errors/errorMessage';
import { getAzureCredential } from '../identity/azureCredential';
import {
  LockLostError,
  type Learning,
  type RepositoryRef,
  type ReviewLock,
  type ReviewPlan,
  type ReviewState,
  type ReviewStore,
} from '../review/domain/reviewStore';
import type { PullRequestRef } from '../review/domain/platform';

/**
 * Blob leases last 15-60 s. The shortest, renewed every 5 s while the review runs and released at its end, so a
 * crashed worker blocks its pull request for 15 s at most.
 */
const LEASE_SECONDS = 15;
const RENEW_EVERY_MS = 5_000;
/** A lease not confirmed for this long might lapse before the write it is checked for lands: treat it as lost. */
const LEASE_TRUSTED_MS = (LEASE_SECONDS - 3) * 1000;

function createContainerClient(connection: StorageConnection, container: string): ContainerClient {
  if ('connectionString' in connection) {
    return BlobServiceClient.fromConnectionString(connection.connectionString).getContainerClient(container);
  }
  return new BlobServiceClient(
    connection.blobServiceUri,
    getAzureCredential(connection.clientId),
  ).getContainerClient(container);
}

const isStatus = (error: unknown, status: number) =>
  error instanceof RestError && error.statusCode === status;

/** Tries of a learnings update that lost a race with another; each retry starts from the newer list. */
const LEARNINGS_UPDATE_TRIES = 5;

/**
 * Review state in the app's own storage account (per organization, see `root`): one folder per pull request with `state.json`, the saved plan of
 * each reviewed iteration, and lock blobs whose leases serialise its activities across instances. Blob storage is
 * already there for the Functions host and needs no new resource or role.
 *
 * The `review` lock is the lease on `state.json` itself: state writes carry the lease id, so Storage rejects the
 * write of a job whose lease lapsed or was broken (fencing), whatever that job believes. Every other write of a
 * lock holder (plans, Azure DevOps) is preceded by `assertHeld`, which renews the lease there and then.
 */
export const createBlobReviewStore = (
  connection: StorageConnection,
  container: string,
  organizationKey?: string,
): ReviewStore => new BlobReviewStore(createContainerClient(connection, container), organizationKey);

class BlobReviewStore implements ReviewStore {
  private ensured: Promise<unknown> | undefined;
  /**
   * The default organization keeps the folders used before there could be more than one; another's state and
   * locks live under its key, encoded into one path segment (no `/`, so no `..` can climb out of it).
   */
  private readonly root: string;
  /** The lease behind each lock this store handed out: what state writes are conditioned on. */
  private readonly leaseIds = new WeakMap<ReviewLock, string>();

  constructor(
    private readonly client: ContainerClient,
    organizationKey: string | undefined,
  ) {
    this.root = organizationKey === undefined ? '' : `organizations/${encodeURIComponent(organizationKey)}/`;
  }

  async readState(ref: PullRequestRef): Promise<ReviewState> {
    return (await this.readJson<ReviewState>(`${this.folder(ref)}/state.json`)) ?? { history: [] };
  }

  async writeState(ref: PullRequestRef, state: ReviewState, lock: ReviewLock): Promise<void> {
    await lock.assertHeld();
    try {
      await this.writeJson(this.stateBlob(ref), state, { leaseId: this.leaseIdOf(lock) });
    } catch (error) {
      // 412: the blob's lease is not ours any more (broken, or lapsed and taken by another job).
      if (isStatus(error, 412)) throw new LockLostError('the state write was refused under its lease');
      throw error;
    }
  }

  readPlan(ref: PullRequestRef, iterationId: number, requestKey?: string): Promise<ReviewPlan | undefined> {
    return this.readJson<ReviewPlan>(this.planName(ref, iterationId, requestKey));
  }

  async writePlan(ref: PullRequestRef, plan: ReviewPlan, lock: ReviewLock): Promise<ReviewPlan> {
    await lock.assertHeld();
    const name = this.planName(ref, plan.iterationId, plan.requestKey);
    try {
      await this.writeJson(this.client.getBlockBlobClient(name), plan, { ifNoneMatch: '*' });
      return plan;
    } catch (error) {
      // Saved meanwhile by a job that held the lock after this one: its plan is the one being posted.
      if (!isStatus(error, 409) && !isStatus(error, 412)) throw error;
      const saved = await this.readJson<ReviewPlan>(name);
      return saved ?? plan;
    }
  }

  async readLearnings(repository: RepositoryRef): Promise<Learning[]> {
    return (await this.readJson<Learning[]>(this.learningsName(repository.repositoryId))) ?? [];
  }

  async updateLearnings(
    repository: RepositoryRef,
    change: (current: Learning[]) => Learning[],
  ): Promise<Learning[]> {
    await this.ensureContainer();
    const blob = this.client.getBlockBlobClient(this.learningsName(repository.repositoryId));
    for (let attempt = 1; ; attempt++) {
      let current: Learning[] = [];
      let etag: string | undefined;
      try {
        const download = await blob.download();
        etag = download.etag;
        current = JSON.parse((await streamText(download.readableStreamBody)) || '[]') as Learning[];
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
      const next = change(current);
      try {
        // Written only over the list read (or where there was none): a concurrent change is never lost.
        await this.writeJson(blob, next, etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag });
        return next;
      } catch (error) {
        const lostRace = isStatus(error, 412) || isStatus(error, 409);
        if (!lostRace || attempt >= LEARNINGS_UPDATE_TRIES) throw error;
      }
    }
  }

  async tryLock(ref: PullRequestRef, scope = 'review'): Promise<ReviewLock | undefined> {
    await this.ensureContainer();
    const blob = this.lockBlob(ref, scope);
    try {
      // The lease needs a blob; the state blob starts as the empty state (what a missing one reads as).
      const initial = scope === 'review' ? JSON.stringify({ history: [] }) : '';
      await blob.upload(initial, Buffer.byteLength(initial), { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      // 409: it exists already (perhaps leased right now); 412: created meanwhile by another job. Both fine.
      if (!isStatus(error, 409) && !isStatus(error, 412)) throw error;
    }
    const lease = blob.getBlobLeaseClient();
    const acquiredAt = Date.now();
    try {
      await lease.acquireLease(LEASE_SECONDS);
    } catch (error) {
      if (isStatus(error, 409)) return undefined;
      throw error;
    }
    const lock = leasedLock(lease, acquiredAt);
    this.leaseIds.set(lock, lease.leaseId);
    return lock;
  }

  private ensureContainer(): Promise<unknown> {
    return (this.ensured ??= this.client.createIfNotExists());
  }

  private folder(ref: PullRequestRef): string {
    return `${this.root}pull-requests/${ref.repositoryId}/${ref.pullRequestId}`;
  }

  private stateBlob(ref: PullRequestRef): BlockBlobClient {
    return this.client.getBlockBlobClient(`${this.folder(ref)}/state.json`);
  }

  private planName(ref: PullRequestRef, iterationId: number, requestKey?: string): string {
    return `${this.folder(ref)}/iterations/${iterationId}${requestKey === undefined ? '' : `-${encodeURIComponent(requestKey)}`}.json`;
  }

  private learningsName(repositoryId: string): string {
    return `${this.root}repositories/${encodeURIComponent(repositoryId)}/learnings.json`;
  }

  private lockBlob(ref: PullRequestRef, scope: string): BlockBlobClient {
    return scope === 'review'
      ? this.stateBlob(ref)
      : this.client.getBlockBlobClient(`${this.folder(ref)}/locks/${scope}`);
  }

  private leaseIdOf(lock: ReviewLock): string {
    const leaseId = this.leaseIds.get(lock);
    if (leaseId === undefined) throw new Error('Not a lock of this review store');
    return leaseId;
  }

  private async readJson<T>(name: string): Promise<T | undefined> {
    await this.ensureContainer();
    try {
      const buffer = await this.client.getBlockBlobClient(name).downloadToBuffer();
      return JSON.parse(buffer.toString('utf8')) as T;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  private async writeJson(
    blob: BlockBlobClient,
    value: unknown,
    conditions?: { leaseId?: string; ifNoneMatch?: string; ifMatch?: string },
  ): Promise<void> {
    await this.ensureContainer();
    const body = JSON.stringify(value);
    await blob.upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
      conditions,
    });
  }
}

async function streamText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (stream === undefined) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A held lease as a lock: renewed every RENEW_EVERY_MS, and again before each checked write. The first failed
 * renewal marks it lost for good: the lease may be another job's by now, so this job must not write again.
 */
function leasedLock(lease: BlobLeaseClient, acquiredAt: number): ReviewLock {
  let confirmedAt = acquiredAt;
  let lost: string | undefined;
  let renewing: Promise<void> | undefined;
  const renew = () =>
    (renewing ??= (async () => {
      const startedAt = Date.now();
      try {
        await lease.renewLease();
        confirmedAt = startedAt;
      } catch (error) {
        lost ??= `renewing its lease failed: ${errorFirstLine(error)}`;
      } finally {
        renewing = undefined;
      }
    })());
  const renewal = setInterval(() => void renew(), RENEW_EVERY_MS);
  renewal.unref();
  const check = () => {
    if (lost === undefined && Date.now() - confirmedAt > LEASE_TRUSTED_MS)
      lost = 'its lease was not renewed in time';
    if (lost !== undefined) {
      clearInterval(renewal);
      throw new LockLostError(lost);
    }
  };
  return {
    async assertHeld() {
      check();
      await renew();
      check();
    },
    async release() {
      clearInterval(renewal);
      lost ??= 'released';
      await renewing;
      await lease.releaseLease().catch(() => undefined);
    },
  };
}
