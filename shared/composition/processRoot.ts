import type { AppConfig } from '../config';
import type { ReviewJob } from '../queue/reviewJob';
import { createJobQueue, type JobQueue } from '../queue/jobQueue';
import { getProcessSecretStore, type SecretStore } from '../secrets/secretStore';
import type { JobContext, JobDependencies } from './jobDependencies';

/**
 * The composition root of a worker process: every function gets its collaborators here, and the objects that live
 * as long as the process are made here or by the one client that owns them.
 *
 * Made here: the review queue's client, one a process (the webhook enqueues through it, a job that is busy or hands
 * over re-enqueues itself through it, health probes it); and, per job, the job's collaborators (jobDependencies.ts,
 * loaded with the first job, so that the webhook's cold start loads no Azure DevOps or model client).
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

/** The collaborators of one review job, for the organization it names. */
export async function jobDependencies(
  config: AppConfig,
  job: ReviewJob,
  context: JobContext,
): Promise<JobDependencies> {
  const { buildJobDependencies } = await import('./jobDependencies');
  return buildJobDependencies(config, job, context, reviewQueue(config));
}

/** What reporting a poisoned job needs: its review state, and (only for a pull request's job) Azure DevOps. */
export async function poisonedJobDependencies(config: AppConfig, job: ReviewJob) {
  const { platformOf, reviewStoreOf } = await import('./jobDependencies');
  return { store: reviewStoreOf(config, job), platform: () => platformOf(config, job) };
}
