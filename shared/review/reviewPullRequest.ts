import type { FailSeverity } from '../config';
import type { ChatModel } from '../llm/chatModel';
import type { CollectLimits } from './collectChanges';
import { PROPERTY, renderSummaryComment } from './comments';
import { planReview } from './planReview';
import type {
  PullRequestIteration,
  PullRequestPlatform,
  PullRequestReader,
  PullRequestRef,
  PullRequestWriter,
  ReviewThread,
  StatusState,
} from './platform';
import { severities } from './prompt';
import type { ReviewPlan, ReviewState, ReviewStore } from './reviewStore';

export interface ReviewPolicy {
  reviewDrafts: boolean;
  failSeverity: FailSeverity;
  failThreshold: number;
  statusContext: { genre: string; name: string };
  ignoredIdentityIds: string[];
}

export interface ReviewDependencies {
  platform: PullRequestPlatform;
  model: ChatModel;
  store: ReviewStore;
  log: { info(message: string): void; warn(message: string): void };
  limits: CollectLimits & { maxPromptChars: number };
  policy: ReviewPolicy;
  now: () => Date;
}

export type PassOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'reviewed'; iterationId: number; mode: 'full' | 'incremental'; posted: number; findings: number };

export type ReviewOutcome =
  /** Another job holds this pull request's lock; it will review the newest iteration before it lets go. */
  { kind: 'busy' } | { kind: 'done'; passes: PassOutcome[] };

/** Iteration reasons after which the earlier iteration's commit is no longer an ancestor: review everything. */
const HISTORY_REWRITES = /forcePush|rebase|retarget/i;

const severityRank = (severity: (typeof severities)[number]) =>
  severities.length - severities.indexOf(severity);

/**
 * Reviews every iteration of a pull request not reviewed yet, one pull request at a time across all instances: a job
 * that finds the lock taken returns `busy` (the holder reviews until the newest iteration before releasing it).
 */
export async function reviewPullRequest(
  ref: PullRequestRef,
  deps: ReviewDependencies,
): Promise<ReviewOutcome> {
  const lock = await deps.store.tryLock(ref);
  if (lock === undefined) return { kind: 'busy' };
  const passes: PassOutcome[] = [];
  try {
    // Pushes that arrive while a review runs are coalesced here: loop until nothing newer is left.
    for (let pass = 0; pass < 20; pass++) {
      const outcome = await reviewNewestIteration(ref, deps);
      passes.push(outcome);
      if (outcome.kind === 'skipped') break;
    }
  } finally {
    await lock.release();
  }
  return { kind: 'done', passes };
}

/** Whether the newest iteration can be reviewed against the last reviewed one rather than in full. */
function incrementalBase(
  iterations: PullRequestIteration[],
  newest: PullRequestIteration,
  state: ReviewState,
): PullRequestIteration | undefined {
  const previous = iterations.find((iteration) => iteration.id === state.lastReviewedIteration);
  if (previous === undefined || previous.sourceCommitId !== state.lastReviewedSourceCommit) return undefined;
  // A new merge base means the target was merged in or the PR retargeted: the iteration diff would show its work.
  if (previous.commonCommitId !== newest.commonCommitId) return undefined;
  const since = iterations.filter((iteration) => iteration.id > previous.id && iteration.id <= newest.id);
  if (since.some((iteration) => HISTORY_REWRITES.test(iteration.reason))) return undefined;
  return previous;
}

async function reviewNewestIteration(ref: PullRequestRef, deps: ReviewDependencies): Promise<PassOutcome> {
  const { platform, store, policy } = deps;
  const pullRequest = await platform.getPullRequest(ref);
  if (pullRequest.status !== 'active')
    return { kind: 'skipped', reason: `pull request is ${pullRequest.status}` };
  if (pullRequest.isDraft && !policy.reviewDrafts) return { kind: 'skipped', reason: 'draft pull request' };
  const ownId = await platform.getOwnIdentityId();
  const author = pullRequest.authorId.toLowerCase();
  if (author === ownId || policy.ignoredIdentityIds.includes(author)) {
    return { kind: 'skipped', reason: 'pull request authored by an ignored identity' };
  }

  const iterations = await platform.listIterations(ref);
  const newest = iterations.at(-1);
  if (newest === undefined) return { kind: 'skipped', reason: 'pull request has no iterations' };
  const state = await store.readState(ref);
  if (state.lastReviewedIteration !== undefined && state.lastReviewedIteration >= newest.id) {
    return { kind: 'skipped', reason: `iteration ${newest.id} is already reviewed` };
  }

  const setStatus = (statusState: StatusState, description: string) =>
    platform.setStatus(ref, {
      state: statusState,
      description,
      iterationId: newest.id,
      ...policy.statusContext,
    });
  await setStatus('pending', 'Review in progress');
  try {
    const plan =
      (await store.readPlan(ref, newest.id)) ??
      (await planReview(ref, deps, pullRequest, newest, incrementalBase(iterations, newest, state)));
    await store.writePlan(ref, plan);

    const threads = (await platform.listThreads(ref)).filter(
      (thread) => thread.firstCommentAuthorId?.toLowerCase() === ownId,
    );
    const posted = await postFindings(ref, platform, plan, threads);
    const history = [
      ...state.history.filter((entry) => entry.iterationId !== plan.iterationId),
      {
        iterationId: plan.iterationId,
        sourceCommitId: plan.sourceCommitId,
        mode: plan.mode,
        comparedTo: plan.comparedTo,
        files: plan.files,
        findings: plan.threads.length,
        reviewedAt: deps.now().toISOString(),
      },
    ];
    const summaryThreadId = await upsertSummary(
      ref,
      platform,
      threads,
      state,
      renderSummaryComment(plan.summarySection, history),
      plan,
    );
    await store.writeState(ref, {
      lastReviewedIteration: newest.id,
      lastReviewedSourceCommit: newest.sourceCommitId,
      summaryThreadId,
      history,
    });

    const gate = await evaluatePolicy(ref, platform, ownId, policy);
    await setStatus(gate.state, gate.description);
    return {
      kind: 'reviewed',
      iterationId: newest.id,
      mode: plan.mode,
      posted,
      findings: plan.threads.length,
    };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0].slice(0, 200);
    await store
      .writeState(ref, {
        ...state,
        lastError: { at: deps.now().toISOString(), iterationId: newest.id, message: reason },
      })
      .catch(() => undefined);
    // Never leave the PR showing "in progress": say that the review failed and why.
    await setStatus('error', `Review failed: ${reason}`).catch((statusError: Error) =>
      deps.log.warn(`Could not set the error status: ${statusError.message}`),
    );
    throw error;
  }
}

/** Posts the plan's threads that are not on the pull request yet (a redelivered job posts only what is missing). */
async function postFindings(
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
async function upsertSummary(
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

/** The merge gate: unresolved findings of the configured severity or worse, across every reviewed iteration. */
async function evaluatePolicy(
  ref: PullRequestRef,
  platform: PullRequestReader,
  ownId: string,
  policy: ReviewPolicy,
): Promise<{ state: 'succeeded' | 'failed'; description: string }> {
  const open = (await platform.listThreads(ref)).filter(
    (thread) =>
      thread.firstCommentAuthorId?.toLowerCase() === ownId &&
      thread.properties[PROPERTY.kind] === 'finding' &&
      (thread.status === 'active' || thread.status === 'pending'),
  );
  const bySeverity = (severity: (typeof severities)[number]) =>
    open.filter((thread) => thread.properties[PROPERTY.severity] === severity).length;
  const counts = severities.map((severity) => `${bySeverity(severity)} ${severity}`).join(', ');
  const description = `${open.length} open finding${open.length === 1 ? '' : 's'} (${counts})`;
  if (policy.failSeverity === 'never') return { state: 'succeeded', description };
  const threshold = severityRank(policy.failSeverity);
  const blocking = open.filter((thread) => {
    const severity = thread.properties[PROPERTY.severity] as (typeof severities)[number] | undefined;
    return severity !== undefined && severities.includes(severity) && severityRank(severity) >= threshold;
  }).length;
  if (blocking >= policy.failThreshold) {
    return {
      state: 'failed',
      description: `${blocking} open finding${blocking === 1 ? '' : 's'} of ${policy.failSeverity} severity or worse`,
    };
  }
  return { state: 'succeeded', description };
}
