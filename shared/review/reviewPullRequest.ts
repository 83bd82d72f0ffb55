import type { FailSeverity } from '../config';
import type { ChatModel } from '../llm/chatModel';
import { renderSummaryComment } from './publish/comments';
import { fencedPlatform } from './publish/fencedPlatform';
import { incrementalBase } from './incrementalBase';
import {
  assertTimeForModelCall,
  DeadlineReachedError,
  modelWithinDeadline,
  type JobDeadline,
} from './domain/jobDeadline';
import {
  classifyFailure,
  failureDescription,
  failureDetails,
  markingModelErrors,
  ModelCallError,
  newCorrelationId,
  ReviewFailedError,
} from './domain/failures';
import { evaluatePolicy } from './publish/mergeGate';
import { planReview } from './pipeline/planReview';
import type { PlanDependencies, ReviewSafety } from './pipeline/preparedReview';
import type { PullRequestPlatform, PullRequestRef, StatusState } from './domain/platform';
import { postFindings, upsertSummary } from './publish/postReview';
import { LockLostError, type ReviewLock, type ReviewState, type ReviewStore } from './domain/reviewStore';
import { automaticReviewBlocker, skipAutomaticReview } from './automaticReview';
import { resolveFixedFindings } from './publish/fixedFindings';
import { buildReviewContext, type TeamReviewSettings } from './context/reviewContext';
import { planMetrics, refFields, type ReviewMetricsSink } from './reviewMetrics';
import { teamPlan } from './publish/teamPlan';

export interface ReviewPolicy {
  reviewDrafts: boolean;
  failSeverity: FailSeverity;
  failThreshold: number;
  statusContext: { genre: string; name: string };
  ignoredIdentityIds: string[];
}

export interface ReviewDependencies {
  platform: PullRequestPlatform;
  model: ChatModel;
  store: ReviewStore;
  log: { info(message: string): void; warn(message: string): void };
  limits: PlanDependencies['limits'];
  policy: ReviewPolicy;
  now: () => Date;
  /** When the job must hand over by (none: no limit, as for a local run). */
  deadline?: JobDeadline;
  /** REVIEW_MAX_FINDINGS, REVIEW_SECRET_FILES and the organization's URL; their defaults when not given. */
  safety?: ReviewSafety;
  /** The models per tier and their output limit, for token counts and prices (see PlanDependencies). */
  models?: PlanDependencies['models'];
  maxOutputTokens?: number;
  /** The job's provider-reported usage (createChatModel's onUsage). */
  usage?: PlanDependencies['usage'];
  /** The organization's configuration and the learnings switch; none and on when not given. */
  team?: Omit<TeamReviewSettings, 'appDefaults'>;
  /** Where the per-review metrics event goes (ENABLE_METRICS); none when not given. */
  metrics?: ReviewMetricsSink;
}

/**
 * Why this review runs: on its own for a push (the repository's auto_review, pause and `ignore` apply), or because
 * a comment asked (`review`: whatever those say; `full review`: the newest iteration again, in full, its plan saved
 * under `key` so a redelivered command posts the same one).
 */
export type ReviewRequest = { kind: 'automatic' } | { kind: 'command'; full: boolean; key: string };

export type PassOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'reviewed'; iterationId: number; mode: 'full' | 'incremental'; posted: number; findings: number };

export type ReviewOutcome =
  /** Another job holds this pull request's lock; it will review the newest iteration before it lets go. */
  | { kind: 'busy' }
  | { kind: 'done'; passes: PassOutcome[] }
  /**
   * Stopped before its next write and let go of the pull request: its lock passed to another job, or too little
   * time was left. What is done is saved (the plan before posting, the state after); the job should run again.
   */
  | { kind: 'handedOver'; reason: string; passes: PassOutcome[] };

/** Not a failure of the review: the job stops writing, and another job continues from what is saved. */
function handOverOf(error: unknown): Error | undefined {
  const cause = error instanceof ModelCallError ? error.original : error;
  return cause instanceof LockLostError || cause instanceof DeadlineReachedError ? cause : undefined;
}

/**
 * Reviews every iteration of a pull request not reviewed yet, one pull request at a time across all instances: a job
 * that finds the lock taken returns `busy` (the holder reviews until the newest iteration before releasing it).
 */
export async function reviewPullRequest(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  request: ReviewRequest = { kind: 'automatic' },
): Promise<ReviewOutcome> {
  const lock = await deps.store.tryLock(ref);
  if (lock === undefined) return { kind: 'busy' };
  // Every write to Azure DevOps confirms the lock first; every model call checks the deadline first.
  const guarded: ReviewDependencies = {
    ...deps,
    platform: fencedPlatform(deps.platform, lock),
    model: modelWithinDeadline(deps.model, deps.deadline, deps.now),
  };
  const passes: PassOutcome[] = [];
  try {
    // Pushes that arrive while a review runs are coalesced here: loop until nothing newer is left.
    for (let pass = 0; pass < 20; pass++) {
      if (pass > 0) assertTimeForModelCall(deps.deadline, deps.now);
      // A full review is of the newest iteration once; pushes coalesced after it are reviewed as usual.
      const passRequest = pass === 0 || request.kind === 'automatic' ? request : { ...request, full: false };
      const outcome = await reviewNewestIteration(ref, guarded, lock, passRequest);
      passes.push(outcome);
      if (outcome.kind === 'skipped') break;
    }
  } catch (error) {
    const handOver = handOverOf(error);
    if (handOver === undefined) throw error;
    deps.log.warn(`PR ${ref.pullRequestId}: handing over after ${passes.length} passes: ${handOver.message}`);
    return { kind: 'handedOver', reason: handOver.message, passes };
  } finally {
    await lock.release();
  }
  return { kind: 'done', passes };
}

async function reviewNewestIteration(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  lock: ReviewLock,
  request: ReviewRequest,
): Promise<PassOutcome> {
  const { platform, store } = deps;
  const startedAt = deps.now().getTime();
  // Independent reads, together: each is a round trip before the review can start.
  const [pullRequest, ownId, iterations, state] = await Promise.all([
    platform.getPullRequest(ref),
    platform.getOwnIdentityId(),
    platform.listIterations(ref),
    store.readState(ref),
  ]);
  if (pullRequest.status !== 'active')
    return { kind: 'skipped', reason: `pull request is ${pullRequest.status}` };
  const author = pullRequest.authorId.toLowerCase();
  if (author === ownId || deps.policy.ignoredIdentityIds.includes(author)) {
    return { kind: 'skipped', reason: 'pull request authored by an ignored identity' };
  }

  const newest = iterations.at(-1);
  if (newest === undefined) return { kind: 'skipped', reason: 'pull request has no iterations' };
  const full = request.kind === 'command' && request.full;
  if (!full && state.lastReviewedIteration !== undefined && state.lastReviewedIteration >= newest.id) {
    return { kind: 'skipped', reason: `iteration ${newest.id} is already reviewed` };
  }

  const context = await buildReviewContext(
    platform,
    store,
    ref,
    newest,
    { ...deps.team, learningsEnabled: deps.team?.learningsEnabled ?? true, appDefaults: deps.policy },
    deps.log,
  );
  for (const problem of context.configProblems) deps.log.warn(`PR ${ref.pullRequestId}: ${problem}`);
  const config = context.repositoryConfig.config;
  // The repository's status_policy overrides REVIEW_FAIL_SEVERITY/THRESHOLD (which are its defaults).
  const policy: ReviewPolicy = {
    ...deps.policy,
    failSeverity: config.reviews.status_policy.fail_severity,
    failThreshold: config.reviews.status_policy.fail_threshold,
  };
  // A draft gets no status: it is reviewed when published, and a status now would read as a review.
  if (request.kind === 'automatic' && pullRequest.isDraft && !config.reviews.auto_review.drafts) {
    return { kind: 'skipped', reason: 'draft pull request' };
  }
  const blocker =
    request.kind === 'automatic' ? automaticReviewBlocker(config, pullRequest, ownId, state) : undefined;
  if (blocker !== undefined) {
    return skipAutomaticReview(ref, deps, lock, { state, newest, reason: blocker, startedAt });
  }

  const setStatus = (statusState: StatusState, description: string) =>
    platform.setStatus(ref, {
      state: statusState,
      description,
      iterationId: newest.id,
      ...policy.statusContext,
    });
  await setStatus('pending', 'Review in progress');
  try {
    // A plan saved by an earlier try is posted as it is; a new one is saved before anything is posted.
    const base = full ? undefined : incrementalBase(iterations, newest, state);
    const requestKey = full ? request.key : undefined;
    // The planner reads the team's context (config, learnings, work items); it lists filtered-out files, never reads them.
    const planDependencies = {
      ...deps,
      model: markingModelErrors(deps.model),
      platform,
      reviewContext: context,
    };
    const plan =
      (await store.readPlan(ref, newest.id, requestKey)) ??
      (await store.writePlan(
        ref,
        teamPlan(
          await planReview(
            ref,
            planDependencies,
            pullRequest,
            newest,
            base,
            base === undefined ? undefined : await store.readPlan(ref, base.id),
          ),
          context,
          requestKey,
        ),
        lock,
      ));

    const threads = (await platform.listThreads(ref)).filter(
      (thread) => thread.firstCommentAuthorId?.toLowerCase() === ownId,
    );
    const posted = await postFindings(ref, platform, plan, threads);
    const fixed = await resolveFixedFindings(ref, platform, {
      threads,
      plan,
      iterations,
      newest,
      previousIterationId: state.lastReviewedIteration,
      wasReviewed: (path) =>
        context.isPathIncluded(path) &&
        (plan.fileSummaries?.every((file) => file.path !== path || file.status === 'reviewed') ?? true),
    });
    const history = [
      ...state.history.filter((entry) => entry.iterationId !== plan.iterationId),
      {
        iterationId: plan.iterationId,
        sourceCommitId: plan.sourceCommitId,
        mode: plan.mode,
        comparedTo: plan.comparedTo,
        files: plan.files,
        findings: plan.threads.length,
        reviewedAt: deps.now().toISOString(),
      },
    ];
    const summaryThreadId = await upsertSummary(
      ref,
      platform,
      threads,
      state,
      renderSummaryComment(plan.summarySection, history),
      plan,
    );
    await store.writeState(
      ref,
      {
        paused: state.paused,
        lastReviewedIteration: newest.id,
        lastReviewedSourceCommit: newest.sourceCommitId,
        summaryThreadId,
        history,
      },
      lock,
    );

    if (plan.withheld !== undefined) {
      // Completed, not retried (the next push is reviewed afresh), but never shown as a passing review.
      await setStatus('error', failureDescription('model-output-blocked', plan.withheld, 'Review withheld'));
    } else {
      const gate = await evaluatePolicy(ref, platform, ownId, policy);
      // A partial review says so: what it did not reach is listed in the summary, never silently dropped.
      const partial =
        plan.partial === undefined
          ? ''
          : `Partial review: ${plan.partial.notReviewed} file${plan.partial.notReviewed === 1 ? '' : 's'} not ` +
            `reviewed (${plan.partial.reasons.join('; ')}). `;
      await setStatus(gate.state, `${partial}${gate.description}`);
    }
    deps.metrics?.({
      event: 'ado-reviewer.review',
      ...refFields(ref),
      iterationId: newest.id,
      outcome: 'reviewed',
      ...planMetrics(plan),
      posted,
      fixed,
      durationMs: deps.now().getTime() - startedAt,
    });
    return {
      kind: 'reviewed',
      iterationId: newest.id,
      mode: plan.mode,
      posted,
      findings: plan.threads.length,
    };
  } catch (error) {
    // Handing over is not a failure: no error to record or show, and this job may not write any more.
    if (handOverOf(error) !== undefined) throw error;
    // The pull request and the stored state get a fixed sentence and an id; the details go to the log under it.
    const failure = classifyFailure(error);
    const correlationId = newCorrelationId();
    deps.log.warn(
      `Review of PR ${ref.pullRequestId} iteration ${newest.id} failed (${failure}, ref ${correlationId}): ` +
        failureDetails(error),
    );
    deps.metrics?.({
      event: 'ado-reviewer.review',
      ...refFields(ref),
      iterationId: newest.id,
      outcome: 'failed',
      reason: failure,
      durationMs: deps.now().getTime() - startedAt,
    });
    await recordError(ref, store, lock, {
      at: deps.now().toISOString(),
      iterationId: newest.id,
      failure,
      correlationId,
    }).catch(() => undefined);
    // Never leave the PR showing "in progress": say that the review failed, and why in words the app chose.
    await setStatus('error', failureDescription(failure, correlationId)).catch((statusError: unknown) =>
      deps.log.warn(`Could not set the error status (ref ${correlationId}): ${failureDetails(statusError)}`),
    );
    throw new ReviewFailedError(
      failure,
      correlationId,
      error instanceof ModelCallError ? error.original : error,
    );
  }
}

/**
 * Adds the error to the state as saved now, not to the copy read when the pass began: a write since (this pass's,
 * or another job's) must not be undone. Written under the lock, like every state write.
 */
async function recordError(
  ref: PullRequestRef,
  store: ReviewStore,
  lock: ReviewLock,
  lastError: NonNullable<ReviewState['lastError']>,
): Promise<void> {
  await store.writeState(ref, { ...(await store.readState(ref)), lastError }, lock);
}
