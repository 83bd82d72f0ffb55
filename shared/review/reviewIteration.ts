import { withRepositoryPolicy } from '../config/reviewSettings';
import { buildReviewContext } from './context/reviewContext';
import { chooseIteration, decideAutomaticReview, incrementalBase } from './decideReview';
import { markingModelErrors } from './domain/failures';
import { handOverOf } from './domain/handOver';
import type { PullRequestRef } from './domain/platform';
import type { ReviewLock } from './domain/reviewStore';
import { planReview } from './pipeline/planReview';
import { teamPlan } from './publish/teamPlan';
import { publishPlan, setGateStatus, skippedGateStatus, statusSetter } from './publishReview';
import { recordFailure, recordReviewed, recordReviewedMetrics, recordSkipped } from './recordReview';
import type { PassOutcome, ReviewDependencies, ReviewRequest } from './reviewRequest';

/**
 * One pass over a pull request: read what is there, decide what to review, plan it (or take the plan an earlier
 * try saved), publish it and record the result. A failure leaves the pull request an `error` status with a fixed
 * sentence and an id; handing over (lost lock, deadline) is not a failure and writes nothing more.
 */
export async function reviewNewestIteration(
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
  const choice = chooseIteration({
    pullRequest,
    ownId,
    iterations,
    state,
    request,
    policy: deps.settings.policy,
    now: deps.now(),
  });
  if (choice.kind === 'skip') return { kind: 'skipped', reason: choice.reason };
  const { newest, full } = choice;

  const { team, policy: appPolicy } = deps.settings;
  const teamSettings = { ...team, appDefaults: appPolicy };
  const context = await buildReviewContext(platform, store, ref, newest, teamSettings, deps.log);
  for (const problem of context.configProblems) deps.log.warn(`PR ${ref.pullRequestId}: ${problem}`);
  const config = context.repositoryConfig.config;
  const settings = withRepositoryPolicy(deps.settings, config.reviews.status_policy);
  const automatic = decideAutomaticReview(request, config, pullRequest, ownId, state);
  if (automatic.kind === 'draft') return { kind: 'skipped', reason: 'draft pull request' };
  if (automatic.kind === 'blocked') {
    const { reason } = automatic;
    const status = automatic.byPullRequest
      ? () => skippedGateStatus(ref, platform, { ownId, policy: settings.policy, state, reason })
      : () => Promise.resolve({ state: 'notApplicable' as const, description: `Not reviewed: ${reason}` });
    return recordSkipped(ref, deps, lock, { state, newest, reason, startedAt, status });
  }

  const setStatus = statusSetter(ref, platform, newest.id, settings.policy);
  await setStatus('pending', 'Review in progress');
  try {
    // A plan saved by an earlier try is posted as it is; a new one is saved before anything is posted.
    const base = full ? undefined : incrementalBase(iterations, newest, state);
    const requestKey = full && request.kind === 'command' ? request.key : undefined;
    const planning = { ...deps, settings, model: markingModelErrors(deps.model), reviewContext: context };
    const plan =
      (await store.readPlan(ref, newest.id, requestKey)) ??
      (await store.writePlan(
        ref,
        teamPlan(
          await planReview(
            ...([ref, planning, pullRequest, newest, base] as const),
            base === undefined ? undefined : await store.readPlan(ref, base.id),
          ),
          context,
          requestKey,
        ),
        lock,
      ));

    const reviewedAt = deps.now().toISOString();
    const publishing = { plan, state, ownId, iterations, newest, context, reviewedAt };
    const published = await publishPlan(ref, platform, publishing);
    const outcome = await recordReviewed(ref, deps, lock, {
      ...{ state, newest, plan, published },
      fullReview: requestKey,
    });
    await setGateStatus(ref, platform, plan, ownId, settings.policy, published.findingThreads, setStatus);
    recordReviewedMetrics(ref, deps, { newest, plan, published, startedAt });
    return outcome;
  } catch (error) {
    // Handing over is not a failure: no error to record or show, and this job may not write any more.
    if (handOverOf(error) !== undefined) throw error;
    throw await recordFailure(ref, deps, lock, { newest, startedAt, error, setStatus });
  }
}
