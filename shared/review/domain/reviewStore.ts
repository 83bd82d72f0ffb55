import type { Severity } from '../../config/reviewSettings';
import type { ModelTier } from '../../model-tiers/modelTiers';
import type { FailureClass } from './failures';
import type { NewThread, PullRequestRef } from './platform';

/** What the app remembers about a pull request between jobs, wherever they run. */
export interface ReviewState {
  lastReviewedIteration?: number;
  lastReviewedSourceCommit?: string;
  summaryThreadId?: number;
  history: ReviewHistoryEntry[];
  /**
   * The last failure, for the poison handler to report: its class and the correlation id of its details in the
   * log, never the error's text (which can hold provider messages and model output).
   */
  lastError?: { at: string; iterationId?: number; failure: FailureClass; correlationId: string };
  /** Set by a `pause` command: no automatic reviews until `resume`. */
  paused?: { by: string; at: string };
  /** The iteration a "not reviewed" status was last posted for, and why: posted once, not on every event. */
  skipped?: { iterationId: number; reason: string };
  /**
   * The app's finding threads, by thread id, with each one's severity as its plan said. The merge gate counts these
   * and reads their severities here: thread properties can be edited by anyone who can comment. Unset in states
   * saved before it existed (the properties are then trusted once, when it is first filled).
   */
  findingThreads?: Record<string, Severity>;
  /** The `full review` commands answered in the last day, by request key: each costs a whole review. */
  fullReviews?: { key: string; at: string }[];
}

export interface ReviewHistoryEntry {
  iterationId: number;
  sourceCommitId: string;
  mode: 'full' | 'incremental';
  comparedTo?: number;
  files: number;
  findings: number;
  reviewedAt: string;
}

/**
 * The outcome of asking the model about one iteration, saved before anything is posted: a job redelivered after a
 * crash posts the same threads instead of asking again and getting different words.
 */
export interface ReviewPlan {
  iterationId: number;
  sourceCommitId: string;
  mode: 'full' | 'incremental';
  comparedTo?: number;
  files: number;
  threads: (NewThread & { fingerprint: string })[];
  summarySection: string;
  /** Set when the model's output was withheld (it held the prompt's canary): the correlation id of the log entry. */
  withheld?: string;
  /** Every changed file of the pull request so far and what the review made of it; the next push updates it. */
  fileSummaries?: FileSummary[];
  /** Files of this iteration's comparison that no model reviewed, and why (budget, model error, limits). */
  partial?: { notReviewed: number; reasons: string[] };
  cost?: ReviewCost;
  /**
   * Set for a review a command asked for again (`full review`): saved beside the iteration's first plan, under
   * this key, so the command's redelivery posts the same plan and the first one is kept.
   */
  requestKey?: string;
}

/** The repository a learning belongs to. */
export interface RepositoryRef {
  projectId: string;
  repositoryId: string;
}

/**
 * What a team taught the reviewer in one repository: applied to later reviews of the files `path` matches once a
 * maintainer approved it. A reply dismissing a finding only proposes one: anyone who can comment can write a reply.
 */
export interface Learning {
  text: string;
  /** A glob from the repository root; `**` for the whole repository. */
  path: string;
  /** Who taught it (display name, and identity id where known), when, and where. */
  author: string;
  authorId?: string;
  at: string;
  pullRequestId: number;
  threadId: number;
  /** `proposed` until a maintainer approves it; unset on learnings kept before proposals existed (applied). */
  status?: 'proposed' | 'approved';
  /** The maintainer who approved it (display name), and when. */
  approved?: { by: string; at: string };
}

export interface FileSummary {
  path: string;
  status: 'reviewed' | 'trivial' | 'not-reviewed';
  /** The light model's paragraph (or the reviewer's sentence); empty when there is none. */
  summary: string;
  /** Why it is trivial or was not reviewed. */
  reason?: string;
  /** The iteration whose review this entry comes from. */
  iterationId: number;
}

/** One model call, with tokens as the provider reported them (or counted, when it reported none). */
export interface CallCost {
  tier: ModelTier;
  model: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
}

export interface ReviewCost {
  calls: CallCost[];
  byTier: Partial<
    Record<ModelTier, { calls: number; inputTokens: number; outputTokens: number; costUsd?: number }>
  >;
  /** Undefined when a model's price is unknown (not in the table nor LLM_PRICES). */
  totalCostUsd?: number;
  /** Whether the token counts came from the provider (otherwise counted here). */
  reported: boolean;
  wallMs: number;
}

/** The lock passed to another job (its lease lapsed or was broken): stop before the next write. */
export class LockLostError extends Error {
  constructor(reason: string) {
    super(`The pull request's lock was lost: ${reason}`);
    this.name = 'LockLostError';
  }
}

export interface ReviewLock {
  /**
   * Resolves while this job still holds the lock (confirming it with the store), rejects with LockLostError once it
   * may have passed to another job. Checked before every write to Azure DevOps or the store.
   */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

export interface ReviewStore {
  readState(ref: PullRequestRef): Promise<ReviewState>;
  /**
   * Writes the state only while `lock` (the `review` lock) holds the pull request; a job whose lock passed to
   * another is rejected with LockLostError by the store itself, not only by its own check.
   */
  writeState(ref: PullRequestRef, state: ReviewState, lock: ReviewLock): Promise<void>;
  /** The iteration's plan, or the one saved under `requestKey` (see ReviewPlan.requestKey). */
  readPlan(ref: PullRequestRef, iterationId: number, requestKey?: string): Promise<ReviewPlan | undefined>;
  /** Saves a new plan under `lock`; a plan already saved for the iteration (and request key) is kept (and returned). */
  writePlan(ref: PullRequestRef, plan: ReviewPlan, lock: ReviewLock): Promise<ReviewPlan>;
  /**
   * An exclusive, self-renewing lock on one activity of a pull request (`review`, or answering in one thread), or
   * undefined while another job holds it.
   */
  tryLock(ref: PullRequestRef, scope?: string): Promise<ReviewLock | undefined>;
  /** The repository's learnings, oldest first (their numbers in `learnings` are positions in this list). */
  readLearnings(repository: RepositoryRef): Promise<Learning[]>;
  /**
   * Replaces the learnings with `change(current)`, without losing a concurrent update (compare and swap, retried
   * with the newer list); returns the list saved.
   */
  updateLearnings(
    repository: RepositoryRef,
    change: (current: Learning[]) => Learning[],
  ): Promise<Learning[]>;
}
