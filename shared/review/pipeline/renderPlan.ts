import type { ReviewContext } from '../context/reviewContext';
import type { PullRequestRef } from '../domain/platform';
import type { FileSummary, ReviewCost, ReviewPlan } from '../domain/reviewStore';
import { anchorFindings } from '../publish/anchorFindings';
import { renderIterationSection, type SummaryConfiguration } from '../publish/comments';
import { planThreads } from '../publish/findingThreads';
import { OVER_BUDGET } from './afford';
import { TOO_LARGE_FOR_CONTEXT } from './chunking';
import type { SkippedFile } from '../domain/changedFile';
import { reviewedIteration, type PreparedReview } from './collect';
import { renderCostFooter } from './costAccounting';
import type { MergedFindings } from './mergeFindings';
import { MODEL_ERROR } from './reviewChunks';
import type { ReviewSummary } from './summary';
import { MINIFIED_LONG_LINES, WHITESPACE_ONLY } from './trivialFiles';

/**
 * Stage 7: the plan that is saved before anything is posted. Findings (the model's and the app's own checks')
 * are placed on changed lines or folded into the summary, each becomes one thread, and the summary section says
 * what was reviewed, what was not and why, and what it cost. A partial review says so.
 */

interface PlanInput {
  ref: PullRequestRef;
  prepared: PreparedReview;
  files: FileSummary[];
  notReviewed: SkippedFile[];
  merged: MergedFindings;
  overall: ReviewSummary;
  /** Files of the chunks the model answered: only their findings may be placed on lines. */
  shownPaths: Set<string>;
  cost: ReviewCost;
  maxFindings: number;
  /** The organization's URL: links into it stay links in posted text. */
  orgUrl: string | undefined;
  reviewContext: ReviewContext | undefined;
}

/**
 * Reasons that make a review partial: reviewable text the model did not reach (binaries and limits are listed),
 * and files set aside by a heuristic the pull request's author can trigger from its content (a long-lined file, a
 * change that looks like whitespace only), so a gate never passes on them unread. Not the target branch's
 * `.gitattributes` (read at the merge base) nor lockfiles.
 */
const PARTIAL_REASONS = [
  OVER_BUDGET,
  MODEL_ERROR,
  TOO_LARGE_FOR_CONTEXT,
  MINIFIED_LONG_LINES,
  WHITESPACE_ONLY,
];

const summaryConfiguration = ({ repositoryConfig }: ReviewContext): SummaryConfiguration => ({
  highLevelSummary: repositoryConfig.config.reviews.high_level_summary,
  collapseWalkthrough: repositoryConfig.config.reviews.collapse_walkthrough,
  changedOnSourceBranch: repositoryConfig.changedOnSourceBranch,
  problems: repositoryConfig.problems,
});

/** The learnings the prompts of the files the model was shown carried, each once. */
function appliedLearnings(context: ReviewContext | undefined, shownPaths: ReadonlySet<string>) {
  if (context === undefined) return [];
  const applied = new Set([...shownPaths].flatMap((path) => context.learningsFor(path)));
  return [...applied].map(({ text, path }) => ({ text, path }));
}

export function renderPlan(input: PlanInput, log: { info(message: string): void }): ReviewPlan {
  const { prepared, files, merged, cost } = input;
  const { iteration, collected, checks } = prepared;
  const links = { allowedLinkPrefix: input.orgUrl };
  const anchored = anchorFindings([...merged.kept, ...merged.checks], collected.files, input.shownPaths);
  const threads = planThreads(anchored.inline, iteration.id, links);
  const thisComparison = new Set(prepared.changes.map((change) => change.path));
  const missing = files.filter(
    (file) => thisComparison.has(file.path) && PARTIAL_REASONS.includes(file.reason ?? ''),
  );
  const partial =
    missing.length === 0
      ? undefined
      : { notReviewed: missing.length, reasons: [...new Set(missing.map((file) => file.reason ?? ''))] };
  log.info(
    JSON.stringify({
      event: 'review-cost',
      repositoryId: input.ref.repositoryId,
      pullRequestId: input.ref.pullRequestId,
      iterationId: iteration.id,
      calls: cost.calls.length,
      byTier: cost.byTier,
      costUsd: cost.totalCostUsd,
      wallMs: cost.wallMs,
      notReviewed: partial?.notReviewed ?? 0,
    }),
  );
  const reviewed = reviewedIteration(prepared);
  return {
    ...reviewed,
    threads,
    ...(merged.withheld === undefined ? {} : { withheld: merged.withheld }),
    fileSummaries: files,
    ...(partial === undefined ? {} : { partial }),
    cost,
    summarySection: renderIterationSection({
      answer: { ...input.overall, walkthrough: [] },
      iterationId: reviewed.iterationId,
      sourceCommitId: reviewed.sourceCommitId,
      comparedTo: reviewed.comparedTo,
      changedFiles: prepared.changedFiles,
      inlineCount: threads.length,
      folded: anchored.folded,
      skipped: input.notReviewed,
      overLimit: { dropped: merged.dropped, limit: input.maxFindings },
      notices: checks.notices,
      learnings: appliedLearnings(input.reviewContext, input.shownPaths),
      links,
      files,
      footer: renderCostFooter(cost),
      ...(input.reviewContext === undefined
        ? {}
        : { configuration: summaryConfiguration(input.reviewContext) }),
    }),
  };
}
