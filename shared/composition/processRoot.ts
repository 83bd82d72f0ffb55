import type { AppConfig } from '../config';
import { createJobQueue, type JobQueue } from '../queue/jobQueue';
import { getProcessSecretStore, type SecretStore } from '../secrets/secretStore';

/**
 * The composition root of a worker process: every function gets its collaborators here, and the objects that live
 * as long as the process are made here or by the one client that owns them.
 *
 * Made here: the review queue's client, one a process (the webhook enqueues through it, a job that is busy or hands
 * over re-enqueues itself through it, health probes it). Made per job by jobDependencies.ts, the root's other half:
 * the job's collaborators; the review job function loads it (with the worker) on its first job, so that the
 * webhook's cold start loads no Azure DevOps or model client.
 *
 * Owned by their clients, each created on first use and kept for the process: the settings (config: the
 * environment is read once), the Key Vault secret cache (secrets/secretStore.ts), Entra credentials
 * (identity/azureCredential.ts), the Azure DevOps bearer credentials and per-organization connection data
 * (azure-devops/), the OAuth2 token sources (llm/createChatModel.ts), the tokenizers (llm/tokenCounter.ts), the
 * outbound proxy agent (http/outboundProxy.ts), and the organization health probes (azure-devops/organizationHealth).
 */

let queue: { for: string; queue: JobQueue } | undefined;

/** The review queue of `config` (one client a process; a new one only if the queue's settings changed). */
export function reviewQueue(config: AppConfig): JobQueue {
  const key = JSON.stringify([config.storage, config.queue.name]);
  if (queue?.for !== key) queue = { for: key, queue: createJobQueue(config.storage, config.queue.name) };
  return queue.queue;
}

/** The Key Vault secret cache of this process, when KEY_VAULT_URI is set. */
export const secretStore = (): SecretStore | undefined => getProcessSecretStore();

/** What the webhook handler is built over. */
export const webhookPorts = { createQueue: reviewQueue, secretStore };
