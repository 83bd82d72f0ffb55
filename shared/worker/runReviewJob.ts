import {
  buildJobDependencies,
  platformOf,
  reviewStoreOf,
  type JobContext,
} from '../composition/jobDependencies';
import { reviewQueue } from '../composition/processRoot';
import { getConfig } from '../config';
import { parseReviewJob, type ReviewJob } from '../queue/reviewJob';
import { answerComment } from '../review/conversation/answerComment';
import {
  classifyFailure,
  failureDescription,
  isFailureClass,
  newCorrelationId,
  ReviewFailedError,
} from '../review/domain/failures';
import { fencedPlatform } from '../review/publish/fencedPlatform';
import { reviewPullRequest } from '../review/reviewPullRequest';
import { failureDetails } from '../review/safety/failureDetails';

/** How soon a job that handed over runs again: long enough for its lock to be released. */
const HAND_OVER_DELAY_SECONDS = 1;

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
  const {
    ref,
    platform,
    store,
    review,
    requeue: send,
  } = await buildJobDependencies(config, job, context, reviewQueue(config));
  const requeue = async (activity: string) => {
    // Another instance holds this lock and will finish; look again later in case this event came just after.
    await send(config.review.busyRetrySeconds);
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
    const lock = await store.tryLock(ref, `thread-${job.threadId}`);
    if (lock === undefined) return requeue(`answering in thread ${job.threadId}`);
    try {
      const outcome = await answerComment(ref, job.threadId, job.commentId, {
        // Replies and thread writes only while this job holds the thread: a redelivery that took it over answers.
        platform: fencedPlatform(platform, lock),
        model: review.model,
        store,
        log: context.log,
        settings: review.settings,
        review: (request) => reviewPullRequest(ref, review, request),
        now: review.now,
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

  const outcome = await reviewPullRequest(ref, review);
  if (outcome.kind === 'busy') return requeue('a review');
  if (outcome.kind === 'handedOver') {
    // Progress is saved; a fresh invocation (with a fresh time budget) continues shortly.
    await send(HAND_OVER_DELAY_SECONDS);
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
  const ref = { projectId: job.projectId, repositoryId: job.repositoryId, pullRequestId: job.pullRequestId };
  const state = await reviewStoreOf(config, job).readState(ref);
  // Only the class and id the review recorded (older states carried raw text: it is not shown).
  const recorded = isFailureClass(state.lastError?.failure) ? state.lastError : undefined;
  const failure = recorded?.failure ?? 'unexpected';
  const correlationId = recorded?.correlationId ?? newCorrelationId();
  context.log.error(
    `Review job ${job.eventId} for PR ${job.pullRequestId} (${job.eventType}) failed every try and was moved to the ` +
      `poison queue. Last error: ${failure} (ref ${correlationId}${recorded ? ', details logged under it' : ', none recorded'})`,
  );
  if (job.kind !== 'pullRequest') return;
  const platform = await platformOf(config, job);
  const newest = (await platform.listIterations(ref)).at(-1);
  // A later job may have reviewed the newest iteration since: its result stands, not this job's failure.
  const reviewedSince = newest !== undefined && state.lastReviewedIteration === newest.id;
  if (reviewedSince) {
    context.log.info(`PR ${job.pullRequestId}: iteration ${newest.id} was reviewed since; its status stands`);
    return;
  }
  await platform.setStatus(ref, {
    state: 'error',
    description: failureDescription(failure, correlationId, 'Review failed after every retry'),
    iterationId: newest?.id,
    ...config.review.statusContext,
  });
}
