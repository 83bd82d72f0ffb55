import { BlobServiceClient, RestError, type ContainerClient } from '@azure/storage-blob';
import type { StorageConnection } from '../config';
import { getAzureCredential } from '../identity/azureCredential';
import type { ReviewPlan, ReviewState, ReviewStore } from '../review/reviewStore';
import type { PullRequestRef } from '../review/platform';

/**
 * Blob leases last 15-60 s. The shortest, renewed every 5 s while the review runs and released at its end, so a
 * crashed worker blocks its pull request for 15 s at most.
 */
const LEASE_SECONDS = 15;
const RENEW_EVERY_MS = 5_000;

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

/**
 * Review state in the app's own storage account: one folder per pull request with `state.json`, the saved plan of
 * each reviewed iteration, and a `lock` blob whose lease serialises the reviews of that pull request across
 * instances. Blob storage is already there for the Functions host and needs no new resource or role.
 */
export function createBlobReviewStore(connection: StorageConnection, container: string): ReviewStore {
  const client = createContainerClient(connection, container);
  let ensured: Promise<unknown> | undefined;
  const ensureContainer = () => (ensured ??= client.createIfNotExists());
  const folder = (ref: PullRequestRef) => `pull-requests/${ref.repositoryId}/${ref.pullRequestId}`;

  async function readJson<T>(name: string): Promise<T | undefined> {
    await ensureContainer();
    try {
      const buffer = await client.getBlockBlobClient(name).downloadToBuffer();
      return JSON.parse(buffer.toString('utf8')) as T;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async function writeJson(name: string, value: unknown): Promise<void> {
    await ensureContainer();
    const body = JSON.stringify(value);
    await client.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  }

  return {
    async readState(ref) {
      return (await readJson<ReviewState>(`${folder(ref)}/state.json`)) ?? { history: [] };
    },
    writeState: (ref, state) => writeJson(`${folder(ref)}/state.json`, state),
    readPlan: (ref, iterationId) => readJson<ReviewPlan>(`${folder(ref)}/iterations/${iterationId}.json`),
    writePlan: (ref, plan) => writeJson(`${folder(ref)}/iterations/${plan.iterationId}.json`, plan),

    async tryLock(ref, scope = 'review') {
      await ensureContainer();
      const blob = client.getBlockBlobClient(`${folder(ref)}/locks/${scope}`);
      try {
        await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
      } catch (error) {
        // 409: it exists already (perhaps leased right now); 412: created meanwhile by another job. Both fine.
        if (!isStatus(error, 409) && !isStatus(error, 412)) throw error;
      }
      const lease = blob.getBlobLeaseClient();
      try {
        await lease.acquireLease(LEASE_SECONDS);
      } catch (error) {
        if (isStatus(error, 409)) return undefined;
        throw error;
      }
      const renewal = setInterval(() => {
        lease.renewLease().catch(() => undefined);
      }, RENEW_EVERY_MS);
      renewal.unref();
      return {
        async release() {
          clearInterval(renewal);
          await lease.releaseLease().catch(() => undefined);
        },
      };
    },
  };
}
