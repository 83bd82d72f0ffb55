import type { ReviewBudget } from '../config/reviewBudgetSettings';
import type { ReviewLimits } from '../config/reviewLimits';
import type { ModelTier } from '../llm/chatModel';
import { tokenCounterFor } from '../llm/tokenCounter';
import type { ReviewedFile, SkippedFile } from '../review/pipeline/collectChanges';
import { packChunks, type ReviewChunk } from '../review/pipeline/chunking';
import { roomForPrompt } from '../review/pipeline/stageContext';
import { readGitAttributes, trivialReason } from '../review/pipeline/trivialFiles';
import {
  collectionLimits,
  collectPullRequest,
  type PreparedReview,
  type ReviewSafety,
} from '../review/pipeline/preparedReview';
import { renderFile } from '../review/pipeline/prompt';
import type { ReviewContext } from '../review/context/reviewContext';
import type { LocalReview } from './localGitPlatform';

/**
 * What `review-local --dry-run` can honestly say without a model: the files collected as the review collects them
 * (path filters, secret files and limits applied), those the pipeline sets aside before any model (lockfiles,
 * minified, linguist-generated or -vendored), each other file's diff tokens, and the chunks those would be packed
 * into. Light triage may still call some of them trivial, which only the model decides: the chunks are an upper
 * bound on what is reviewed, and one chunk means one review call without triage.
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
  /** Files with a hunk larger than the heavy tier's context. */
  tooLarge: SkippedFile[];
}

export interface PreviewSettings {
  limits: ReviewLimits & ReviewBudget;
  safety: ReviewSafety;
  models: Partial<Record<ModelTier, string>>;
  maxOutputTokens: number;
  reviewContext: ReviewContext;
}

export async function previewLocalReview(
  local: LocalReview,
  settings: PreviewSettings,
): Promise<LocalReviewPreview> {
  const { platform, ref, pullRequest, iteration } = local;
  const { limits } = settings;
  const [prepared, rules] = await Promise.all([
    collectPullRequest(
      ref,
      {
        platform,
        limits: collectionLimits(limits),
        safety: settings.safety,
        reviewContext: settings.reviewContext,
      },
      pullRequest,
      iteration,
      undefined,
    ),
    readGitAttributes(platform, ref, iteration.commonCommitId),
  ]);

  const setAside = new Map<string, string>();
  const toModel: ReviewedFile[] = [];
  for (const file of prepared.collected.files) {
    if (file.hunks.length === 0) continue;
    const reason = trivialReason(file, rules);
    if (reason === undefined) toModel.push(file);
    else setAside.set(file.change.path, reason);
  }
  const counter = tokenCounterFor(settings.models.reasoning ?? '');
  const count = (text: string) => counter.count(text);
  const tokens = new Map(toModel.map((file) => [file.change.path, count(renderFile(file))]));
  const { chunks, tooLarge } = packChunks(toModel, count, {
    chunkTokens: limits.chunkTokens,
    heavyChunkTokens: limits.heavyChunkTokens,
    maxChunkTokens: roomForPrompt(limits.contextTokens.heavy, settings.maxOutputTokens),
  });
  return { prepared, setAside, tokens, exactTokens: counter.exact, chunks, tooLarge };
}
