import { failureDetails } from '../review/safety/failureDetails';
import { credentialFor } from '../azure-devops/azureDevOpsCredential';
import { createAzureDevOpsPlatform } from '../azure-devops/azureDevOpsPlatform';
import { getConfig, reviewSettingsOf, type AppConfig } from '../config';
import { organizationOfJob, type AzureDevOpsOrganization } from '../config/azureDevOpsSettings';
import { createChatModel } from '../llm/createChatModel';
import { createUsageLedger, type UsageLedger } from '../llm/usageLedger';
import { DEFAULT_RETRY_POLICY } from '../llm/retryPolicy';
import { createJobQueue } from '../queue/jobQueue';
import { parseReviewJob, type ReviewJob } from '../queue/reviewJob';
import { createSecretReader } from '../secrets/readSecret';
import { openRefreshingSecret, secretRereader } from '../secrets/refreshingSecret';
import { getProcessSecretStore } from '../secrets/secretStore';
import { createBlobReviewStore } from '../storage/blobReviewStore';
import type { PullRequestPlatform } from '../review/domain/platform';
import { answerComment } from '../review/conversation/answerComment';
import {
  classifyFailure,
  failureDescription,
  isFailureClass,
  newCorrelationId,
  ReviewFailedError,
} from '../review/domain/failures';
import { reviewPullRequest } from '../review/reviewPullRequest';
import type { ReviewDependencies } from '../review/reviewRequest';

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
async function modelFor(config: AppConfig, usage: UsageLedger) {
  const store = getProcessSecretStore();
  return createChatModel(config.llm, {
    readSecret: createSecretReader(store),
    openSecret: (source, setting) => openRefreshingSecret(source, setting, store),
    rereadSecret: secretRereader(store),
    onUsage: usage.record,
  });
}

/** How soon a job that handed over runs again: long enough for its lock to be released. */
const HAND_OVER_DELAY_SECONDS = 1;

const refOf = (job: ReviewJob) => ({
  projectId: job.projectId,
  repositoryId: job.repositoryId,
  pullRequestId: job.pullRequestId,
});

/** The queue function's work: build the real collaborators from configuration and run the review. */
export async function runReviewJob(message: unknown, context: JobContext): Promise<void> {
  try {
    await runParsedJob(parseReviewJob(message), context);
  } catch (error) {
    // The host logs what is thrown as it is: only the class and an id leave here (the review's failures already
    // carry theirs); the details go to the log, masked, under that id.
    if (error instanceof ReviewFailedError) throw error;
    const failure = classifyFailure(error);
    const correlationId = newCorrelationId();
    context.log.warn(`Review job failed (${failure}, ref ${correlationId}): ${failureDetails(error)}`);
    throw new ReviewFailedError(failure, correlationId, error);
  }
}

async function runParsedJob(job: ReviewJob, context: JobContext): Promise<void> {
  const config = getConfig();
  const organization = organizationOf(config, job);
  const platform = await platformFor(organization);

  const store = createBlobReviewStore(
    config.storage,
    config.state.container,
    stateKeyOf(config, organization),
  );
  const requeue = async (activity: string) => {
    // Another instance holds this lock and will finish; look again later in case this event came just after.
    await createJobQueue(config.storage, config.queue.name).send(job, {
      delaySeconds: config.review.busyRetrySeconds,
    });
    context.log.info(
      `PR ${job.pullRequestId}: ${activity} is running elsewhere; job ${job.eventId} will look again later`,
    );
  };

  const ref = refOf(job);
  const usage = createUsageLedger();
  const settings = reviewSettingsOf(config.review, config.llm, organization.url);
  const reviewDependencies: ReviewDependencies = {
    platform,
    model: await modelFor(config, usage),
    usage,
    store,
    log: context.log,
    settings,
    now: () => new Date(),
    deadline: {
      at: new Date((context.startedAt ?? Date.now()) + config.review.jobDeadlineSeconds * 1000),
      modelCallMs: config.llm.timeoutMs * (DEFAULT_RETRY_POLICY.maxRetries + 1),
    },
    metrics: config.review.metricsEnabled
      ? (event) => context.log.info(`Review metrics for PR ${event.pullRequestId}`, event)
      : undefined,
  };

  if (job.kind === 'comment') {
    if (job.threadId === undefined || job.commentId === undefined) {
      context.log.warn(`Comment job ${job.eventId} names no thread or comment: nothing to answer`);
      return;
    }
    // Most comment events are the app's own threads and replies: drop them before taking any lock.
    const ownId = await platform.getOwnIdentityId();
    const actor = job.actorId?.toLowerCase();
    if (actor === ownId || (actor !== undefined && config.review.ignoredIdentityIds.includes(actor))) {
      context.log.info(
        `Comment ${job.commentId} on PR ${job.pullRequestId} is by an ignored identity: nothing to do`,
      );
      return;
    }
    const lock = await store.tryLock(ref, `thread-${job.threadId}`);
    if (lock === undefined) return requeue(`answering in thread ${job.threadId}`);
    try {
      const outcome = await answerComment(ref, job.threadId, job.commentId, {
        platform,
        model: reviewDependencies.model,
        store,
        log: context.log,
        settings,
        review: (request) => reviewPullRequest(ref, reviewDependencies, request),
        now: reviewDependencies.now,
      });
      context.log.info(
        `Comment ${job.commentId} (thread ${job.threadId}) on PR ${job.pullRequestId}: ${JSON.stringify(outcome)}`,
      );
      if (outcome.kind === 'busy') await requeue(`a review (for comment ${job.commentId})`);
    } finally {
      await lock.release();
    }
    return;
  }

  const outcome = await reviewPullRequest(ref, reviewDependencies);
  if (outcome.kind === 'busy') return requeue('a review');
  if (outcome.kind === 'handedOver') {
    // Progress is saved; a fresh invocation (with a fresh time budget) continues shortly.
    await createJobQueue(config.storage, config.queue.name).send(job, {
      delaySeconds: HAND_OVER_DELAY_SECONDS,
    });
    context.log.info(
      `Job ${job.eventId} for PR ${job.pullRequestId} handed over (${outcome.reason}) after ` +
        `${JSON.stringify(outcome.passes)}; re-enqueued`,
    );
    return;
  }
  context.log.info(
    `Job ${job.eventId} (try ${context.dequeueCount}) for PR ${job.pullRequestId}: ${JSON.stringify(outcome.passes)}`,
  );
}

/**
 * A job that failed `maxDequeueCount` times: log why (the review recorded its last error) and make sure the pull
 * request shows the failure rather than a pending status.
 */
export async function reportPoisonedJob(message: unknown, context: JobContext): Promise<void> {
  const job = parseReviewJob(message);
  const config = getConfig();
  const ref = refOf(job);
  const organization = organizationOf(config, job);
  const state = await createBlobReviewStore(
    config.storage,
    config.state.container,
    stateKeyOf(config, organization),
  ).readState(ref);
  // Only the class and id the review recorded (older states carried raw text: it is not shown).
  const recorded = isFailureClass(state.lastError?.failure) ? state.lastError : undefined;
  const failure = recorded?.failure ?? 'unexpected';
  const correlationId = recorded?.correlationId ?? newCorrelationId();
  context.log.error(
    `Review job ${job.eventId} for PR ${job.pullRequestId} (${job.eventType}) failed every try and was moved to the ` +
      `poison queue. Last error: ${failure} (ref ${correlationId}${recorded ? ', details logged under it' : ', none recorded'})`,
  );
  if (job.kind !== 'pullRequest') return;
  const platform = await platformFor(organization);
  const iterations = await platform.listIterations(ref);
  await platform.setStatus(ref, {
    state: 'error',
    description: failureDescription(failure, correlationId, 'Review failed after every retry'),
    iterationId: iterations.at(-1)?.id,
    ...config.review.statusContext,
  });
}
