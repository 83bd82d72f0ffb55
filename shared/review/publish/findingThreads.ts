import type { InlineFinding } from './anchorFindings';
import { findingFingerprint, PROPERTY, renderFindingComment } from './comments';
import { severities, type Finding, type ReviewAnswer } from '../pipeline/prompt';
import type { ReviewPlan } from '../domain/reviewStore';
import type { LinkPolicy } from '../safety/sanitizeModelText';

/** How a plan turns findings into threads: bounded, most severe first, each once. */

const rank = (severity: Finding['severity']) => severities.indexOf(severity);

/** What the summary says instead of the model's words when its output held the prompt's canary. */
export const WITHHELD_ANSWER: ReviewAnswer = {
  summary:
    "The model's output for this iteration was withheld: it contained a marker that only the review's " +
    'instructions hold, a sign that the pull request talked the model out of its instructions. Nothing the ' +
    'model wrote was posted; the checks below are the app’s own.',
  walkthrough: [],
  verdict: 'Not reviewed by the model: review this iteration by hand.',
  findings: [],
};

/** At most `maxFindings` findings, the most severe first, and how many were left out. */
export function boundFindings(findings: readonly Finding[], maxFindings: number) {
  const kept = [...findings].sort((a, b) => rank(a.severity) - rank(b.severity)).slice(0, maxFindings);
  return { kept, dropped: findings.length - kept.length };
}

/** A thread per placed finding, each once (by fingerprint). */
export function planThreads(
  inline: InlineFinding[],
  iterationId: number,
  links: LinkPolicy,
): ReviewPlan['threads'] {
  const fingerprints = new Set<string>();
  const threads: ReviewPlan['threads'] = [];
  for (const item of inline) {
    const fingerprint = findingFingerprint(item);
    if (fingerprints.has(fingerprint)) continue;
    fingerprints.add(fingerprint);
    const sideLines = item.side === 'right' ? item.file.newLines : item.file.oldLines;
    const endLineText = sideLines[item.endLine - 1] ?? '';
    threads.push({
      fingerprint,
      content: renderFindingComment(item, links),
      status: 'active',
      properties: {
        [PROPERTY.kind]: 'finding',
        [PROPERTY.fingerprint]: fingerprint,
        [PROPERTY.iteration]: String(iterationId),
        [PROPERTY.severity]: item.finding.severity,
      },
      position: {
        filePath: item.file.change.path,
        side: item.side,
        startLine: item.startLine,
        endLine: item.endLine,
        endOffset: endLineText.replace(/\r$/, '').length + 1,
        iterationId,
        changeTrackingId: item.file.change.changeTrackingId,
      },
    });
  }
  return threads;
}
