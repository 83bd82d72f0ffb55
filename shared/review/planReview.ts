import { DEFAULT_TOKEN_BUDGET } from '../config/reviewBudgetSettings';
import type { PullRequestDetails, PullRequestIteration, PullRequestRef } from './platform';
import { runReviewPipeline } from './pipeline/runPipeline';
import { collectPullRequest, type PlanDependencies } from './preparedReview';
import type { ReviewPlan } from './reviewStore';

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
  // Diff text is collected up to what the budget could ever show, not REVIEW_MAX_PROMPT_CHARS: triage and review
  // both read it, at about 3.5 characters a token, so two characters per budget token is more than it can use.
  const collectLimits = {
    ...deps.limits,
    maxPromptChars: 2 * (deps.limits.tokenBudget ?? DEFAULT_TOKEN_BUDGET),
  };
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
