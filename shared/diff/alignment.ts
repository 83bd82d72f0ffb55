import diffSequences from '@jest/diff-sequences';
import type { NumberedLines } from './lines';

/*
 * Alignment of two sequences of line ids: which lines stay, changing as few as it can within a work budget.
 *
 * The exact O(ND) search (@jest/diff-sequences) runs within a comparison budget proportional to the range's length,
 * which files with few changes never reach. A range that exceeds it (a re-indented or regenerated file) is split at
 * the lines that occur exactly once on each side, keeping the longest run of them in the same order on both sides
 * (the patience-diff anchors), and each gap between anchors is aligned the same way on its own. Without such anchors
 * the exact search runs on past its own budget.
 *
 * Every step (comparisons, setting lines aside, finding anchors) also draws on one work budget for the whole
 * alignment, as the diff runs on the event loop. Real files stay far below it; when it runs out, a range not yet
 * aligned keeps only its common prefix and suffix and the rest shows as removed and added whole: a coarser diff that
 * still rebuilds the new file.
 */

const SEARCH_BUDGET_PER_LINE = 5;
const SEARCH_BUDGET_MIN = 50_000;

/**
 * Units of work (one comparison or one line visited) for a whole alignment. The real-history tests need under 10 a
 * line, typescript.js re-indented included; the minimum is some tens of milliseconds.
 */
const WORK_PER_LINE = 100;
const WORK_MIN = 2_000_000;

export function alignmentWorkLimit(lineCount: number): number {
  return Math.max(WORK_MIN, WORK_PER_LINE * lineCount);
}

type OnCommon = (oldIndex: number, newIndex: number, count: number) => void;

/**
 * Reports the runs of lines common to both sides through onCommon, in order, and returns the work done: at most
 * workLimit plus the number of lines (the common prefix and suffix of each range are always kept).
 */
export function alignLines(
  { oldIds, newIds, idCount }: NumberedLines,
  onCommon: OnCommon,
  workLimit = alignmentWorkLimit(oldIds.length + newIds.length),
): number {
  const aligner = new Aligner(idCount, workLimit);
  aligner.align(oldIds, newIds, onCommon);
  return aligner.workDone;
}

/** Thrown from the comparison callback to stop a search over budget; one instance, as no stack is needed. */
const BUDGET_EXCEEDED = new Error('line diff budget exceeded');

const UNSEEN = -1;
const SEEN_TWICE = -2;

class Aligner {
  /** Units of work so far; see alignLines for the bound. */
  workDone = 0;
  // Scratch tables indexed by line id, back to their initial state between uses.
  private readonly inX: Uint8Array;
  private readonly inY: Uint8Array;
  private readonly xPosition: Int32Array;
  private readonly yPosition: Int32Array;

  constructor(
    idCount: number,
    private readonly workLimit: number,
  ) {
    this.inX = new Uint8Array(idCount);
    this.inY = new Uint8Array(idCount);
    this.xPosition = new Int32Array(idCount).fill(UNSEEN);
    this.yPosition = new Int32Array(idCount).fill(UNSEEN);
  }

  align(x: Int32Array, y: Int32Array, onCommon: OnCommon): void {
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
    // Counted after the fact, even past the limit: the ranges trimmed are disjoint, so this stays within the lines.
    this.workDone += prefix + suffix;
    if (prefix > 0) onCommon(0, 0, prefix);
    if (prefix < x.length - suffix && prefix < y.length - suffix) {
      this.alignMiddle(
        x.subarray(prefix, x.length - suffix),
        y.subarray(prefix, y.length - suffix),
        (i, j, count) => onCommon(prefix + i, prefix + j, count),
      );
    }
    if (suffix > 0) onCommon(x.length - suffix, y.length - suffix, suffix);
  }

  /** Takes `units` of work if the budget has them. */
  private spend(units: number): boolean {
    if (this.workDone + units > this.workLimit) return false;
    this.workDone += units;
    return true;
  }

  /**
   * As git does, lines that occur nowhere in the other range are set aside first: no alignment can match them, so
   * the result stays minimal while the sequences the search walks get shorter, often much shorter.
   */
  private alignMiddle(x: Int32Array, y: Int32Array, onCommon: OnCommon): void {
    if (!this.spend(2 * (x.length + y.length))) return;
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
    const runs = this.exactCommon(xReduced, yReduced, true);
    const anchors = runs ? [] : this.uniqueAnchors(xReduced, yReduced);
    if (anchors.length > 0) {
      this.alignBetweenAnchors(xReduced, yReduced, anchors, onReducedCommon);
      return;
    }
    // Past the work budget this search gives up too, and the range shows as removed and added whole.
    const exact = runs ?? this.exactCommon(xReduced, yReduced, false) ?? [];
    for (let k = 0; k < exact.length; k += 3) onReducedCommon(exact[k], exact[k + 1], exact[k + 2]);
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
      this.align(x.subarray(xFrom, xEnd), y.subarray(yFrom, yEnd), (i, j, count) =>
        onCommon(xFrom + i, yFrom + j, count),
      );
      if (k < anchors.length) onCommon(xEnd, yEnd, 1);
      xNext = xEnd + 1;
      yNext = yEnd + 1;
    }
  }

  /**
   * Common runs as (xIndex, yIndex, count) triples, or undefined when the budget ran out: the search's own when
   * `budgeted` (so anchors can be tried), and always what is left of the work budget.
   */
  private exactCommon(x: Int32Array, y: Int32Array, budgeted: boolean): number[] | undefined {
    const searchBudget = budgeted
      ? Math.max(SEARCH_BUDGET_MIN, SEARCH_BUDGET_PER_LINE * (x.length + y.length))
      : Infinity;
    const allowed = Math.max(0, Math.min(searchBudget, this.workLimit - this.workDone));
    let comparisons = 0;
    const runs: number[] = [];
    try {
      diffSequences(
        x.length,
        y.length,
        (i, j) => {
          if (++comparisons > allowed) throw BUDGET_EXCEEDED;
          return x[i] === y[j];
        },
        (count, i, j) => runs.push(i, j, count),
      );
    } catch (error) {
      if (error !== BUDGET_EXCEEDED) throw error;
      this.workDone += allowed;
      return undefined;
    }
    this.workDone += comparisons;
    return runs;
  }

  /** Positions (x, y, x, y, …) of values occurring once in each, the longest run increasing on both sides. */
  private uniqueAnchors(x: Int32Array, y: Int32Array): number[] {
    if (!this.spend(2 * (x.length + y.length))) return [];
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
