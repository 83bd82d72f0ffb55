import type { FileLines } from './lines';

/**
 * A run of changed lines whose first line equals the line after it (or whose last equals the line before) can be
 * shown one line lower (higher) with the same meaning. Each run is slid to merge with neighbouring runs where it
 * can, then placed next to a run of changes on the other side if one is within reach (so a replacement reads as
 * one hunk); otherwise it goes where it reads as a block of its own (see `blockPlacementRank`).
 */
export function slideChanges(changed: Uint8Array, file: FileLines, otherChanged: Uint8Array): void {
  // otherGapChanged[g]: the other side has changed lines after its g-th unchanged line (and before the next).
  const otherGapChanged = new Uint8Array(otherChanged.length + 1);
  let unchangedSeen = 0;
  for (let j = 0; j < otherChanged.length; j++) {
    if (otherChanged[j] === 1) otherGapChanged[unchangedSeen] = 1;
    else unchangedSeen++;
  }
  const n = changed.length;
  let gap = 0; // unchanged lines before `start`
  let start = 0;
  while (start < n) {
    if (changed[start] === 0) {
      start++;
      gap++;
      continue;
    }
    let end = start;
    while (end < n && changed[end] === 1) end++;
    let size;
    let alignedEnd: number;
    let highestEnd: number;
    do {
      size = end - start;
      while (start > 0 && changed[start - 1] === 0 && file.same(start - 1, file, end - 1)) {
        changed[--start] = 1;
        changed[--end] = 0;
        gap--;
        while (start > 0 && changed[start - 1] === 1) start--;
      }
      highestEnd = end;
      alignedEnd = otherGapChanged[gap] === 1 ? end : -1;
      while (end < n && changed[end] === 0 && file.same(start, file, end)) {
        changed[start++] = 0;
        changed[end++] = 1;
        gap++;
        while (end < n && changed[end] === 1) end++;
        if (otherGapChanged[gap] === 1) alignedEnd = end;
      }
    } while (end - start !== size);
    const targetEnd = alignedEnd !== -1 ? alignedEnd : bestBlockEnd(file.lines, size, highestEnd, end);
    while (end > targetEnd) {
      changed[--start] = 1;
      changed[--end] = 0;
      gap--;
    }
    start = end;
  }
}

/** Furthest a run is slid for a better-reading place; git bounds its own search alike. */
const MAX_PLACEMENT_SLIDE = 100;

/** Of the places a run of `size` lines can end at (highestEnd..lowestEnd), the best ranked, lowest on ties. */
function bestBlockEnd(lines: string[], size: number, highestEnd: number, lowestEnd: number): number {
  let best = lowestEnd;
  let bestRank = blockPlacementRank(lines, lowestEnd - size, lowestEnd);
  for (let end = lowestEnd - 1; end >= Math.max(highestEnd, lowestEnd - MAX_PLACEMENT_SLIDE); end--) {
    const rank = blockPlacementRank(lines, end - size, end);
    if (rank < bestRank) {
      best = end;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * Lower is better: a run of changed lines reads best when it ends with a blank line (a whole paragraph or function
 * and the blank line after it) and starts with its least indented line, e.g. an inserted function shows as
 * `function f() {…}` plus a blank line rather than a blank line plus the function.
 */
function blockPlacementRank(lines: string[], start: number, end: number): number {
  const endsWithBlank = lines[end - 1].trim() === '';
  const firstLine = lines[start];
  const firstIndent =
    firstLine.trim() === '' ? firstLine.length + 1 : firstLine.length - firstLine.trimStart().length;
  return (endsWithBlank ? 0 : 1_000_000) + firstIndent;
}
