import diffSequences from '@jest/diff-sequences';

/*
 * Line diff for pull requests, whose files Azure DevOps serves whole. The search for a longest common subsequence is
 * @jest/diff-sequences (Myers' linear-space O(ND) algorithm); around it, git's tricks keep it fast on real files:
 * common prefix and suffix are cut off by string comparison, lines occurring on one side only are set aside, and a
 * search that runs past its budget is split at unique lines (see Aligner). Runs of changes are then slid to where
 * git would show them (see slideChanges).
 */

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

export interface SplitText {
  /** Lines without their '\n'; a '\r' before it stays part of the line, so CRLF→LF is a change, as in git. */
  lines: string[];
  /** False when the text's last line has no '\n' (and for empty text). */
  finalNewline: boolean;
}

export interface TextDiff {
  hunks: DiffHunk[];
  old: SplitText;
  new: SplitText;
}

export function splitLines(text: string): SplitText {
  if (text === '') return { lines: [], finalNewline: false };
  const lines = text.split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
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
  const { oldIds, newIds, idCount } = numberLines(oldLines, newLines, prefix, suffix);
  new Aligner(idCount).align(oldIds, newIds, true, (oldIndex, newIndex, count) => {
    oldChanged.fill(0, prefix + oldIndex, prefix + oldIndex + count);
    newChanged.fill(0, prefix + newIndex, prefix + newIndex + count);
  });
  slideChanges(oldChanged, oldLines, newChanged);
  slideChanges(newChanged, newLines, oldChanged);
  return buildHunks(oldChanged, oldSplit.lines, newChanged, newSplit.lines);
}

/** A file's lines, where a last line without '\n' equals only another such last line with the same text. */
class FileLines {
  readonly lines: string[];
  readonly count: number;
  /** Lines before the one without '\n', if any. */
  readonly plainCount: number;

  constructor(split: SplitText) {
    this.lines = split.lines;
    this.count = split.lines.length;
    this.plainCount = split.finalNewline ? this.count : Math.max(0, this.count - 1);
  }

  isUnterminated(index: number): boolean {
    return index >= this.plainCount;
  }

  same(index: number, other: FileLines, otherIndex: number): boolean {
    return (
      this.lines[index] === other.lines[otherIndex] &&
      this.isUnterminated(index) === other.isUnterminated(otherIndex)
    );
  }
}

/** Pairs the runs of changed lines that sit between the same two unchanged lines of each side into hunks. */
function buildHunks(
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

/**
 * A run of changed lines whose first line equals the line after it (or whose last equals the line before) can be
 * shown one line lower (higher) with the same meaning. Each run is slid to merge with neighbouring runs where it
 * can, then placed next to a run of changes on the other side if one is within reach (so a replacement reads as
 * one hunk); otherwise it goes where it reads as a block of its own (see `blockPlacementRank`).
 */
function slideChanges(changed: Uint8Array, file: FileLines, otherChanged: Uint8Array): void {
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

/**
 * Numbers each distinct line of the middles (between prefix and suffix) so the search compares integers. Only the
 * smaller middle goes into the table; a line of the larger one that is not there gets ONE_SIDED, as it can never be
 * matched. A last line without '\n' is numbered apart from the same text with one.
 */
function numberLines(
  oldLines: FileLines,
  newLines: FileLines,
  prefix: number,
  suffix: number,
): { oldIds: Int32Array; newIds: Int32Array; idCount: number } {
  const oldMiddle = oldLines.lines.slice(prefix, oldLines.count - suffix);
  const newMiddle = newLines.lines.slice(prefix, newLines.count - suffix);
  const [smaller, larger] =
    oldMiddle.length <= newMiddle.length ? [oldMiddle, newMiddle] : [newMiddle, oldMiddle];
  const ids = new Map<string, number>();
  const smallerIds = new Int32Array(smaller.length);
  for (let i = 0; i < smaller.length; i++) {
    let id = ids.get(smaller[i]);
    if (id === undefined) ids.set(smaller[i], (id = ids.size));
    smallerIds[i] = id;
  }
  const ONE_SIDED = ids.size;
  let idCount = ONE_SIDED + 1;
  const largerIds = new Int32Array(larger.length);
  for (let i = 0; i < larger.length; i++) largerIds[i] = ids.get(larger[i]) ?? ONE_SIDED;
  const [oldIds, newIds] = smaller === oldMiddle ? [smallerIds, largerIds] : [largerIds, smallerIds];
  const oldLast = oldIds.length - 1;
  const newLast = newIds.length - 1;
  const oldUnterminated = oldLast >= 0 && oldLines.isUnterminated(prefix + oldLast);
  const newUnterminated = newLast >= 0 && newLines.isUnterminated(prefix + newLast);
  if (oldUnterminated && newUnterminated && oldMiddle[oldLast] === newMiddle[newLast]) {
    oldIds[oldLast] = newIds[newLast] = idCount++;
  } else {
    if (oldUnterminated) oldIds[oldLast] = idCount++;
    if (newUnterminated) newIds[newLast] = idCount++;
  }
  return { oldIds, newIds, idCount };
}

type OnCommon = (oldIndex: number, newIndex: number, count: number) => void;

/**
 * The exact O(ND) search runs within a comparison budget proportional to the range's length, which files with few
 * changes never reach. A range that exceeds it (a re-indented or regenerated file) is split at the lines that occur
 * exactly once on each side, keeping the longest run of them in the same order on both sides (the patience-diff
 * anchors), and each gap between anchors is aligned the same way on its own. Without such anchors the search runs
 * unbudgeted: still exact, only slower.
 */
const BUDGET_PER_LINE = 5;
const BUDGET_MIN = 50_000;

/** Thrown from the comparison callback to stop a search over budget; one instance, as no stack is needed. */
const BUDGET_EXCEEDED = new Error('line diff budget exceeded');

const UNSEEN = -1;
const SEEN_TWICE = -2;

class Aligner {
  // Scratch tables indexed by line id, back to their initial state between uses.
  private readonly inX: Uint8Array;
  private readonly inY: Uint8Array;
  private readonly xPosition: Int32Array;
  private readonly yPosition: Int32Array;

  constructor(idCount: number) {
    this.inX = new Uint8Array(idCount);
    this.inY = new Uint8Array(idCount);
    this.xPosition = new Int32Array(idCount).fill(UNSEEN);
    this.yPosition = new Int32Array(idCount).fill(UNSEEN);
  }

  align(x: Int32Array, y: Int32Array, budgeted: boolean, onCommon: OnCommon): void {
    let prefix = 0;
    while (prefix < x.length && prefix < y.length && x[prefix] === y[prefix]) prefix++;
    let suffix = 0;
    while (
      suffix < x.length - prefix &&
      suffix < y.length - prefix &&
      x[x.length - 1 - suffix] === y[y.length - 1 - suffix]
    ) {
      suffix++;
    }
    if (prefix > 0) onCommon(0, 0, prefix);
    if (prefix < x.length - suffix && prefix < y.length - suffix) {
      this.alignMiddle(
        x.subarray(prefix, x.length - suffix),
        y.subarray(prefix, y.length - suffix),
        budgeted,
        (i, j, count) => onCommon(prefix + i, prefix + j, count),
      );
    }
    if (suffix > 0) onCommon(x.length - suffix, y.length - suffix, suffix);
  }

  /**
   * As git does, lines that occur nowhere in the other range are set aside first: no alignment can match them, so
   * the result stays minimal while the sequences the search walks get shorter, often much shorter.
   */
  private alignMiddle(x: Int32Array, y: Int32Array, budgeted: boolean, onCommon: OnCommon): void {
    const xKept = this.positionsAlsoIn(x, y, this.inY);
    const yKept = this.positionsAlsoIn(y, x, this.inX);
    if (xKept.length === 0 || yKept.length === 0) return;
    const xReduced = xKept.length < x.length ? xKept.map((i) => x[i]) : x;
    const yReduced = yKept.length < y.length ? yKept.map((j) => y[j]) : y;
    const onReducedCommon: OnCommon =
      xReduced === x && yReduced === y
        ? onCommon
        : (p, q, count) => {
            for (let k = 0; k < count; k++) onCommon(xKept[p + k], yKept[q + k], 1);
          };
    const runs = this.exactCommon(xReduced, yReduced, budgeted);
    const anchors = runs ? [] : this.uniqueAnchors(xReduced, yReduced);
    if (runs || anchors.length === 0) {
      // Unbudgeted, the search always completes.
      const exact = runs ?? this.exactCommon(xReduced, yReduced, false) ?? [];
      for (let k = 0; k < exact.length; k += 3) onReducedCommon(exact[k], exact[k + 1], exact[k + 2]);
    } else {
      this.alignBetweenAnchors(xReduced, yReduced, anchors, onReducedCommon);
    }
  }

  /** Positions in x of values that also occur in other, using `seen` (all zero before and after) as scratch. */
  private positionsAlsoIn(x: Int32Array, other: Int32Array, seen: Uint8Array): Int32Array {
    for (let j = 0; j < other.length; j++) seen[other[j]] = 1;
    let count = 0;
    for (let i = 0; i < x.length; i++) count += seen[x[i]];
    const kept = new Int32Array(count);
    for (let i = 0, k = 0; i < x.length; i++) if (seen[x[i]] === 1) kept[k++] = i;
    for (let j = 0; j < other.length; j++) seen[other[j]] = 0;
    return kept;
  }

  private alignBetweenAnchors(x: Int32Array, y: Int32Array, anchors: number[], onCommon: OnCommon): void {
    let xNext = 0;
    let yNext = 0;
    for (let k = 0; k <= anchors.length; k += 2) {
      const xEnd = k < anchors.length ? anchors[k] : x.length;
      const yEnd = k < anchors.length ? anchors[k + 1] : y.length;
      const xFrom = xNext;
      const yFrom = yNext;
      this.align(x.subarray(xFrom, xEnd), y.subarray(yFrom, yEnd), true, (i, j, count) =>
        onCommon(xFrom + i, yFrom + j, count),
      );
      if (k < anchors.length) onCommon(xEnd, yEnd, 1);
      xNext = xEnd + 1;
      yNext = yEnd + 1;
    }
  }

  /** Common runs as (xIndex, yIndex, count) triples, or undefined when the budget ran out first. */
  private exactCommon(x: Int32Array, y: Int32Array, budgeted: boolean): number[] | undefined {
    let budget = budgeted ? Math.max(BUDGET_MIN, BUDGET_PER_LINE * (x.length + y.length)) : Infinity;
    const runs: number[] = [];
    try {
      diffSequences(
        x.length,
        y.length,
        (i, j) => {
          if (--budget < 0) throw BUDGET_EXCEEDED;
          return x[i] === y[j];
        },
        (count, i, j) => runs.push(i, j, count),
      );
    } catch (error) {
      if (error === BUDGET_EXCEEDED) return undefined;
      throw error;
    }
    return runs;
  }

  /** Positions (x, y, x, y, …) of values occurring once in each, the longest run increasing on both sides. */
  private uniqueAnchors(x: Int32Array, y: Int32Array): number[] {
    const { xPosition, yPosition } = this;
    for (let i = 0; i < x.length; i++) xPosition[x[i]] = xPosition[x[i]] === UNSEEN ? i : SEEN_TWICE;
    for (let j = 0; j < y.length; j++) yPosition[y[j]] = yPosition[y[j]] === UNSEEN ? j : SEEN_TWICE;
    const pairs: number[] = [];
    for (let j = 0; j < y.length; j++) {
      const i = xPosition[y[j]];
      if (i >= 0 && yPosition[y[j]] === j) pairs.push(i, j);
    }
    for (let i = 0; i < x.length; i++) xPosition[x[i]] = UNSEEN;
    for (let j = 0; j < y.length; j++) yPosition[y[j]] = UNSEEN;
    return longestIncreasingRun(pairs);
  }
}

/** Of pairs (i, j, i, j, …) increasing in j, the longest run also increasing in i, by patience sorting. */
function longestIncreasingRun(pairs: number[]): number[] {
  const count = pairs.length / 2;
  const pileTops: number[] = [];
  const pileTopPair: number[] = [];
  const previous = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const i = pairs[2 * k];
    let low = 0;
    let high = pileTops.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (pileTops[middle] < i) low = middle + 1;
      else high = middle;
    }
    pileTops[low] = i;
    pileTopPair[low] = k;
    previous[k] = low > 0 ? pileTopPair[low - 1] : -1;
  }
  const run = new Array<number>(2 * pileTops.length);
  let at = run.length;
  for (let k = pileTops.length > 0 ? pileTopPair[pileTops.length - 1] : -1; k >= 0; k = previous[k]) {
    run[--at] = pairs[2 * k + 1];
    run[--at] = pairs[2 * k];
  }
  return run;
}
