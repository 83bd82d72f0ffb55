import { QueueClient, RestError } from '@azure/storage-queue';
import type { StorageConnection } from '../config';
import { getAzureCredential } from '../identity/azureCredential';
import { encodeReviewJob, type ReviewJob } from './reviewJob';

export interface JobQueue {
  /** Enqueues a job, optionally invisible for a while (to try again later). */
  send(job: ReviewJob, options?: { delaySeconds?: number }): Promise<void>;
  /** Resolves when the queue answers; rejects with the reason otherwise. */
  checkReachable(): Promise<void>;
}

/**
 * The webhook must answer Azure DevOps quickly (it gives up on slow receivers): a few short tries, then 503 so that
 * Azure DevOps retries the delivery later.
 */
const retryOptions = { maxTries: 3, tryTimeoutInMs: 5_000, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 };

function createQueueClient(connection: StorageConnection, name: string): QueueClient {
  if ('connectionString' in connection)
    return new QueueClient(connection.connectionString, name, { retryOptions });
  // Identity-based connection (no account keys in Azure).
  const credential = getAzureCredential(connection.clientId);
  return new QueueClient(`${connection.queueServiceUri.replace(/\/+$/, '')}/${name}`, credential, {
    retryOptions,
  });
}

function isQueueNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

/** The review queue as the webhook sees it: enqueue a job, check the queue is there. */
export function createJobQueue(connection: StorageConnection, name: string): JobQueue {
  const client = createQueueClient(connection, name);
  return {
    async send(job, options = {}) {
      const message = encodeReviewJob(job);
      const send = () => client.sendMessage(message, { visibilityTimeout: options.delaySeconds });
      try {
        await send();
      } catch (error) {
        // Infrastructure pre-creates the queue in Azure; a fresh local emulator does not have it yet.
        if (!isQueueNotFound(error)) throw error;
        await client.createIfNotExists();
        await send();
      }
    },
    async checkReachable() {
      await client.getProperties();
    },
  };
}
