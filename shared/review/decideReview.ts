import type { ReviewPolicy } from '../config/reviewSettings';
import { shouldAutoReview, type RepositoryConfig } from '../repository-config';
import { isIgnoredByDescription } from './conversation/commands';
import type { PullRequestDetails, PullRequestIteration } from './domain/platform';
import type { ReviewState } from './domain/reviewStore';
import type { ReviewRequest } from './reviewRequest';

/**
 * What a pass over a pull request does, decided from what was read and nothing else: which iteration it reviews
 * and against which, or why it reviews none. Pure, so each rule is tested on its own.
 */

type IterationChoice =
  { kind: 'skip'; reason: string } | { kind: 'review'; newest: PullRequestIteration; full: boolean };

/**
 * `full review` commands a pull request may ask in a day: each is a whole review's cost, and anyone who can comment
 * can ask (a redelivered command is the same request, counted once).
 */
const FULL_REVIEWS_PER_DAY = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The full reviews of the last day, with `key` added. */
export const fullReviewsWith = (state: ReviewState, key: string, now: Date) => [
  ...(state.fullReviews ?? []).filter(
    (entry) => entry.key !== key && now.getTime() - Date.parse(entry.at) < DAY_MS,
  ),
  { key, at: now.toISOString() },
];

/**
 * The newest iteration, unless the pull request is closed, the bot's (or an ignored identity's), or reviewed; or a
 * `full review` past the day's limit.
 */
export function chooseIteration(read: {
  pullRequest: PullRequestDetails;
  ownId: string;
  iterations: PullRequestIteration[];
  state: ReviewState;
  request: ReviewRequest;
  policy: Pick<ReviewPolicy, 'ignoredIdentityIds'>;
  now: Date;
}): IterationChoice {
  const { pullRequest, state, request } = read;
  if (pullRequest.status !== 'active')
    return { kind: 'skip', reason: `pull request is ${pullRequest.status}` };
  const author = pullRequest.authorId.toLowerCase();
  if (author === read.ownId || read.policy.ignoredIdentityIds.includes(author)) {
    return { kind: 'skip', reason: 'pull request authored by an ignored identity' };
  }
  const newest = read.iterations.at(-1);
  if (newest === undefined) return { kind: 'skip', reason: 'pull request has no iterations' };
  const full = request.kind === 'command' && request.full;
  if (!full && state.lastReviewedIteration !== undefined && state.lastReviewedIteration >= newest.id) {
    return { kind: 'skip', reason: `iteration ${newest.id} is already reviewed` };
  }
  if (full && fullReviewsWith(state, request.key, read.now).length > FULL_REVIEWS_PER_DAY) {
    return {
      kind: 'skip',
      reason: `a full review was asked ${FULL_REVIEWS_PER_DAY} times in the last day on this pull request, the most it may be`,
    };
  }
  return { kind: 'review', newest, full };
}

type AutomaticReviewDecision =
  /** A draft gets no status: it is reviewed when published, and a status now would read as a review. */
  | { kind: 'draft' }
  /**
   * Not reviewed on purpose, said once per iteration as a status. `byPullRequest`: the pull request itself brought
   * it about (a pause, `ignore` in the description, a title keyword), which anyone who can edit it or comment can
   * do, so the gate must not pass; otherwise the repository's configuration on the target branch decided it.
   */
  | { kind: 'blocked'; reason: string; byPullRequest: boolean }
  | { kind: 'review' };

/**
 * Whether a push is reviewed on its own: not a draft (unless the repository says drafts are), not paused by a
 * command, no `@<bot> ignore` in the description, and the repository's `reviews.auto_review` agrees. A `review`
 * command is answered whatever this says.
 */
export function decideAutomaticReview(
  request: ReviewRequest,
  config: RepositoryConfig,
  pullRequest: PullRequestDetails,
  ownId: string,
  state: Pick<ReviewState, 'paused'>,
): AutomaticReviewDecision {
  if (request.kind !== 'automatic') return { kind: 'review' };
  if (pullRequest.isDraft && !config.reviews.auto_review.drafts) return { kind: 'draft' };
  if (state.paused !== undefined) {
    const reason = 'reviews are paused on this pull request (resume them with `resume`)';
    return { kind: 'blocked', reason, byPullRequest: true };
  }
  if (isIgnoredByDescription(pullRequest.description, ownId)) {
    return { kind: 'blocked', reason: 'the pull request description says `ignore`', byPullRequest: true };
  }
  const decision = shouldAutoReview(config, {
    isDraft: pullRequest.isDraft,
    targetBranch: pullRequest.targetRefName,
    title: pullRequest.title,
  });
  if (decision.review) return { kind: 'review' };
  return { kind: 'blocked', reason: decision.reason, byPullRequest: decision.setBy === 'title' };
}

/** Iteration reasons after which the earlier iteration's commit is no longer an ancestor: review everything. */
const HISTORY_REWRITES = /forcePush|rebase|retarget/i;

/** The iteration to review against (the last reviewed one), or undefined to review in full. */
export function incrementalBase(
  iterations: PullRequestIteration[],
  newest: PullRequestIteration,
  state: ReviewState,
): PullRequestIteration | undefined {
  const previous = iterations.find((iteration) => iteration.id === state.lastReviewedIteration);
  if (previous === undefined || previous.sourceCommitId !== state.lastReviewedSourceCommit) return undefined;
  // A new merge base means the target was merged in or the PR retargeted: the iteration diff would show its work.
  if (previous.commonCommitId !== newest.commonCommitId) return undefined;
  const since = iterations.filter((iteration) => iteration.id > previous.id && iteration.id <= newest.id);
  if (since.some((iteration) => HISTORY_REWRITES.test(iteration.reason))) return undefined;
  return previous;
}
