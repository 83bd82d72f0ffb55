import { PROPERTY } from './publish/comments';
import type { PullRequestRef } from './domain/platform';
import type { ReviewPlan } from './domain/reviewStore';

/**
 * One structured event per review pass (ENABLE_METRICS): JSON-able fields only, so the Functions host's logger sends
 * them to Application Insights as custom dimensions of one trace.
 */
export interface ReviewMetricsEvent {
  event: 'ado-reviewer.review';
  projectId: string;
  repositoryId: string;
  pullRequestId: number;
  iterationId?: number;
  outcome: 'reviewed' | 'skipped' | 'failed';
  reason?: string;
  mode?: 'full' | 'incremental';
  files?: number;
  /** Model calls of the reasoning and heavy tiers: one per chunk of the diff. */
  chunks?: number;
  findings?: { high: number; medium: number; low: number };
  posted?: number;
  fixed?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Undefined when a model's price is unknown. */
  costUsd?: number;
  durationMs: number;
}

export type ReviewMetricsSink = (event: ReviewMetricsEvent) => void;

/** The plan's share of the event: what was reviewed and found, and what the model work cost (when recorded). */
export function planMetrics(plan: ReviewPlan): Partial<ReviewMetricsEvent> {
  const count = (severity: string) =>
    plan.threads.filter((thread) => thread.properties[PROPERTY.severity] === severity).length;
  const calls = plan.cost?.calls ?? [];
  return {
    mode: plan.mode,
    files: plan.files,
    findings: { high: count('high'), medium: count('medium'), low: count('low') },
    ...(plan.cost === undefined
      ? {}
      : {
          chunks: calls.filter((call) => call.tier !== 'light').length,
          inputTokens: calls.reduce((sum, call) => sum + call.inputTokens, 0),
          outputTokens: calls.reduce((sum, call) => sum + call.outputTokens, 0),
          costUsd: plan.cost.totalCostUsd,
        }),
  };
}

export const refFields = (ref: PullRequestRef) => ({
  projectId: ref.projectId,
  repositoryId: ref.repositoryId,
  pullRequestId: ref.pullRequestId,
});
