import type { ReviewPolicy, Severity } from '../config/reviewSettings';
import type { ReviewContext } from './context/reviewContext';
import type {
  PullRequestIteration,
  PullRequestPlatform,
  PullRequestRef,
  StatusState,
} from './domain/platform';
import type { ReviewHistoryEntry, ReviewPlan, ReviewState } from './domain/reviewStore';
import { failureDescription } from './domain/failures';
import { renderSummaryComment } from './publish/comments';
import { resolveFixedFindings } from './publish/fixedFindings';
import { evaluatePolicy } from './publish/mergeGate';
import { knownFindingThreads, postFindings, upsertSummary } from './publish/postReview';

/**
 * Publishing a saved plan: its threads that are not on the pull request yet, the findings a push fixed resolved,
 * the summary thread edited in place, and the status. Every step reads what is there first, so a redelivered job
 * posts nothing twice.
 */

export interface Published {
  posted: number;
  fixed: number;
  summaryThreadId: number;
  history: ReviewHistoryEntry[];
  /** Every finding thread of the app on the pull request, with its planned severity: what the gate counts. */
  findingThreads: Record<string, Severity>;
}

interface PublishInput {
  plan: ReviewPlan;
  state: ReviewState;
  ownId: string;
  iterations: PullRequestIteration[];
  newest: PullRequestIteration;
  context: ReviewContext;
  reviewedAt: string;
}

export async function publishPlan(
  ref: PullRequestRef,
  platform: PullRequestPlatform,
  input: PublishInput,
): Promise<Published> {
  const { plan, state, ownId, context } = input;
  const threads = (await platform.listThreads(ref)).filter(
    (thread) => thread.firstCommentAuthorId?.toLowerCase() === ownId,
  );
  const { posted, findingThreads } = await postFindings(ref, platform, plan, threads);
  const fixed = await resolveFixedFindings(ref, platform, {
    threads,
    plan,
    iterations: input.iterations,
    newest: input.newest,
    previousIterationId: state.lastReviewedIteration,
    wasReviewed: (path) =>
      context.isPathIncluded(path) &&
      (plan.fileSummaries?.every((file) => file.path !== path || file.status === 'reviewed') ?? true),
  });
  const history = [
    ...state.history.filter((entry) => entry.iterationId !== plan.iterationId),
    {
      iterationId: plan.iterationId,
      sourceCommitId: plan.sourceCommitId,
      mode: plan.mode,
      comparedTo: plan.comparedTo,
      files: plan.files,
      findings: plan.threads.length,
      reviewedAt: input.reviewedAt,
    },
  ];
  const summary = renderSummaryComment(plan.summarySection, history);
  const summaryThreadId = await upsertSummary(ref, platform, threads, state, summary, plan);
  const known = { ...knownFindingThreads(state, threads), ...findingThreads };
  return { posted, fixed, summaryThreadId, history, findingThreads: known };
}

/** The pull request's status for this iteration, in the policy's status context. */
export const statusSetter =
  (ref: PullRequestRef, platform: PullRequestPlatform, iterationId: number, policy: ReviewPolicy) =>
  (state: StatusState, description: string) =>
    platform.setStatus(ref, { state, description, iterationId, ...policy.statusContext });

/**
 * The merge gate's verdict as the status: unresolved findings of the policy's severity or worse fail it. A withheld
 * review is never shown as passing; a partial one says what it did not reach.
 */
export async function setGateStatus(
  ref: PullRequestRef,
  platform: PullRequestPlatform,
  plan: ReviewPlan,
  ownId: string,
  policy: ReviewPolicy,
  findingThreads: Readonly<Record<string, Severity>>,
  setStatus: (state: StatusState, description: string) => Promise<void>,
): Promise<void> {
  if (plan.withheld !== undefined) {
    // Completed, not retried (the next push is reviewed afresh), but never shown as a passing review.
    await setStatus('error', failureDescription('model-output-blocked', plan.withheld, 'Review withheld'));
    return;
  }
  const gate = await evaluatePolicy(ref, platform, ownId, policy, findingThreads);
  const partial =
    plan.partial === undefined
      ? ''
      : `Partial review: ${plan.partial.notReviewed} file${plan.partial.notReviewed === 1 ? '' : 's'} not ` +
        `reviewed (${plan.partial.reasons.join('; ')}). `;
  await setStatus(gate.state, `${partial}${gate.description}`);
}

/**
 * The status of an iteration not reviewed because of a pause, `ignore` or a title keyword: the pull request's
 * author can bring each about, so none of them may pass the gate. The findings of earlier iterations still fail it
 * where they did; otherwise the gate waits (`pending`) for a review of this iteration.
 */
export async function skippedGateStatus(
  ref: PullRequestRef,
  platform: PullRequestPlatform,
  input: { ownId: string; policy: ReviewPolicy; state: ReviewState; reason: string },
): Promise<{ state: StatusState; description: string }> {
  const ownThreads = (await platform.listThreads(ref)).filter(
    (thread) => thread.firstCommentAuthorId?.toLowerCase() === input.ownId,
  );
  const known = knownFindingThreads(input.state, ownThreads);
  const gate = await evaluatePolicy(ref, platform, input.ownId, input.policy, known);
  const notReviewed = `Not reviewed: ${input.reason}.`;
  return gate.state === 'failed'
    ? {
        state: 'failed',
        description: `${notReviewed} Earlier iterations still fail the gate: ${gate.description}`,
      }
    : { state: 'pending', description: `${notReviewed} The gate waits for a review of this iteration.` };
}
