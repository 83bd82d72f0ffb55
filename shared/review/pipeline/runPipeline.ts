import { ConcurrencyLimit, mapWithConcurrency } from '../../concurrency/concurrencyLimit';
import { DEFAULT_TOKEN_BUDGET, type ReviewBudget } from '../../config/reviewBudgetSettings';
import type { ModelTier } from '../../llm/chatModel';
import { tokenCounterFor } from '../../llm/tokenCounter';
import { anchorFindings } from '../publish/anchorFindings';
import { PROMPT_FULL, type ReviewedFile, type SkippedFile } from './collectChanges';
import { renderIterationSection, type SummaryConfiguration } from '../publish/comments';
import { DeadlineReachedError } from '../domain/jobDeadline';
import { FAILURE_MESSAGES, ModelCallError, newCorrelationId } from '../domain/failures';
import { boundFindings, planThreads, WITHHELD_ANSWER } from '../publish/findingThreads';
import type { PullRequestDetails, PullRequestIteration, PullRequestRef } from '../domain/platform';
import {
  reviewedIteration,
  sectionIteration,
  type PlanDependencies,
  type PreparedReview,
} from './preparedReview';
import { intentFields, renderFile, type Finding } from './prompt';
import { LockLostError, type FileSummary, type ReviewPlan } from '../domain/reviewStore';
import type { ReviewContext } from '../context/reviewContext';
import { packChunks, TOO_LARGE_FOR_CONTEXT, type ReviewChunk } from './chunking';
import { CROSS_FILE_TOKENS, reviewChunk, type ChunkOutcome } from './chunkReview';
import { meterCalls, renderCostFooter, reviewCostOf } from './costAccounting';
import { mergeFindings } from './mergeFindings';
import { promptRoom, type StageContext } from './stageContext';
import { summarizeReview } from './summary';
import { guidanceTexts, teamGuidanceOf } from './teamGuidance';
import { StreamingTriage } from './triage';
import { readGitAttributes, trivialReason, type AttributeRule } from './trivialFiles';

/**
 * The review pipeline, stage by stage (each in its own file): deterministic triage, light triage and summaries,
 * chunks reviewed in parallel, findings merged, one light summary call; the budget checked before each stage, and
 * whatever is left out listed with its reason. A chunk whose call fails costs only its own files.
 */

export const OVER_BUDGET = 'over the token budget (REVIEW_TOKEN_BUDGET)';
export const MODEL_ERROR = 'not reviewed (model error)';

/** Output tokens a call is expected to use, for the budget (the real figures replace them once answered). */
const EXPECTED_OUTPUT = { chunk: 2_000, summary: 600 };

export const DEFAULT_BUDGET: Omit<ReviewBudget, 'prices' | 'deprecatedPromptChars'> = {
  tokenBudget: DEFAULT_TOKEN_BUDGET,
  concurrency: 8,
  chunkTokens: 24_000,
  heavyChunkTokens: 48_000,
  contextTokens: { light: 128_000, reasoning: 200_000, heavy: 200_000 },
};

const isHandOver = (error: unknown) => {
  const cause = error instanceof ModelCallError ? error.original : error;
  return cause instanceof LockLostError || cause instanceof DeadlineReachedError;
};

const summaryConfiguration = ({ repositoryConfig }: ReviewContext): SummaryConfiguration => ({
  highLevelSummary: repositoryConfig.config.reviews.high_level_summary,
  collapseWalkthrough: repositoryConfig.config.reviews.collapse_walkthrough,
  changedOnSourceBranch: repositoryConfig.changedOnSourceBranch,
  problems: repositoryConfig.problems,
});

/**
 * The review of one iteration. `collect` reads and diffs its files, handing each on as it is done: deterministic
 * triage looks at it at once, and light triage starts as soon as the files so far are more than one chunk holds,
 * while the rest are still being read. Until then the pull request may fit in one chunk, which is reviewed in one
 * call without triage (should the files then fit after all, say one too large for any context, the triage made
 * is used).
 */
export async function runReviewPipeline(
  ref: PullRequestRef,
  deps: PlanDependencies,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  collect: (onFile: (file: ReviewedFile) => void) => Promise<PreparedReview>,
  previous: ReviewPlan | undefined,
): Promise<ReviewPlan> {
  const now = () => (deps.now ?? (() => new Date()))().getTime();
  const startedAt = now();
  const usageMark = deps.usage?.entries.length ?? 0;
  const budget = { ...DEFAULT_BUDGET, ...deps.limits };
  const counters = new Map<ModelTier, (text: string) => number>();
  const count = (tier: ModelTier, text: string) => {
    let counter = counters.get(tier);
    if (counter === undefined) {
      const tokenCounter = tokenCounterFor(deps.models?.[tier] ?? '');
      counter = (of: string) => tokenCounter.count(of);
      counters.set(tier, counter);
    }
    return counter(text);
  };
  const meter = meterCalls(deps.model, count, deps.models ?? {}, now);
  const context: StageContext = {
    model: meter.model,
    limit: new ConcurrencyLimit(budget.concurrency),
    count,
    contextTokens: budget.contextTokens,
    maxOutputTokens: deps.maxOutputTokens ?? 16_384,
    isFatal: isHandOver,
  };
  const spent = () => meter.calls.reduce((sum, call) => sum + call.inputTokens + call.outputTokens, 0);
  // A file's text is counted as it arrives and again when chunks are packed: once is enough.
  const chunkTokens = new Map<string, number>();
  const chunkCount = (text: string) => {
    let tokens = chunkTokens.get(text);
    if (tokens === undefined) {
      tokens = count('reasoning', text);
      chunkTokens.set(text, tokens);
    }
    return tokens;
  };

  const summaries = new Map<string, FileSummary>();
  const entry = (path: string, status: FileSummary['status'], summary: string, reason?: string) =>
    summaries.set(path, {
      path,
      status,
      summary,
      ...(reason === undefined ? {} : { reason }),
      iterationId: iteration.id,
    });

  // Stage 1: triage, file by file as they are collected.
  const guidance = deps.reviewContext === undefined ? undefined : teamGuidanceOf(deps.reviewContext);
  const triage = new StreamingTriage(pullRequest, context, budget.tokenBudget / 10, guidance);
  const needModel: ReviewedFile[] = [];
  let needModelTokens = 0;
  const arrived: ReviewedFile[] = [];
  let rules: AttributeRule[] | undefined;
  const takeArrived = () => {
    if (rules === undefined) return;
    for (const file of arrived.splice(0)) {
      const reason = trivialReason(file, rules);
      if (reason !== undefined) {
        entry(file.change.path, 'trivial', '', reason);
        continue;
      }
      needModel.push(file);
      triage.add(file);
      needModelTokens += chunkCount(renderFile(file));
      if (needModel.length > 1 && needModelTokens > budget.chunkTokens) triage.start();
    }
  };
  const rulesRead = readGitAttributes(deps.platform, ref, iteration.commonCommitId);
  rulesRead.then(
    (read) => {
      rules = read;
      takeArrived();
    },
    // Awaited below, where its error ends the review.
    () => undefined,
  );
  const collecting = collect((file) => {
    arrived.push(file);
    takeArrived();
  });
  // The tokenizers load (a few hundred milliseconds, once a process) while the first reads are in flight.
  for (const tier of ['light', 'reasoning', 'heavy'] as const) count(tier, '');
  const prepared = await collecting;
  rules = await rulesRead;
  takeArrived();
  const { collected, checks } = prepared;

  // Files the collection stopped fetching (its diff-size bound follows the budget) are over the budget too.
  const notReviewed: SkippedFile[] = collected.skipped.map((skipped) =>
    skipped.reason === PROMPT_FULL ? { ...skipped, reason: OVER_BUDGET } : skipped,
  );
  // What a chunk's prompt holds besides its diff: the instructions (about 600 tokens), the intent and the team's
  // guidance (all of it: a chunk's is a part).
  const guidanceOfAll = guidanceTexts(
    guidance,
    needModel.map((file) => file.change.path),
  );
  const overhead = 800 + count('heavy', [...intentFields(pullRequest), ...guidanceOfAll].join('\n'));
  const limits = {
    chunkTokens: Math.min(budget.chunkTokens, promptRoom(context, 'reasoning') - overhead),
    heavyChunkTokens: budget.heavyChunkTokens,
    maxChunkTokens: promptRoom(context, 'heavy') - overhead,
  };

  const singleChunk = !triage.hasStarted && packChunks(needModel, chunkCount, limits).chunks.length <= 1;
  if (!singleChunk) triage.start();
  const triaged = await triage.finish();
  const toReview = needModel.filter((file) => triaged.get(file.change.path)?.needsReview ?? true);
  for (const file of needModel) {
    const verdict = triaged.get(file.change.path);
    if (verdict !== undefined && !verdict.needsReview)
      entry(file.change.path, 'trivial', verdict.summary, 'triage');
  }

  // Stage 2: chunks within what the budget leaves (the summary call's share kept back), in parallel.
  const packed = packChunks(toReview, chunkCount, limits);
  notReviewed.push(...packed.tooLarge);
  let room = budget.tokenBudget - spent() - (singleChunk ? 0 : EXPECTED_OUTPUT.summary + 4_000);
  const affordable: ReviewChunk[] = [];
  // A chunk that does not fit whole keeps the parts that do: the budget is spent to the last file it allows.
  const perChunk = CROSS_FILE_TOKENS + 1_000 + EXPECTED_OUTPUT.chunk;
  for (const chunk of packed.chunks) {
    const parts = [];
    let tokens = 0;
    for (const part of chunk.parts) {
      if (tokens + part.tokens + perChunk <= room) {
        parts.push(part);
        tokens += part.tokens;
      } else notReviewed.push({ path: part.file.change.path, reason: OVER_BUDGET });
    }
    if (parts.length === 0) continue;
    room -= tokens + perChunk;
    affordable.push({ ...chunk, parts, tokens });
  }
  const others = needModel.map((file) => ({
    path: file.change.path,
    summary: triaged.get(file.change.path)?.summary ?? '',
  }));
  const outcomes = await mapWithConcurrency(affordable, affordable.length || 1, (chunk) =>
    reviewChunk(pullRequest, chunk, others, context, guidance),
  );
  const answered = outcomes.filter((outcome) => outcome.kind === 'answered');
  const failed = (kind: ChunkOutcome['kind']) =>
    new Set(
      affordable
        .filter((_, index) => outcomes[index].kind === kind)
        .flatMap((chunk) => chunk.parts.map((part) => part.file.change.path)),
    );
  const failedPaths = failed('failed');
  const withheldChunks = outcomes.some((outcome) => outcome.kind === 'withheld');
  // Nothing the model was asked answered: that is the review failing (retried by the queue), not a partial one.
  const firstFailure = outcomes.find((outcome) => outcome.kind === 'failed');
  if (firstFailure !== undefined && answered.length === 0 && !withheldChunks) throw firstFailure.error;
  for (const path of failedPaths) notReviewed.push({ path, reason: MODEL_ERROR });

  const shownPaths = new Set(
    affordable
      .filter((_, index) => outcomes[index].kind === 'answered')
      .flatMap((chunk) => chunk.parts.map((part) => part.file.change.path)),
  );
  const merged = mergeFindings(answered.flatMap((outcome) => outcome.answer.findings));
  const withheld = withheldChunks ? newCorrelationId() : undefined;
  if (withheld !== undefined) {
    deps.log.info(
      `PR ${ref.pullRequestId} iteration ${iteration.id}: ${FAILURE_MESSAGES['model-output-blocked']}; ` +
        `its output was withheld (ref ${withheld})`,
    );
  }
  const maxFindings = deps.safety?.maxFindings ?? 50;
  const { kept, dropped } =
    withheld === undefined ? boundFindings(merged, maxFindings) : { kept: [] as Finding[], dropped: 0 };

  // Per-file summaries: the light model's, else the reviewer's walkthrough sentence.
  const walkthrough = new Map(
    answered.flatMap((outcome) =>
      outcome.answer.walkthrough.map((item) => [item.path, item.change] as const),
    ),
  );
  for (const file of toReview) {
    const path = file.change.path;
    const summary = withheld ? '' : triaged.get(path)?.summary || walkthrough.get(path) || '';
    if (!summaries.has(path) && shownPaths.has(path) && !failedPaths.has(path))
      entry(path, 'reviewed', summary);
  }
  for (const skipped of notReviewed) entry(skipped.path, 'not-reviewed', '', skipped.reason);
  const listed = new Set(summaries.keys());
  for (const change of prepared.changes) {
    if (!change.isFolder && !listed.has(change.path)) entry(change.path, 'trivial', '', 'no text change');
  }
  // An incremental review keeps what earlier iterations said about files this push did not change.
  const files = [
    ...(previous?.fileSummaries ?? []).filter((file) => !summaries.has(file.path)),
    ...summaries.values(),
  ].sort((a, b) => (a.path < b.path ? -1 : 1));

  // Stage 3: the overall summary (one light call), or the single chunk's own.
  let overall = {
    summary: answered[0]?.answer.summary ?? 'No text changes to review.',
    verdict: answered[0]?.answer.verdict ?? 'Nothing to review.',
  };
  if (withheld !== undefined) overall = WITHHELD_ANSWER;
  else if (!singleChunk && answered.length > 0)
    overall = (await summarizeReview(pullRequest, files, kept, context, guidance)).summary;

  const links = { allowedLinkPrefix: deps.safety?.orgUrl };
  const anchored = anchorFindings([...kept, ...checks.findings], collected.files, shownPaths);
  const threads = planThreads(anchored.inline, iteration.id, links);
  const cost = reviewCostOf(
    meter.calls,
    deps.usage?.entries.slice(usageMark),
    budget.prices,
    now() - startedAt,
  );
  const thisComparison = new Set(prepared.changes.map((change) => change.path));
  // Partial means reviewable text the model did not reach; binaries, links and the file limits are listed only.
  const missing = files.filter(
    (file) =>
      thisComparison.has(file.path) &&
      [OVER_BUDGET, MODEL_ERROR, TOO_LARGE_FOR_CONTEXT].includes(file.reason ?? ''),
  );
  const partial =
    missing.length === 0
      ? undefined
      : { notReviewed: missing.length, reasons: [...new Set(missing.map((file) => file.reason ?? ''))] };
  deps.log.info(
    JSON.stringify({
      event: 'review-cost',
      repositoryId: ref.repositoryId,
      pullRequestId: ref.pullRequestId,
      iterationId: iteration.id,
      calls: cost.calls.length,
      byTier: cost.byTier,
      costUsd: cost.totalCostUsd,
      wallMs: cost.wallMs,
      notReviewed: partial?.notReviewed ?? 0,
    }),
  );
  return {
    ...reviewedIteration(prepared),
    threads,
    ...(withheld === undefined ? {} : { withheld }),
    fileSummaries: files,
    ...(partial === undefined ? {} : { partial }),
    cost,
    summarySection: renderIterationSection({
      answer: { ...overall, walkthrough: [], findings: [] },
      ...sectionIteration(prepared),
      inlineCount: threads.length,
      folded: anchored.folded,
      skipped: notReviewed,
      omittedPaths: [],
      overLimit: { dropped, limit: maxFindings },
      notices: checks.notices,
      links,
      files,
      footer: renderCostFooter(cost),
      ...(deps.reviewContext === undefined
        ? {}
        : { configuration: summaryConfiguration(deps.reviewContext) }),
    }),
  };
}
