import type { FailSeverity } from '../../config';
import { PROPERTY } from './comments';
import type { PullRequestReader, PullRequestRef } from '../domain/platform';
import { severities } from '../../config/reviewSettings';

const severityRank = (severity: (typeof severities)[number]) =>
  severities.length - severities.indexOf(severity);

/** The merge gate: unresolved findings of the configured severity or worse, across every reviewed iteration. */
export async function evaluatePolicy(
  ref: PullRequestRef,
  platform: PullRequestReader,
  ownId: string,
  policy: { failSeverity: FailSeverity; failThreshold: number },
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
