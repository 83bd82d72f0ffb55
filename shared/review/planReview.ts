import { DEFAULT_SECRET_FILE_PATTERNS } from '../config/reviewSafetySettings';
import { DEFAULT_TOKEN_BUDGET, type ReviewBudget } from '../config/reviewBudgetSettings';
import type { ChatModel, ModelTier } from '../llm/chatModel';
import type { UsageLedger } from '../llm/usageLedger';
import { anchorFindings, type AnchoredFindings } from './anchorFindings';
import { collectChanges, type CollectedChanges, type CollectLimits } from './collectChanges';
import { renderIterationSection } from './comments';
import { boundFindings, planThreads, WITHHELD_ANSWER } from './findingThreads';
import { newCorrelationId } from './failureMessages';
import { checkPullRequestInput, type InputChecks } from './inputChecks';
import type {
  FileChange,
  PullRequestDetails,
  PullRequestIteration,
  PullRequestReader,
  PullRequestRef,
} from './platform';
import { renderReviewPrompt, reviewAnswerSchema, type RenderedPrompt, type ReviewAnswer } from './prompt';
import { runReviewPipeline } from './pipeline/runPipeline';
import type { ReviewPlan } from './reviewStore';
import type { LinkPolicy } from './sanitizeModelText';
import { isSecretFile } from './secretScan';
import type { ReviewContext } from './team/reviewContext';
import { containsCanary } from './untrustedBoundary';

/** What bounds a review's input and output (REVIEW_MAX_FINDINGS, REVIEW_SECRET_FILES, the organization's URL). */
export interface ReviewSafety {
  maxFindings: number;
  secretFilePatterns: string[];
  /** Links into it stay links in posted text; others become plain text. */
  orgUrl?: string;
}

export const DEFAULT_SAFETY: ReviewSafety = {
  maxFindings: 50,
  secretFilePatterns: DEFAULT_SECRET_FILE_PATTERNS,
};

/** Why a file that usually holds credentials was not sent. */
export const MAY_HOLD_SECRETS = 'not sent: may hold secrets';

/** Why a file `reviews.path_filters` excludes was not reviewed. */
export const PATH_FILTERED = 'path filter (reviews.path_filters)';

export interface PlanDependencies {
  platform: PullRequestReader;
  model: ChatModel;
  log: { info(message: string): void; warn?(message: string): void };
  /** The budget's fields take their defaults when not given (REVIEW_TOKEN_BUDGET and its neighbours). */
  limits: CollectLimits & { maxPromptChars: number } & Partial<ReviewBudget>;
  safety?: ReviewSafety;
  /** The models per tier, for counting tokens with the right tokenizer and pricing the calls. */
  models?: Partial<Record<ModelTier, string>>;
  /** LLM_MAX_OUTPUT_TOKENS, kept free of each call's context. */
  maxOutputTokens?: number;
  /** The usage the provider reported for the job's calls; without it, calls are counted here. */
  usage?: UsageLedger;
  now?: () => Date;
  /** What the team told the reviewer (configuration, learnings, work items); without it, the defaults. */
  reviewContext?: ReviewContext;
}

/** What one review is about: the changes, their diffs, and the prompt that shows them. */
export interface PreparedReview {
  iteration: PullRequestIteration;
  base: PullRequestIteration | undefined;
  /** Every change of the comparison, as the platform reported it. */
  changes: FileChange[];
  /** Changed files in the comparison (folders excluded), reviewed or not. */
  changedFiles: number;
  collected: CollectedChanges;
  prompt: RenderedPrompt;
  /** The app's own findings about the pull request's text (injection attempts, credentials). */
  checks: InputChecks;
}

/** The summary section's heading facts: the iteration, its base and how many files changed. */
export function sectionIteration({
  iteration,
  base,
  changedFiles,
}: Pick<PreparedReview, 'iteration' | 'base' | 'changedFiles'>) {
  return {
    iterationId: iteration.id,
    sourceCommitId: iteration.sourceCommitId,
    comparedTo: base?.id,
    changedFiles,
  };
}

/** Which iteration a plan reviewed, against which, and how many files: the same for one call and the pipeline. */
export function reviewedIteration({
  iteration,
  base,
  collected,
}: Pick<PreparedReview, 'iteration' | 'base' | 'collected'>) {
  return {
    iterationId: iteration.id,
    sourceCommitId: iteration.sourceCommitId,
    mode: base === undefined ? ('full' as const) : ('incremental' as const),
    comparedTo: base?.id,
    files: collected.files.length,
  };
}

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

/** Diffs the iteration (against the merge base, or the last reviewed iteration): what the review is about. */
export async function collectPullRequest(
  ref: PullRequestRef,
  deps: Pick<PlanDependencies, 'platform' | 'limits' | 'safety' | 'reviewContext'>,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
): Promise<Omit<PreparedReview, 'prompt'>> {
  const changes = await deps.platform.listIterationChanges(ref, iteration.id, base?.id);
  const patterns = (deps.safety ?? DEFAULT_SAFETY).secretFilePatterns;
  // Not even fetched: what is not read cannot reach the model. Excluded files are listed, so none silently vanishes.
  const filteredOut = (change: FileChange) => !(deps.reviewContext?.isPathIncluded(change.path) ?? true);
  const holdsSecrets = (change: FileChange) =>
    !change.isFolder &&
    [change.path, change.originalPath].some((path) => path !== undefined && isSecretFile(path, patterns));
  const fromCollection = await collectChanges(
    deps.platform,
    ref,
    iteration,
    changes.filter((change) => !filteredOut(change) && !holdsSecrets(change)),
    deps.limits,
    base?.sourceCommitId ?? iteration.commonCommitId,
  );
  const collected = {
    files: fromCollection.files,
    skipped: [
      ...changes
        .filter((change) => !change.isFolder && filteredOut(change))
        .map((change) => ({ path: change.path, reason: PATH_FILTERED })),
      ...changes
        .filter((change) => !filteredOut(change) && holdsSecrets(change))
        .map((change) => ({ path: change.path, reason: MAY_HOLD_SECRETS })),
      ...fromCollection.skipped,
    ],
  };
  const changedFiles = changes.filter((change) => !change.isFolder).length;
  const paths = changes.filter((change) => !change.isFolder).map((change) => change.path);
  const checks = checkPullRequestInput(pullRequest, collected.files, paths);
  return { iteration, base, changes, changedFiles, collected, checks };
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
  const prepared = await collectPullRequest(
    ref,
    { ...deps, limits: collectLimits },
    pullRequest,
    iteration,
    base,
  );
  return runReviewPipeline(ref, deps, pullRequest, prepared, previous);
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
