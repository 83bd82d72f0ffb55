import { PROPERTY } from './comments';
import type { PullRequestRef, PullRequestWriter, ReviewThread } from '../domain/platform';
import type { ReviewPlan, ReviewState } from '../domain/reviewStore';

/** Posts the plan's threads that are not on the pull request yet (a redelivered job posts only what is missing). */
export async function postFindings(
  ref: PullRequestRef,
  platform: PullRequestWriter,
  plan: ReviewPlan,
  ownThreads: ReviewThread[],
): Promise<number> {
  const present = new Set(
    ownThreads.map((thread) => thread.properties[PROPERTY.fingerprint]).filter(Boolean),
  );
  let posted = 0;
  for (const { fingerprint, ...thread } of plan.threads) {
    if (present.has(fingerprint)) continue;
    await platform.createThread(ref, thread);
    posted++;
  }
  return posted;
}

/** Edits the pull request's one summary thread in place, or starts it; returns its id. */
export async function upsertSummary(
  ref: PullRequestRef,
  platform: PullRequestWriter,
  ownThreads: ReviewThread[],
  state: ReviewState,
  content: string,
  plan: ReviewPlan,
): Promise<number> {
  const summary =
    ownThreads.find((thread) => thread.id === state.summaryThreadId) ??
    ownThreads.find((thread) => thread.properties[PROPERTY.kind] === 'summary');
  if (summary?.firstCommentId !== undefined) {
    if (summary.firstCommentContent !== content) {
      await platform.updateComment(ref, summary.id, summary.firstCommentId, content);
    }
    await platform.updateThreadProperties(ref, summary.id, {
      [PROPERTY.iteration]: String(plan.iterationId),
    });
    return summary.id;
  }
  const created = await platform.createThread(ref, {
    content,
    status: 'closed',
    properties: { [PROPERTY.kind]: 'summary', [PROPERTY.iteration]: String(plan.iterationId) },
  });
  return created.id;
}
