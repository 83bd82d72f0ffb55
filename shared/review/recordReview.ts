import type { PullRequestIteration, PullRequestRef, StatusState } from './domain/platform';
import type { ReviewLock, ReviewPlan, ReviewState, ReviewStore } from './domain/reviewStore';
import {
  classifyFailure,
  failureDescription,
  ModelCallError,
  newCorrelationId,
  ReviewFailedError,
  type FailureClass,
} from './domain/failures';
import { failureDetails } from './safety/failureDetails';
import { fullReviewsWith } from './decideReview';
import type { Published } from './publishReview';
import { planMetrics, refFields } from './reviewMetrics';
import type { PassOutcome, ReviewDependencies } from './reviewRequest';

/**
 * What a pass leaves behind: the state (what is reviewed, the summary thread, the history), the per-review metrics
 * event, and for a failure the error as saved, for the next pass and the operator. Every state write is under the
 * lock.
 */

export async function recordReviewed(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  lock: ReviewLock,
  pass: {
    state: ReviewState;
    newest: PullRequestIteration;
    plan: ReviewPlan;
    published: Published;
    /** The request key of a `full review` command, counted against the day's limit. */
    fullReview: string | undefined;
  },
): Promise<PassOutcome> {
  const { state, newest, plan, published, fullReview } = pass;
  const fullReviews =
    fullReview === undefined ? state.fullReviews : fullReviewsWith(state, fullReview, deps.now());
  await deps.store.writeState(
    ref,
    {
      paused: state.paused,
      lastReviewedIteration: newest.id,
      lastReviewedSourceCommit: newest.sourceCommitId,
      summaryThreadId: published.summaryThreadId,
      history: published.history,
      findingThreads: published.findingThreads,
      ...(fullReviews === undefined ? {} : { fullReviews }),
    },
    lock,
  );
  return {
    kind: 'reviewed',
    iterationId: newest.id,
    mode: plan.mode,
    posted: published.posted,
    findings: plan.threads.length,
  };
}

export function recordReviewedMetrics(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  pass: { newest: PullRequestIteration; plan: ReviewPlan; published: Published; startedAt: number },
): void {
  deps.metrics?.({
    event: 'ado-reviewer.review',
    ...refFields(ref),
    iterationId: pass.newest.id,
    outcome: 'reviewed',
    ...planMetrics(pass.plan),
    posted: pass.published.posted,
    fixed: pass.published.fixed,
    durationMs: deps.now().getTime() - pass.startedAt,
  });
}

/**
 * A push not reviewed on purpose: the reason is logged, and said once per iteration as a status — `status()` words
 * it (notApplicable where the repository's configuration decided; never a passing one where the pull request did).
 */
export async function recordSkipped(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  lock: ReviewLock,
  input: {
    state: ReviewState;
    newest: PullRequestIteration;
    reason: string;
    startedAt: number;
    status: () => Promise<{ state: StatusState; description: string }>;
  },
): Promise<PassOutcome> {
  const { state, newest, reason } = input;
  deps.log.info(`PR ${ref.pullRequestId} iteration ${newest.id} not reviewed: ${reason}`);
  if (state.skipped?.iterationId !== newest.id || state.skipped.reason !== reason) {
    const status = await input.status();
    await deps.platform.setStatus(ref, {
      state: status.state,
      description: status.description.slice(0, 400),
      iterationId: newest.id,
      ...deps.settings.policy.statusContext,
    });
    await deps.store.writeState(ref, { ...state, skipped: { iterationId: newest.id, reason } }, lock);
  }
  deps.metrics?.({
    event: 'ado-reviewer.review',
    ...refFields(ref),
    iterationId: newest.id,
    outcome: 'skipped',
    reason,
    durationMs: deps.now().getTime() - input.startedAt,
  });
  return { kind: 'skipped', reason };
}

/**
 * A failed pass: the pull request and the stored state get a fixed sentence and an id, the details go to the log
 * under it, and the status says the review failed (never left "in progress"). Returns the error to throw.
 */
export async function recordFailure(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  lock: ReviewLock,
  pass: {
    newest: PullRequestIteration;
    startedAt: number;
    error: unknown;
    setStatus: (state: StatusState, description: string) => Promise<void>;
  },
): Promise<ReviewFailedError> {
  const { newest, error } = pass;
  const failure = classifyFailure(error);
  const correlationId = newCorrelationId();
  deps.log.warn(
    `Review of PR ${ref.pullRequestId} iteration ${newest.id} failed (${failure}, ref ${correlationId}): ` +
      failureDetails(error),
  );
  recordFailedMetrics(ref, deps, { newest, failure, startedAt: pass.startedAt });
  const lastError = { at: deps.now().toISOString(), iterationId: newest.id, failure, correlationId };
  await recordError(ref, deps.store, lock, lastError).catch(() => undefined);
  await pass
    .setStatus('error', failureDescription(failure, correlationId))
    .catch((statusError: unknown) =>
      deps.log.warn(`Could not set the error status (ref ${correlationId}): ${failureDetails(statusError)}`),
    );
  return new ReviewFailedError(
    failure,
    correlationId,
    error instanceof ModelCallError ? error.original : error,
  );
}

function recordFailedMetrics(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  pass: { newest: PullRequestIteration; failure: FailureClass; startedAt: number },
): void {
  deps.metrics?.({
    event: 'ado-reviewer.review',
    ...refFields(ref),
    iterationId: pass.newest.id,
    outcome: 'failed',
    reason: pass.failure,
    durationMs: deps.now().getTime() - pass.startedAt,
  });
}

/**
 * Adds the error to the state as saved now, not to the copy read when the pass began: a write since (this pass's,
 * or another job's) must not be undone.
 */
async function recordError(
  ref: PullRequestRef,
  store: ReviewStore,
  lock: ReviewLock,
  lastError: NonNullable<ReviewState['lastError']>,
): Promise<void> {
  await store.writeState(ref, { ...(await store.readState(ref)), lastError }, lock);
}
