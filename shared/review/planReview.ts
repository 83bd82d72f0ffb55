import { DEFAULT_TOKEN_BUDGET } from '../config/reviewBudgetSettings';
import type { ChatModel } from '../llm/chatModel';
import { anchorFindings, type AnchoredFindings } from './anchorFindings';
import { renderIterationSection } from './comments';
import { boundFindings, planThreads, WITHHELD_ANSWER } from './findingThreads';
import { newCorrelationId } from './failureMessages';
import type { PullRequestDetails, PullRequestIteration, PullRequestRef } from './platform';
import { runReviewPipeline } from './pipeline/runPipeline';
import {
  collectPullRequest,
  DEFAULT_SAFETY,
  reviewedIteration,
  sectionIteration,
  type PlanDependencies,
  type PreparedReview,
  type ReviewSafety,
} from './preparedReview';
import { renderReviewPrompt, reviewAnswerSchema, type RenderedPrompt, type ReviewAnswer } from './prompt';
import type { ReviewPlan } from './reviewStore';
import type { LinkPolicy } from './sanitizeModelText';
import { containsCanary } from './untrustedBoundary';

/** Diffs the iteration (against the merge base, or the last reviewed iteration) and renders the prompt. */
export async function prepareReview(
  ref: PullRequestRef,
  deps: Pick<PlanDependencies, 'platform' | 'limits' | 'safety'>,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
): Promise<PreparedReview> {
  const collected = await collectPullRequest(ref, deps, pullRequest, iteration, base);
  const prompt = renderReviewPrompt(pullRequest, collected.collected, deps.limits.maxPromptChars);
  return { ...collected, prompt };
}

/** Prompts longer than this (half the default REVIEW_MAX_PROMPT_CHARS) go to the heavy tier, the rest to reasoning. */
export const HEAVY_REVIEW_PROMPT_CHARS = 60_000;

/** The model's review of a prepared prompt (nothing to ask when no text change fits). */
export async function askForReview(model: ChatModel, prompt: RenderedPrompt): Promise<ReviewAnswer> {
  if (prompt.shownPaths.size === 0) {
    return {
      summary: 'No text changes to review.',
      walkthrough: [],
      verdict: 'Nothing to review.',
      findings: [],
    };
  }
  return model.completeStructured({
    system: prompt.system,
    user: prompt.user,
    schema: reviewAnswerSchema,
    schemaName: 'pull_request_review',
    tier: prompt.user.length > HEAVY_REVIEW_PROMPT_CHARS ? 'heavy' : 'reasoning',
  });
}

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

/**
 * The answer as the plan uses it: withheld entirely when it carries the prompt's canary (the prompt leaked or the
 * model was turned), and otherwise at most `maxFindings` findings, the most severe first.
 */
function boundAnswer(answer: ReviewAnswer, prompt: RenderedPrompt, maxFindings: number) {
  if (containsCanary(answer, prompt.canary)) {
    return { answer: WITHHELD_ANSWER, dropped: 0, withheld: newCorrelationId() };
  }
  const { kept, dropped } = boundFindings(answer.findings, maxFindings);
  return { answer: { ...answer, findings: kept }, dropped, withheld: undefined };
}

/** Turns the model's answer into threads on changed lines and a summary section; also returns the placement. */
export function buildPlan(
  prepared: PreparedReview,
  modelAnswer: ReviewAnswer,
  options: Partial<ReviewSafety> = {},
): { plan: ReviewPlan; anchored: AnchoredFindings } {
  const { iteration, collected, prompt, checks } = prepared;
  const maxFindings = options.maxFindings ?? DEFAULT_SAFETY.maxFindings;
  const { answer, dropped, withheld } = boundAnswer(modelAnswer, prompt, maxFindings);
  const links: LinkPolicy = { allowedLinkPrefix: options.orgUrl };
  // The app's own findings are never capped away (they are bounded per file) and anchor like the model's.
  const anchored = anchorFindings(
    [...answer.findings, ...checks.findings],
    collected.files,
    prompt.shownPaths,
  );
  const threads = planThreads(anchored.inline, iteration.id, links);
  const plan: ReviewPlan = {
    ...reviewedIteration(prepared),
    threads,
    ...(withheld === undefined ? {} : { withheld }),
    summarySection: renderIterationSection({
      answer,
      ...sectionIteration(prepared),
      inlineCount: threads.length,
      folded: anchored.folded,
      skipped: collected.skipped,
      omittedPaths: prompt.omittedPaths,
      overLimit: { dropped, limit: maxFindings },
      notices: checks.notices,
      links,
    }),
  };
  return { plan, anchored };
}
