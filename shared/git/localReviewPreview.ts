import type { ReviewSettings } from '../config/reviewSettings';
import type { ChatModel } from '../llm/chatModel';
import { tokenCounterFor } from '../llm/tokenCounter';
import type { ReviewContext } from '../review/context/reviewContext';
import { BudgetLedger } from '../review/pipeline/afford';
import { packChunks, type ReviewChunk } from '../review/pipeline/chunking';
import { collectPullRequest, type PreparedReview } from '../review/pipeline/collect';
import type { SkippedFile } from '../review/domain/changedFile';
import { FileOutcomes } from '../review/pipeline/fileOutcomes';
import { renderFile } from '../review/pipeline/prompt';
import { createReviewStages } from '../review/pipeline/stageContext';
import { teamGuidanceOf } from '../review/pipeline/teamGuidance';
import { TriageStage } from '../review/pipeline/triageStage';
import type { LocalReview } from './localGitPlatform';

/**
 * What `review-local --dry-run` can honestly say without a model: the review's own stages up to afford, with light
 * triage off. So the files collected as the review collects them (path filters, secret files and limits applied),
 * those set aside before any model (lockfiles, minified, linguist-generated or -vendored), each other file's diff
 * tokens, and the chunks the budget allows. Light triage may still call some of them trivial, which only the model
 * decides: the chunks are an upper bound on what is reviewed, and one chunk means one review call without triage.
 */
export interface LocalReviewPreview {
  prepared: PreparedReview;
  /** Files set aside without a model, and why. */
  setAside: Map<string, string>;
  /** Diff tokens of each file that goes to the model, counted for the reviewing tier's model. */
  tokens: Map<string, number>;
  /** Whether they were counted with the model's own tokenizer, or at 3.5 characters a token. */
  exactTokens: boolean;
  chunks: ReviewChunk[];
  /** Files with a hunk larger than the heavy tier's context, or past the budget. */
  tooLarge: SkippedFile[];
}

/** A preview asks no model: a call reaching this one is a bug in the preview, not a review that failed. */
const NO_MODEL: ChatModel = {
  completeStructured: () => Promise.reject(new Error('a review preview calls no model')),
};

export async function previewLocalReview(
  local: LocalReview,
  settings: ReviewSettings,
  reviewContext: ReviewContext,
): Promise<LocalReviewPreview> {
  const { platform, ref, pullRequest, iteration } = local;
  const stages = createReviewStages(NO_MODEL, settings, Date.now);
  const ledger = new BudgetLedger(settings.budget, stages);
  const guidance = teamGuidanceOf(reviewContext);
  const files = new FileOutcomes(iteration.id);
  const triage = new TriageStage({
    ...{ platform, ref, pullRequest, commonCommitId: iteration.commonCommitId },
    ...{ stages, ledger, guidance, files, lightTriage: false },
  });
  const collected = { platform, settings, reviewContext };
  const prepared = await collectPullRequest(ref, collected, pullRequest, iteration, undefined, triage.add);
  const triaged = await triage.finish();
  const packed = packChunks(triaged.toReview, stages.countDiff, triaged.limits);
  const afforded = ledger.afford(packed.chunks, triaged.singleChunk);

  const setAside = new Map(
    files
      .list([], undefined)
      .filter((file) => file.status === 'trivial')
      .map((file) => [file.path, file.reason ?? ''] as const),
  );
  const tokens = new Map(
    triaged.needModel.map((file) => [file.change.path, stages.countDiff(renderFile(file))] as const),
  );
  return {
    prepared,
    setAside,
    tokens,
    exactTokens: tokenCounterFor(settings.models.reasoning).exact,
    chunks: afforded.chunks,
    tooLarge: [...packed.tooLarge, ...afforded.overBudget],
  };
}
