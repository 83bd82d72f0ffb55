import type { ChatModel } from '../llm/chatModel';
import { anchorFindings } from './anchorFindings';
import { collectChanges, type CollectLimits } from './collectChanges';
import { findingFingerprint, PROPERTY, renderFindingComment, renderSummaryComment } from './comments';
import type { PullRequestPlatform, PullRequestRef, StatusState } from './platform';
import { renderReviewPrompt, reviewAnswerSchema } from './prompt';

export interface ReviewDependencies {
  platform: PullRequestPlatform;
  model: ChatModel;
  log: { info(message: string): void; warn(message: string): void };
  limits: CollectLimits & { maxPromptChars: number };
  statusContext: { genre: string; name: string };
}

export type ReviewOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'reviewed'; iterationId: number; inline: number; folded: number; skipped: number };

/**
 * Reviews the newest iteration of a pull request: diff, prompt, model, then one thread per finding on the changed
 * lines and one summary thread. Posting is idempotent: threads already carrying a finding's fingerprint are not
 * posted again, and an iteration whose summary is posted is not reviewed again.
 */
export async function reviewPullRequest(ref: PullRequestRef, deps: ReviewDependencies): Promise<ReviewOutcome> {
  const { platform, model, log } = deps;
  const pullRequest = await platform.getPullRequest(ref);
  if (pullRequest.status !== 'active') return { kind: 'skipped', reason: `pull request is ${pullRequest.status}` };

  const iterations = await platform.listIterations(ref);
  const iteration = iterations.at(-1);
  if (iteration === undefined) return { kind: 'skipped', reason: 'pull request has no iterations' };

  const existing = await platform.listThreads(ref);
  const summaryThread = existing.find((thread) => thread.properties[PROPERTY.kind] === 'summary');
  if (summaryThread?.properties[PROPERTY.iteration] === String(iteration.id)) {
    return { kind: 'skipped', reason: `iteration ${iteration.id} is already reviewed` };
  }

  const setStatus = (state: StatusState, description: string) =>
    platform.setStatus(ref, { state, description, iterationId: iteration.id, ...deps.statusContext });

  await setStatus('pending', 'Review in progress');
  try {
    const changes = await platform.listIterationChanges(ref, iteration.id);
    const collected = await collectChanges(platform, ref, iteration, changes, deps.limits);
    const prompt = renderReviewPrompt(pullRequest, collected, deps.limits.maxPromptChars);
    log.info(
      `Reviewing PR ${ref.pullRequestId} iteration ${iteration.id}: ${prompt.shownPaths.size} files in the prompt ` +
        `(${prompt.user.length} chars), ${collected.skipped.length + prompt.omittedPaths.length} not reviewed`,
    );
    const answer =
      prompt.shownPaths.size > 0
        ? await model.completeStructured({
            system: prompt.system,
            user: prompt.user,
            schema: reviewAnswerSchema,
            schemaName: 'pull_request_review',
          })
        : { summary: 'No text changes to review.', walkthrough: [], verdict: 'Nothing to review.', findings: [] };

    const anchored = anchorFindings(answer.findings, collected.files, prompt.shownPaths);
    const posted = new Set(existing.map((thread) => thread.properties[PROPERTY.fingerprint]).filter(Boolean));
    for (const item of anchored.inline) {
      const fingerprint = findingFingerprint(item);
      if (posted.has(fingerprint)) continue;
      posted.add(fingerprint);
      const endLineText = item.file.newLines[item.endLine - 1] ?? '';
      await platform.createThread(ref, {
        content: renderFindingComment(item),
        status: 'active',
        properties: {
          [PROPERTY.kind]: 'finding',
          [PROPERTY.fingerprint]: fingerprint,
          [PROPERTY.iteration]: String(iteration.id),
        },
        position: {
          filePath: item.file.change.path,
          startLine: item.startLine,
          endLine: item.endLine,
          endOffset: endLineText.replace(/\r$/, '').length + 1,
          iterationId: iteration.id,
          changeTrackingId: item.file.change.changeTrackingId,
        },
      });
    }

    // The summary goes last: once it names this iteration, the review of that iteration is complete.
    const summary = renderSummaryComment({
      answer,
      iterationId: iteration.id,
      sourceCommitId: iteration.sourceCommitId,
      inlineCount: anchored.inline.length,
      folded: anchored.folded,
      skipped: collected.skipped,
      omittedPaths: prompt.omittedPaths,
    });
    if (summaryThread?.firstCommentId !== undefined) {
      await platform.updateComment(ref, summaryThread.id, summaryThread.firstCommentId, summary);
      await platform.updateThreadProperties(ref, summaryThread.id, { [PROPERTY.iteration]: String(iteration.id) });
    } else {
      await platform.createThread(ref, {
        content: summary,
        status: 'closed',
        properties: { [PROPERTY.kind]: 'summary', [PROPERTY.iteration]: String(iteration.id) },
      });
    }

    const high = answer.findings.filter((finding) => finding.severity === 'high').length;
    await setStatus(
      'succeeded',
      `${answer.findings.length} finding${answer.findings.length === 1 ? '' : 's'}${high > 0 ? ` (${high} high)` : ''}`,
    );
    return {
      kind: 'reviewed',
      iterationId: iteration.id,
      inline: anchored.inline.length,
      folded: anchored.folded.length,
      skipped: collected.skipped.length + prompt.omittedPaths.length,
    };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0].slice(0, 200);
    // Never leave the PR showing "in progress": say that the review failed and why.
    await setStatus('error', `Review failed: ${reason}`).catch((statusError: Error) =>
      log.warn(`Could not set the error status: ${statusError.message}`),
    );
    throw error;
  }
}
