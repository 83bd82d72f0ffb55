import type { DiffHunk } from '../../diff/lineDiff';
import type { ReviewedFile } from '../domain/changedFile';
import { CONTEXT_LINES } from '../domain/changedFile';
import { type Finding } from '../domain/finding';

export interface InlineFinding {
  finding: Finding;
  file: ReviewedFile;
  side: 'right' | 'left';
  startLine: number;
  endLine: number;
  /**
   * Whether the thread covers exactly the lines the model cited. A suggestion replaces the thread's whole lines, so
   * it is posted only then: on a trimmed or moved range it would replace lines it was not written for.
   */
  citedRange: boolean;
}

export interface FoldedFinding {
  finding: Finding;
  reason: string;
}

interface AnchoredFindings {
  inline: InlineFinding[];
  /** Findings that cannot sit on lines the PR changed; they go into the summary, never dropped. */
  folded: FoldedFinding[];
}

interface Range {
  start: number;
  end: number;
}

const overlap = (a: Range, b: Range): Range | undefined => {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start <= end ? { start, end } : undefined;
};

const added = (hunk: DiffHunk): Range | undefined =>
  hunk.newLines > 0 ? { start: hunk.newStart, end: hunk.newStart + hunk.newLines - 1 } : undefined;
const removed = (hunk: DiffHunk): Range | undefined =>
  hunk.oldLines > 0 ? { start: hunk.oldStart, end: hunk.oldStart + hunk.oldLines - 1 } : undefined;

/** The right-side lines shown for a hunk: its added lines and the context around them. */
function shownAround(hunk: DiffHunk): Range {
  const first = hunk.newLines > 0 ? hunk.newStart : hunk.newStart + 1;
  const last = hunk.newLines > 0 ? hunk.newStart + hunk.newLines - 1 : hunk.newStart;
  return { start: first - CONTEXT_LINES, end: last + CONTEXT_LINES };
}

/** The changed line of `target` nearest to `range`. */
function nearest(range: Range, target: Range): Range {
  const line = range.end < target.start ? target.start : target.end;
  return { start: line, end: line };
}

type Placement = { side: 'right' | 'left'; range: Range } | { reason: string };

function place(finding: Finding, hunks: DiffHunk[]): Placement {
  const range = {
    start: Math.min(finding.startLine, finding.endLine),
    end: Math.max(finding.startLine, finding.endLine),
  };
  if (finding.side === 'left') {
    for (const hunk of hunks) {
      const lines = removed(hunk);
      const hit = lines && overlap(range, lines);
      if (hit) return { side: 'left', range: hit };
    }
    return { reason: 'not on lines this pull request removed' };
  }
  // On added lines: keep the part of the range that is.
  for (const hunk of hunks) {
    const lines = added(hunk);
    const hit = lines && overlap(range, lines);
    if (hit) return { side: 'right', range: hit };
  }
  // Only on context shown with a hunk: move to that hunk's closest changed line (a removal's removed lines).
  for (const hunk of hunks) {
    if (!overlap(range, shownAround(hunk))) continue;
    const lines = added(hunk);
    if (lines) return { side: 'right', range: nearest(range, lines) };
    return { side: 'left', range: removed(hunk) as Range };
  }
  return { reason: 'not on lines this pull request changed' };
}

/**
 * Places each finding on lines the PR changed, as Azure DevOps shows them: added lines on the right side, removed
 * lines on the left. A range only on context lines moves to the closest changed lines of the same hunk; anything
 * else is folded into the summary.
 */
export function anchorFindings(
  findings: Finding[],
  files: ReviewedFile[],
  shownPaths: Set<string>,
): AnchoredFindings {
  const byPath = new Map(files.map((file) => [file.change.path, file]));
  const inline: InlineFinding[] = [];
  const folded: FoldedFinding[] = [];
  for (const finding of findings) {
    const path = finding.path.startsWith('/') ? finding.path : `/${finding.path}`;
    const file = byPath.get(path);
    if (file === undefined || !shownPaths.has(path)) {
      folded.push({ finding, reason: 'not a file shown in this review' });
      continue;
    }
    const placement = place(finding, file.hunks);
    if ('reason' in placement) folded.push({ finding, reason: placement.reason });
    else
      inline.push({
        finding,
        file,
        side: placement.side,
        startLine: placement.range.start,
        endLine: placement.range.end,
        citedRange:
          placement.side === finding.side &&
          placement.range.start === Math.min(finding.startLine, finding.endLine) &&
          placement.range.end === Math.max(finding.startLine, finding.endLine),
      });
  }
  return { inline, folded };
}
