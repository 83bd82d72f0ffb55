import type { ReviewedFile } from './collectChanges';
import type { Finding } from './prompt';

export interface InlineFinding {
  finding: Finding;
  file: ReviewedFile;
  startLine: number;
  endLine: number;
}

export interface FoldedFinding {
  finding: Finding;
  reason: string;
}

export interface AnchoredFindings {
  inline: InlineFinding[];
  /** Findings that cannot sit on lines the PR changed; they go into the summary, never dropped. */
  folded: FoldedFinding[];
}

/**
 * Places each finding on the right-side lines the PR added. A range that overlaps a hunk's added lines is narrowed
 * to the overlap; one that touches no added line is folded into the summary.
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
    const start = Math.min(finding.startLine, finding.endLine);
    const end = Math.max(finding.startLine, finding.endLine);
    const hunk = file.hunks.find(
      (candidate) =>
        candidate.newLines > 0 &&
        start <= candidate.newStart + candidate.newLines - 1 &&
        end >= candidate.newStart,
    );
    if (hunk === undefined) {
      folded.push({ finding, reason: 'not on lines this pull request changed' });
      continue;
    }
    inline.push({
      finding,
      file,
      startLine: Math.max(start, hunk.newStart),
      endLine: Math.min(end, hunk.newStart + hunk.newLines - 1),
    });
  }
  return { inline, folded };
}
