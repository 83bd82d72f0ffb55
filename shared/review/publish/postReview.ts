import { severities, type Severity } from '../../config/reviewSettings';
import { PROPERTY } from './comments';
import type { PullRequestRef, PullRequestWriter, ReviewThread } from '../domain/platform';
import type { ReviewPlan, ReviewState } from '../domain/reviewStore';

/**
 * Posts the plan's threads that are not on the pull request yet (a redelivered job posts only what is missing).
 * Returns how many it posted, and the plan's finding threads by id with their planned severity (`findingThreads`).
 */
export async function postFindings(
  ref: PullRequestRef,
  platform: PullRequestWriter,
  plan: ReviewPlan,
  ownThreads: ReviewThread[],
): Promise<{ posted: number; findingThreads: Record<string, Severity> }> {
  const present = new Map(
    ownThreads.flatMap((thread) => {
      const fingerprint = thread.properties[PROPERTY.fingerprint];
      return fingerprint === undefined ? [] : [[fingerprint, thread.id] as const];
    }),
  );
  let posted = 0;
  const findingThreads: Record<string, Severity> = {};
  for (const { fingerprint, ...thread } of plan.threads) {
    let id = present.get(fingerprint);
    if (id === undefined) {
      id = (await platform.createThread(ref, thread)).id;
      posted++;
    }
    const severity = thread.properties[PROPERTY.severity];
    if (isSeverity(severity)) findingThreads[String(id)] = severity;
  }
  return { posted, findingThreads };
}

const isSeverity = (value: string | undefined): value is Severity =>
  (severities as readonly (string | undefined)[]).includes(value);

/**
 * The app's finding threads known before this review: from the state, or, for a state saved before it kept them,
 * from the threads' own properties (trusted this once; from then on the state is the record).
 */
export function knownFindingThreads(
  state: ReviewState,
  ownThreads: ReviewThread[],
): Record<string, Severity> {
  if (state.findingThreads !== undefined) return state.findingThreads;
  const known: Record<string, Severity> = {};
  for (const thread of ownThreads) {
    const severity = thread.properties[PROPERTY.severity];
    if (thread.properties[PROPERTY.kind] === 'finding' && isSeverity(severity))
      known[String(thread.id)] = severity;
  }
  return known;
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
