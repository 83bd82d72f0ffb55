import { FAILURE_MESSAGES } from '../domain/failures';
import type { PullRequestDetails, PullRequestIteration, PullRequestRef } from '../domain/platform';
import type { ReviewPlan } from '../domain/reviewStore';
import { BudgetLedger } from './afford';
import { packChunks } from './chunking';
import { collectPullRequest, type PipelineDependencies } from './collect';
import { reviewCostOf } from './costAccounting';
import { FileOutcomes } from './fileOutcomes';
import { mergeChunkFindings } from './mergeFindings';
import { renderPlan } from './renderPlan';
import { reviewChunks } from './reviewChunks';
import { createReviewStages } from './stageContext';
import { overallSummary } from './summary';
import { teamGuidanceOf } from './teamGuidance';
import { TriageStage } from './triageStage';

/**
 * The review of one iteration, stage by stage (each in its own file): collect → triage → afford → review chunks →
 * merge → summarise → render. Triage looks at each file as the collection hands it on; the chunks are reviewed in
 * parallel within the token budget; whatever is left out is listed with its reason. A pull request whose reviewable
 * diff fits in one chunk is reviewed in that one call: triage and a summary call would cost more than they save.
 */
export async function planReview(
  ref: PullRequestRef,
  deps: PipelineDependencies,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
  previous?: ReviewPlan,
): Promise<ReviewPlan> {
  const { settings, reviewContext } = deps;
  warnOfDeprecatedBudget(deps);
  const startedAt = deps.now().getTime();
  const usageMark = deps.usage.entries.length;
  const stages = createReviewStages(deps.model, settings, () => deps.now().getTime());
  const ledger = new BudgetLedger(settings.budget, stages);
  const guidance = reviewContext === undefined ? undefined : teamGuidanceOf(reviewContext);
  const files = new FileOutcomes(iteration.id);

  // 1 collect and 2 triage: each file is triaged as soon as it is read.
  const triage = new TriageStage({
    ...{ platform: deps.platform, ref, pullRequest, commonCommitId: iteration.commonCommitId },
    ...{ stages, ledger, guidance, files, lightTriage: true },
  });
  const collecting = collectPullRequest(ref, deps, pullRequest, iteration, base, triage.add);
  stages.loadTokenizers();
  const prepared = await collecting;
  const triaged = await triage.finish();

  // 3 afford: the chunks the budget allows.
  const packed = packChunks(triaged.toReview, stages.countDiff, triaged.limits);
  const afforded = ledger.afford(packed.chunks, triaged.singleChunk);

  // 4 review the chunks, 5 merge their findings.
  const { needModel, verdicts } = triaged;
  const reviewed = await reviewChunks(
    pullRequest,
    afforded.chunks,
    needModel,
    verdicts,
    stages.context,
    guidance,
  );
  const merged = mergeChunkFindings(reviewed, settings.safety.maxFindings, prepared.checks.findings);
  if (merged.withheld !== undefined) {
    deps.log.info(
      `PR ${ref.pullRequestId} iteration ${iteration.id}: ${FAILURE_MESSAGES['model-output-blocked']}; ` +
        `its output was withheld (ref ${merged.withheld})`,
    );
  }

  const notReviewed = files.settle({
    prepared,
    triaged,
    tooLarge: packed.tooLarge,
    afforded,
    reviewed,
    merged,
  });
  const fileSummaries = files.list(prepared.changes, previous);

  // 6 summarise, 7 render the plan.
  const overall = await overallSummary(
    pullRequest,
    reviewed,
    merged,
    fileSummaries,
    triaged.singleChunk,
    stages.context,
    guidance,
  );
  const cost = reviewCostOf(
    stages.calls,
    deps.usage.entries.slice(usageMark),
    settings.budget.prices,
    deps.now().getTime() - startedAt,
  );
  const { shownPaths } = reviewed;
  const { maxFindings, orgUrl } = settings.safety;
  const plan = { ref, prepared, files: fileSummaries, notReviewed, merged, overall, shownPaths, cost };
  return renderPlan({ ...plan, maxFindings, orgUrl, reviewContext }, deps.log);
}

function warnOfDeprecatedBudget({ settings, log }: PipelineDependencies): void {
  const { deprecatedPromptChars, tokenBudget } = settings.budget;
  if (deprecatedPromptChars === undefined) return;
  log.warn(
    'REVIEW_MAX_PROMPT_CHARS is deprecated and will be removed in the next release: set REVIEW_TOKEN_BUDGET ' +
      `(now ${tokenBudget} tokens, derived from REVIEW_MAX_PROMPT_CHARS ${deprecatedPromptChars})`,
  );
}
