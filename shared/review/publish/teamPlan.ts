import { reportedSeverities } from '../../repository-config';
import { PROPERTY } from './comments';
import type { ReviewPlan } from '../domain/reviewStore';
import { STATUS_SET_BY_APP } from './findingThreadStatus';
import type { ReviewContext } from '../context/reviewContext';

/**
 * The planner's plan as this repository posts it: findings of severities its profile does not report are left
 * out, and finding threads open with its `finding_thread_status`, recorded as the status the app set.
 */
export function teamPlan(
  plan: ReviewPlan,
  context: ReviewContext,
  requestKey: string | undefined,
): ReviewPlan {
  const config = context.repositoryConfig.config;
  const reported = new Set<string>(
    context.repositoryConfig.profileSet ? reportedSeverities(config) : ['high', 'medium', 'low'],
  );
  const status = config.reviews.finding_thread_status;
  return {
    ...plan,
    ...(requestKey === undefined ? {} : { requestKey }),
    threads: plan.threads
      .filter((thread) => {
        const severity = thread.properties[PROPERTY.severity];
        return severity === undefined || reported.has(severity);
      })
      .map((thread) => ({
        ...thread,
        status,
        properties: { ...thread.properties, [STATUS_SET_BY_APP]: status },
      })),
  };
}
