import type { ChatModel } from '../llm/chatModel';
import { anchorFindings, type AnchoredFindings } from './anchorFindings';
import { collectChanges, type CollectedChanges, type CollectLimits } from './collectChanges';
import { findingFingerprint, PROPERTY, renderFindingComment, renderIterationSection } from './comments';
import type {
  FileChange,
  PullRequestDetails,
  PullRequestIteration,
  PullRequestReader,
  PullRequestRef,
} from './platform';
import { renderReviewPrompt, reviewAnswerSchema, type RenderedPrompt, type ReviewAnswer } from './prompt';
import type { ReviewPlan } from './reviewStore';

export interface PlanDependencies {
  platform: PullRequestReader;
  model: ChatModel;
  log: { info(message: string): void };
  limits: CollectLimits & { maxPromptChars: number };
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
}

/** Diffs the iteration (against the merge base, or the last reviewed iteration) and renders the prompt. */
export async function prepareReview(
  ref: PullRequestRef,
  deps: Pick<PlanDependencies, 'platform' | 'limits'>,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
): Promise<PreparedReview> {
  const changes = await deps.platform.listIterationChanges(ref, iteration.id, base?.id);
  const collected = await collectChanges(
    deps.platform,
    ref,
    iteration,
    changes,
    deps.limits,
    base?.sourceCommitId ?? iteration.commonCommitId,
  );
  const prompt = renderReviewPrompt(pullRequest, collected, deps.limits.maxPromptChars);
  const changedFiles = changes.filter((change) => !change.isFolder).length;
  return { iteration, base, changes, changedFiles, collected, prompt };
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

/** Diffs the iteration, asks the model, and places its findings: the threads and summary to post. */
export async function planReview(
  ref: PullRequestRef,
  deps: PlanDependencies,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
): Promise<ReviewPlan> {
  const prepared = await prepareReview(ref, deps, pullRequest, iteration, base);
  const { collected, prompt } = prepared;
  deps.log.info(
    `Reviewing PR ${ref.pullRequestId} iteration ${iteration.id}${base ? ` since ${base.id}` : ''}: ` +
      `${prompt.shownPaths.size} files in the prompt (${prompt.user.length} chars), ` +
      `${collected.skipped.length + prompt.omittedPaths.length} not reviewed`,
  );
  return buildPlan(prepared, await askForReview(deps.model, prompt)).plan;
}

/** Turns the model's answer into threads on changed lines and a summary section; also returns the placement. */
export function buildPlan(
  prepared: PreparedReview,
  answer: ReviewAnswer,
): { plan: ReviewPlan; anchored: AnchoredFindings } {
  const { iteration, base, collected, prompt } = prepared;
  const anchored = anchorFindings(answer.findings, collected.files, prompt.shownPaths);
  const fingerprints = new Set<string>();
  const threads: ReviewPlan['threads'] = [];
  for (const item of anchored.inline) {
    const fingerprint = findingFingerprint(item);
    if (fingerprints.has(fingerprint)) continue;
    fingerprints.add(fingerprint);
    const sideLines = item.side === 'right' ? item.file.newLines : item.file.oldLines;
    const endLineText = sideLines[item.endLine - 1] ?? '';
    threads.push({
      fingerprint,
      content: renderFindingComment(item),
      status: 'active',
      properties: {
        [PROPERTY.kind]: 'finding',
        [PROPERTY.fingerprint]: fingerprint,
        [PROPERTY.iteration]: String(iteration.id),
        [PROPERTY.severity]: item.finding.severity,
      },
      position: {
        filePath: item.file.change.path,
        side: item.side,
        startLine: item.startLine,
        endLine: item.endLine,
        endOffset: endLineText.replace(/\r$/, '').length + 1,
        iterationId: iteration.id,
        changeTrackingId: item.file.change.changeTrackingId,
      },
    });
  }
  const plan: ReviewPlan = {
    iterationId: iteration.id,
    sourceCommitId: iteration.sourceCommitId,
    mode: base === undefined ? 'full' : 'incremental',
    comparedTo: base?.id,
    files: collected.files.length,
    threads,
    summarySection: renderIterationSection({
      answer,
      iterationId: iteration.id,
      sourceCommitId: iteration.sourceCommitId,
      comparedTo: base?.id,
      inlineCount: threads.length,
      changedFiles: prepared.changedFiles,
      folded: anchored.folded,
      skipped: collected.skipped,
      omittedPaths: prompt.omittedPaths,
    }),
  };
  return { plan, anchored };
}
