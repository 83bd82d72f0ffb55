import type { JobDeadline } from './domain/jobDeadline';
import type { PullRequestPlatform } from './domain/platform';
import type { ReviewStore } from './domain/reviewStore';
import type { PipelineDependencies } from './pipeline/collect';
import type { ReviewMetricsSink } from './reviewMetrics';

/** What a pull request's review is run with: its ports, the resolved settings, and the job's clock and limits. */
export interface ReviewDependencies extends Omit<PipelineDependencies, 'platform' | 'reviewContext'> {
  /** Reads and, fenced by the lock, writes. */
  platform: PullRequestPlatform;
  store: ReviewStore;
  /** When the job must hand over by (none: no limit, as for a local run). */
  deadline?: JobDeadline;
  /** Where the per-review metrics event goes (ENABLE_METRICS); none: not sent. */
  metrics?: ReviewMetricsSink;
}

/**
 * Why this review runs: on its own for a push (the repository's auto_review, pause and `ignore` apply), or because
 * a comment asked (`review`: whatever those say; `full review`: the newest iteration again, in full, its plan saved
 * under `key` so a redelivered command posts the same one).
 */
export type ReviewRequest = { kind: 'automatic' } | { kind: 'command'; full: boolean; key: string };

export type PassOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'reviewed'; iterationId: number; mode: 'full' | 'incremental'; posted: number; findings: number };

export type ReviewOutcome =
  /** Another job holds this pull request's lock; it will review the newest iteration before it lets go. */
  | { kind: 'busy' }
  | { kind: 'done'; passes: PassOutcome[] }
  /**
   * Stopped before its next write and let go of the pull request: its lock passed to another job, or too little
   * time was left. What is done is saved (the plan before posting, the state after); the job should run again.
   */
  | { kind: 'handedOver'; reason: string; passes: PassOutcome[] };
