/**
 * One change, in git's unified-diff conventions: starts are 1-based; a side with no lines (pure insertion or
 * deletion) has count 0 and its start is the line before the change (0 at the top of the file).
 */
export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  removed: string[];
  added: string[];
}

/** Pairs the runs of changed lines that sit between the same two unchanged lines of each side into hunks. */
export function buildHunks(
  oldChanged: Uint8Array,
  oldLines: string[],
  newChanged: Uint8Array,
  newLines: string[],
): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let i = 0;
  let j = 0;
  while (i < oldChanged.length || j < newChanged.length) {
    const oldFrom = i;
    const newFrom = j;
    while (i < oldChanged.length && oldChanged[i] === 1) i++;
    while (j < newChanged.length && newChanged[j] === 1) j++;
    if (i > oldFrom || j > newFrom) {
      hunks.push({
        oldStart: i > oldFrom ? oldFrom + 1 : oldFrom,
        oldLines: i - oldFrom,
        newStart: j > newFrom ? newFrom + 1 : newFrom,
        newLines: j - newFrom,
        removed: oldLines.slice(oldFrom, i),
        added: newLines.slice(newFrom, j),
      });
    }
    // Both now sit on a pair of unchanged lines (or at the ends); step past it.
    i++;
    j++;
  }
  return hunks;
}
