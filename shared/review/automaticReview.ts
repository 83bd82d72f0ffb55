import { shouldAutoReview, type RepositoryConfig } from '../repository-config';
import { isIgnoredByDescription } from './conversation/commands';
import type { PullRequestDetails, PullRequestIteration, PullRequestRef } from './domain/platform';
import type { PassOutcome, ReviewDependencies } from './reviewPullRequest';
import type { ReviewLock, ReviewState } from './domain/reviewStore';
import { refFields } from './reviewMetrics';

/**
 * Why a push is not reviewed automatically, or undefined when it is: paused by a command, `@<bot> ignore` in the
 * description, or the repository's `reviews.auto_review`. A `review` command is answered whatever this says.
 */
export function automaticReviewBlocker(
  config: RepositoryConfig,
  pullRequest: PullRequestDetails,
  ownId: string,
  state: Pick<ReviewState, 'paused'>,
): string | undefined {
  if (state.paused !== undefined)
    return 'reviews are paused on this pull request (resume them with `resume`)';
  if (isIgnoredByDescription(pullRequest.description, ownId)) {
    return 'the pull request description says `ignore`';
  }
  const decision = shouldAutoReview(config, {
    isDraft: pullRequest.isDraft,
    targetBranch: pullRequest.targetRefName,
    title: pullRequest.title,
  });
  return decision.review ? undefined : decision.reason;
}

/**
 * A push not reviewed on purpose: the reason is logged, and said once per iteration as a `notApplicable` status,
 * so a branch policy requiring the status does not wait for a review that will not come.
 */
export async function skipAutomaticReview(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  lock: ReviewLock,
  input: { state: ReviewState; newest: PullRequestIteration; reason: string; startedAt: number },
): Promise<PassOutcome> {
  const { state, newest, reason } = input;
  deps.log.info(`PR ${ref.pullRequestId} iteration ${newest.id} not reviewed: ${reason}`);
  if (state.skipped?.iterationId !== newest.id || state.skipped.reason !== reason) {
    await deps.platform.setStatus(ref, {
      state: 'notApplicable',
      description: `Not reviewed: ${reason}`.slice(0, 400),
      iterationId: newest.id,
      ...deps.policy.statusContext,
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
