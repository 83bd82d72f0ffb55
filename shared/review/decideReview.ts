import type { PullRequestIteration } from './domain/platform';
import type { ReviewState } from './domain/reviewStore';

/** Iteration reasons after which the earlier iteration's commit is no longer an ancestor: review everything. */
const HISTORY_REWRITES = /forcePush|rebase|retarget/i;

/** Whether the newest iteration can be reviewed against the last reviewed one rather than in full. */
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
