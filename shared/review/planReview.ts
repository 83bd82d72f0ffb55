import type { ChatModel } from '../llm/chatModel';
import { anchorFindings } from './anchorFindings';
import { collectChanges, type CollectLimits } from './collectChanges';
import { findingFingerprint, PROPERTY, renderFindingComment, renderIterationSection } from './comments';
import type {
  PullRequestDetails,
  PullRequestIteration,
  PullRequestPlatform,
  PullRequestRef,
} from './platform';
import { renderReviewPrompt, reviewAnswerSchema, severities, type ReviewAnswer } from './prompt';
import type { ReviewPlan } from './reviewStore';

export interface PlanDependencies {
  platform: PullRequestPlatform;
  model: ChatModel;
  log: { info(message: string): void };
  limits: CollectLimits & { maxPromptChars: number };
}

/** Diffs the iteration (against the merge base, or the last reviewed iteration), asks the model, places findings. */
export async function planReview(
  ref: PullRequestRef,
  deps: PlanDependencies,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
): Promise<ReviewPlan> {
  const { platform, model, log } = deps;
  const changes = await platform.listIterationChanges(ref, iteration.id, base?.id);
  const collected = await collectChanges(
    platform,
    ref,
    iteration,
    changes,
    deps.limits,
    base?.sourceCommitId ?? iteration.commonCommitId,
  );
  const prompt = renderReviewPrompt(pullRequest, collected, deps.limits.maxPromptChars);
  log.info(
    `Reviewing PR ${ref.pullRequestId} iteration ${iteration.id}${base ? ` since ${base.id}` : ''}: ` +
      `${prompt.shownPaths.size} files in the prompt (${prompt.user.length} chars), ` +
      `${collected.skipped.length + prompt.omittedPaths.length} not reviewed`,
  );
  const answer: ReviewAnswer =
    prompt.shownPaths.size > 0
      ? await model.completeStructured({
          system: prompt.system,
          user: prompt.user,
          schema: reviewAnswerSchema,
          schemaName: 'pull_request_review',
        })
      : {
          summary: 'No text changes to review.',
          walkthrough: [],
          verdict: 'Nothing to review.',
          findings: [],
        };

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
  const count = (severity: (typeof severities)[number]) =>
    answer.findings.filter((finding) => finding.severity === severity).length;
  return {
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
      changedFiles: changes.filter((change) => !change.isFolder).length,
      folded: anchored.folded,
      skipped: collected.skipped,
      omittedPaths: prompt.omittedPaths,
    }),
    findingCounts: { high: count('high'), medium: count('medium'), low: count('low') },
  };
}
