import { alignLines } from './alignment';
import { buildHunks, type DiffHunk } from './hunks';
import { FileLines, numberLines, splitLines, type SplitText } from './lines';
import { slideChanges } from './slideHeuristics';

/*
 * Line diff for pull requests, whose files Azure DevOps serves whole. The search for a longest common subsequence is
 * @jest/diff-sequences (Myers' linear-space O(ND) algorithm); around it, git's tricks keep it fast on real files:
 * common prefix and suffix are cut off by string comparison, lines occurring on one side only are set aside, and a
 * search that runs past its budget is split at unique lines, all within a work budget (see alignment.ts). Runs of
 * changes are then slid to where git would show them (see slideHeuristics.ts).
 */

export type { DiffHunk } from './hunks';
export { splitLines } from './lines';

export interface TextDiff {
  hunks: DiffHunk[];
  old: SplitText;
  new: SplitText;
}

/** Changes between two line lists, without context lines (like `git diff -U0`), changing as few lines as it can. */
export function diffLines(oldLines: string[], newLines: string[]): DiffHunk[] {
  return diffSplit({ lines: oldLines, finalNewline: true }, { lines: newLines, finalNewline: true });
}

/**
 * Diffs two texts line by line. A last line without '\n' differs from the same text with one, as in git, so a
 * missing final newline shows as a change of that line and the hunks rebuild the new text exactly.
 */
export function diffTexts(oldText: string, newText: string): TextDiff {
  const oldSplit = splitLines(oldText);
  const newSplit = splitLines(newText);
  return { hunks: diffSplit(oldSplit, newSplit), old: oldSplit, new: newSplit };
}

function diffSplit(oldSplit: SplitText, newSplit: SplitText): DiffHunk[] {
  const oldLines = new FileLines(oldSplit);
  const newLines = new FileLines(newSplit);
  // Lines equal at the start and end need no more than a comparison; only the middle is numbered and searched.
  let prefix = 0;
  const prefixLimit = Math.min(oldLines.plainCount, newLines.plainCount);
  while (prefix < prefixLimit && oldLines.lines[prefix] === newLines.lines[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < oldLines.count - prefix &&
    suffix < newLines.count - prefix &&
    oldLines.same(oldLines.count - 1 - suffix, newLines, newLines.count - 1 - suffix)
  ) {
    suffix++;
  }
  const oldChanged = new Uint8Array(oldLines.count);
  const newChanged = new Uint8Array(newLines.count);
  oldChanged.fill(1, prefix, oldLines.count - suffix);
  newChanged.fill(1, prefix, newLines.count - suffix);
  alignLines(numberLines(oldLines, newLines, prefix, suffix), (oldIndex, newIndex, count) => {
    oldChanged.fill(0, prefix + oldIndex, prefix + oldIndex + count);
    newChanged.fill(0, prefix + newIndex, prefix + newIndex + count);
  });
  slideChanges(oldChanged, oldLines, newChanged);
  slideChanges(newChanged, newLines, oldChanged);
  return buildHunks(oldChanged, oldSplit.lines, newChanged, newSplit.lines);
}
