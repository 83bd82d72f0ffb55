import type { NewThread, PullRequestRef } from './platform';

/** What the app remembers about a pull request between jobs, wherever they run. */
export interface ReviewState {
  lastReviewedIteration?: number;
  lastReviewedSourceCommit?: string;
  summaryThreadId?: number;
  history: ReviewHistoryEntry[];
  /** The last failure, for the poison handler to report. */
  lastError?: { at: string; iterationId?: number; message: string };
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
}

export interface ReviewLock {
  release(): Promise<void>;
}

export interface ReviewStore {
  readState(ref: PullRequestRef): Promise<ReviewState>;
  writeState(ref: PullRequestRef, state: ReviewState): Promise<void>;
  readPlan(ref: PullRequestRef, iterationId: number): Promise<ReviewPlan | undefined>;
  writePlan(ref: PullRequestRef, plan: ReviewPlan): Promise<void>;
  /**
   * An exclusive, self-renewing lock on one activity of a pull request (`review`, or answering in one thread), or
   * undefined while another job holds it.
   */
  tryLock(ref: PullRequestRef, scope?: string): Promise<ReviewLock | undefined>;
}
