import { credentialFor } from '../azure-devops/azureDevOpsCredential';
import { createAzureDevOpsPlatform } from '../azure-devops/azureDevOpsPlatform';
import { reviewSettingsOf, type AppConfig } from '../config';
import { organizationOfJob, type AzureDevOpsOrganization } from '../config/azureDevOpsSettings';
import { createChatModel } from '../llm/createChatModel';
import { DEFAULT_RETRY_POLICY } from '../llm/retryPolicy';
import { createUsageLedger, type UsageLedger } from '../llm/usageLedger';
import type { JobQueue } from '../queue/jobQueue';
import type { ReviewJob } from '../queue/reviewJob';
import { assertTimeForModelCall, type JobDeadline } from '../review/domain/jobDeadline';
import type { PullRequestPlatform, PullRequestRef } from '../review/domain/platform';
import type { ReviewStore } from '../review/domain/reviewStore';
import type { ReviewDependencies } from '../review/reviewRequest';
import { createSecretReader } from '../secrets/readSecret';
import { openRefreshingSecret, secretRereader } from '../secrets/refreshingSecret';
import { getProcessSecretStore } from '../secrets/secretStore';
import { createBlobReviewStore } from '../storage/blobReviewStore';

/** The invocation a job runs in, as the queue functions give it. */
export interface JobContext {
  dequeueCount: number;
  /** When the host started the invocation (ms since the epoch): the job's deadline counts from it. */
  startedAt?: number;
  /** The Functions host's logger: an object after the message becomes structured fields (custom dimensions). */
  log: {
    info(message: string, ...fields: unknown[]): void;
    warn(message: string): void;
    error(message: string): void;
  };
}

interface JobDependencies {
  organization: AzureDevOpsOrganization;
  ref: PullRequestRef;
  platform: PullRequestPlatform;
  store: ReviewStore;
  /** The review's collaborators, with the job's deadline, usage ledger and metrics sink. */
  review: ReviewDependencies;
  /** Puts the job back on the queue, visible again after `delaySeconds`. */
  requeue: (delaySeconds: number) => Promise<void>;
}

/** The configured organization the job names (the default one when it names none); never a URL from the job. */
function organizationOf(config: AppConfig, job: ReviewJob): AzureDevOpsOrganization {
  const organization = organizationOfJob(config.azureDevOps, job.organization);
  if (organization === undefined)
    throw new Error(`Job ${job.eventId} names organization ${job.organization}, which is not configured`);
  return organization;
}

/** Review state is kept per organization; the default one's stays where it was before there could be several. */
const stateKeyOf = (config: AppConfig, organization: AzureDevOpsOrganization) =>
  organization === config.azureDevOps.organizations[0] ? undefined : organization.key;

/**
 * The Azure DevOps client for the organization, signed as its settings say: a PAT read through the secret cache and
 * read again from Key Vault at its first refusal (a 401 or a sign-in page), so a rotated PAT works at once on every
 * instance; or a managed identity's or service principal's token, refreshed before it expires and on refusal.
 */
async function platformFor(organization: AzureDevOpsOrganization): Promise<PullRequestPlatform> {
  return createAzureDevOpsPlatform(
    organization.url,
    await credentialFor(organization, getProcessSecretStore()),
  );
}

/**
 * The configured provider's model, its secrets read through the secret cache like the PAT; every call's usage as
 * the provider reported it goes to `usage`, for the review's cost accounting.
 */
function modelFor(config: AppConfig, usage: UsageLedger, deadline: JobDeadline) {
  const store = getProcessSecretStore();
  return createChatModel(config.llm, {
    readSecret: createSecretReader(store),
    openSecret: (source, setting) => openRefreshingSecret(source, setting, store),
    rereadSecret: secretRereader(store),
    onUsage: usage.record,
    // The review checks the deadline before each call; a call asked once more checks it again.
    beforeRetry: () => assertTimeForModelCall(deadline, () => new Date()),
  });
}

/** The job's review state and locks, where its organization's are kept. */
export function reviewStoreOf(config: AppConfig, job: ReviewJob): ReviewStore {
  return createBlobReviewStore(
    config.storage,
    config.state.container,
    stateKeyOf(config, organizationOf(config, job)),
  );
}

/** The Azure DevOps client of the organization the job names. */
export const platformOf = (config: AppConfig, job: ReviewJob) => platformFor(organizationOf(config, job));

export async function buildJobDependencies(
  config: AppConfig,
  job: ReviewJob,
  context: JobContext,
  queue: JobQueue,
): Promise<JobDependencies> {
  const organization = organizationOf(config, job);
  const platform = await platformFor(organization);
  const store = reviewStoreOf(config, job);
  const usage = createUsageLedger();
  const deadline: JobDeadline = {
    at: new Date((context.startedAt ?? Date.now()) + config.review.jobDeadlineSeconds * 1000),
    // A call's worst case in the one retry layer: every try taking the whole timeout.
    modelCallMs: config.llm.timeoutMs * (DEFAULT_RETRY_POLICY.maxRetries + 1),
  };
  const review: ReviewDependencies = {
    platform,
    model: await modelFor(config, usage, deadline),
    usage,
    store,
    log: context.log,
    settings: reviewSettingsOf(config.review, config.llm, organization.url),
    now: () => new Date(),
    deadline,
    metrics: config.review.metricsEnabled
      ? (event) => context.log.info(`Review metrics for PR ${event.pullRequestId}`, event)
      : undefined,
  };
  const ref = { projectId: job.projectId, repositoryId: job.repositoryId, pullRequestId: job.pullRequestId };
  return {
    organization,
    ref,
    platform,
    store,
    review,
    requeue: (delaySeconds) => queue.send(job, { delaySeconds }),
  };
}
