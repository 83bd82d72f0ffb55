import { severities, type FailSeverity, type Severity } from '../../config/reviewSettings';
import type { PullRequestReader, PullRequestRef } from '../domain/platform';

const severityRank = (severity: Severity) => severities.length - severities.indexOf(severity);

/**
 * The merge gate: unresolved findings of the configured severity or worse, across every reviewed iteration. Only
 * the app's own finding threads count (`findingThreads`, by id), each with the severity its plan gave it: a thread's
 * properties can be edited by anyone who can comment, so they decide nothing here.
 */
export async function evaluatePolicy(
  ref: PullRequestRef,
  platform: PullRequestReader,
  ownId: string,
  policy: { failSeverity: FailSeverity; failThreshold: number },
  findingThreads: Readonly<Record<string, Severity>>,
): Promise<{ state: 'succeeded' | 'failed'; description: string }> {
  const open = (await platform.listThreads(ref)).flatMap((thread) => {
    const severity = findingThreads[String(thread.id)];
    const counted =
      severity !== undefined &&
      thread.firstCommentAuthorId?.toLowerCase() === ownId &&
      (thread.status === 'active' || thread.status === 'pending');
    return counted ? [severity] : [];
  });
  const bySeverity = (severity: Severity) => open.filter((found) => found === severity).length;
  const counts = severities.map((severity) => `${bySeverity(severity)} ${severity}`).join(', ');
  const description = `${open.length} open finding${open.length === 1 ? '' : 's'} (${counts})`;
  if (policy.failSeverity === 'never') return { state: 'succeeded', description };
  const threshold = severityRank(policy.failSeverity);
  const blocking = open.filter((severity) => severityRank(severity) >= threshold).length;
  if (blocking >= policy.failThreshold) {
    return {
      state: 'failed',
      description: `${blocking} open finding${blocking === 1 ? '' : 's'} of ${policy.failSeverity} severity or worse`,
    };
  }
  return { state: 'succeeded', description };
}
