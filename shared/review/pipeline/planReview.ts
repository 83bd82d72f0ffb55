import type { PullRequestDetails, PullRequestIteration, PullRequestRef } from '../domain/platform';
import { runReviewPipeline } from './runPipeline';
import { collectionLimits, collectPullRequest, type PlanDependencies } from './preparedReview';
import type { ReviewPlan } from '../domain/reviewStore';

/**
 * Diffs the iteration and reviews it through the pipeline (pipeline/): deterministic triage, light triage and
 * summaries, chunked review in parallel within the token budget, merged findings, one light summary call. A pull
 * request whose reviewable diff fits in one chunk is reviewed in that one call: triage and a summary call would
 * cost more than they save, and the reviewing model writes the summary and walkthrough itself.
 */
export async function planReview(
  ref: PullRequestRef,
  deps: PlanDependencies,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
  previous?: ReviewPlan,
): Promise<ReviewPlan> {
  if (deps.limits.deprecatedPromptChars !== undefined) {
    deps.log.warn?.(
      'REVIEW_MAX_PROMPT_CHARS is deprecated and will be removed in the next release: set REVIEW_TOKEN_BUDGET ' +
        `(now ${deps.limits.tokenBudget} tokens, derived from REVIEW_MAX_PROMPT_CHARS ${deps.limits.deprecatedPromptChars})`,
    );
  }
  const collectLimits = collectionLimits(deps.limits);
  return runReviewPipeline(
    ref,
    deps,
    pullRequest,
    iteration,
    (onFile) =>
      collectPullRequest(ref, { ...deps, limits: collectLimits }, pullRequest, iteration, base, onFile),
    previous,
  );
}
