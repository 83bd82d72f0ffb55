import type { InlineFinding } from './anchorFindings';
import { findingFingerprint, PROPERTY, renderFindingComment } from './comments';
import type { ReviewPlan } from '../domain/reviewStore';
import type { LinkPolicy } from '../safety/sanitizeModelText';

/** How a plan turns placed findings into threads: each once. */

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
