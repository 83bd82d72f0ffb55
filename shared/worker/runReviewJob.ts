import { createAzureDevOpsPlatform } from '../azure-devops/azureDevOpsPlatform';
import { getConfig, type AppConfig } from '../config';
import { getReviewSafetySettings } from '../config/reviewSafetySettings';
import { createChatModel } from '../llm/createChatModel';
import { DEFAULT_RETRY_POLICY } from '../llm/retryPolicy';
import { createJobQueue } from '../queue/jobQueue';
import { parseReviewJob, type ReviewJob } from '../queue/reviewJob';
import { createSecretReader, readRequiredSecret } from '../secrets/readSecret';
import { getProcessSecretStore } from '../secrets/secretStore';
import { createBlobReviewStore } from '../storage/blobReviewStore';
import type { PullRequestPlatform } from '../review/platform';
import { answerMention } from '../review/answerMention';
import { failureDescription, isFailureClass, newCorrelationId } from '../review/failureMessages';
import { reviewPullRequest } from '../review/reviewPullRequest';

export interface JobContext {
  dequeueCount: number;
  /** When the host started the invocation (ms since the epoch): the job's deadline counts from it. */
  startedAt?: number;
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
}

/** The Azure DevOps client for this job, with the PAT read through the secret cache (rotation needs no restart). */
async function platformFor(config: AppConfig): Promise<PullRequestPlatform> {
  const read = createSecretReader(getProcessSecretStore());
  const token = await readRequiredSecret(read, config.azureDevOps.token, 'AZURE_DEVOPS_BOT_TOKEN');
  return createAzureDevOpsPlatform(config.azureDevOps.orgUrl, token);
}

/** The configured provider's model, its secrets read through the secret cache like the PAT. */
async function modelFor(config: AppConfig) {
  const store = getProcessSecretStore();
  return createChatModel(config.llm, {
    readSecret: createSecretReader(store),
    invalidateSecret: (name) => store?.invalidate(name),
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
  const job = parseReviewJob(message);
  const config = getConfig();
  const platform = await platformFor(config);

  const store = createBlobReviewStore(config.storage, config.state.container);
  const requeue = async (activity: string) => {
    // Another instance holds this lock and will finish; look again later in case this event came just after.
    await createJobQueue(config.storage, config.queue.name).send(job, {
      delaySeconds: config.review.busyRetrySeconds,
    });
    context.log.info(
      `PR ${job.pullRequestId}: ${activity} is running elsewhere; job ${job.eventId} will look again later`,
    );
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
    const ref = refOf(job);
    const lock = await store.tryLock(ref, `thread-${job.threadId}`);
    if (lock === undefined) return requeue(`answering in thread ${job.threadId}`);
    try {
      const outcome = await answerMention(ref, job.threadId, job.commentId, {
        platform,
        model: await modelFor(config),
        log: context.log,
        ignoredIdentityIds: config.review.ignoredIdentityIds,
        orgUrl: config.azureDevOps.orgUrl,
      });
      context.log.info(
        `Comment ${job.commentId} (thread ${job.threadId}) on PR ${job.pullRequestId}: ${JSON.stringify(outcome)}`,
      );
    } finally {
      await lock.release();
    }
    return;
  }

  const outcome = await reviewPullRequest(refOf(job), {
    platform,
    model: await modelFor(config),
    store,
    log: context.log,
    limits: config.review,
    policy: config.review,
    now: () => new Date(),
    deadline: {
      at: new Date((context.startedAt ?? Date.now()) + config.review.jobDeadlineSeconds * 1000),
      modelCallMs: config.llm.timeoutMs * (DEFAULT_RETRY_POLICY.maxRetries + 1),
    },
    safety: { ...getReviewSafetySettings(), orgUrl: config.azureDevOps.orgUrl },
  });
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
  const state = await createBlobReviewStore(config.storage, config.state.container).readState(ref);
  // Only the class and id the review recorded (older states carried raw text: it is not shown).
  const recorded = isFailureClass(state.lastError?.failure) ? state.lastError : undefined;
  const failure = recorded?.failure ?? 'unexpected';
  const correlationId = recorded?.correlationId ?? newCorrelationId();
  context.log.error(
    `Review job ${job.eventId} for PR ${job.pullRequestId} (${job.eventType}) failed every try and was moved to the ` +
      `poison queue. Last error: ${failure} (ref ${correlationId}${recorded ? ', details logged under it' : ', none recorded'})`,
  );
  if (job.kind !== 'pullRequest') return;
  const platform = await platformFor(config);
  const iterations = await platform.listIterations(ref);
  await platform.setStatus(ref, {
    state: 'error',
    description: failureDescription(failure, correlationId, 'Review failed after every retry'),
    iterationId: iterations.at(-1)?.id,
    ...config.review.statusContext,
  });
}
