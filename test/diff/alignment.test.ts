import { alignLines, alignmentWorkLimit } from '../../shared/diff/alignment';
import type { NumberedLines } from '../../shared/diff/lines';

/** A small deterministic generator of line ids, so a failing case can be replayed. */
function randomIds(seed: number) {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return (count: number, alphabet: number) =>
    Int32Array.from({ length: count }, () => Math.floor(next() * alphabet));
}

/**
 * Aligns, checking each reported run is common to both sides and comes after the one before; returns the work done
 * and the old side's positions kept.
 */
function alignChecked(numbered: NumberedLines, workLimit?: number): { work: number; kept: number[] } {
  let oldNext = 0;
  let newNext = 0;
  const kept: number[] = [];
  const work = alignLines(
    numbered,
    (oldIndex, newIndex, count) => {
      expect(oldIndex).toBeGreaterThanOrEqual(oldNext);
      expect(newIndex).toBeGreaterThanOrEqual(newNext);
      for (let k = 0; k < count; k++) {
        expect(numbered.oldIds[oldIndex + k]).toBe(numbered.newIds[newIndex + k]);
        kept.push(oldIndex + k);
      }
      oldNext = oldIndex + count;
      newNext = newIndex + count;
    },
    workLimit,
  );
  return { work, kept };
}

describe('alignLines work budget', () => {
  // Few distinct lines and no line unique on either side: the exact search exceeds its own budget and there are no
  // anchors to split at, the path that used to run unbounded (O(N²) here).
  const generate = randomIds(3);
  const withoutAnchors: NumberedLines = {
    oldIds: generate(3000, 40),
    newIds: generate(3000, 40),
    idCount: 40,
  };
  const lineCount = 6000;

  it('stops a search without anchors at the work budget, still reporting only true common lines', () => {
    const unlimited = alignChecked(withoutAnchors, Infinity);
    expect(unlimited.work).toBeGreaterThan(2 * alignmentWorkLimit(lineCount));
    const bounded = alignChecked(withoutAnchors);
    expect(bounded.work).toBeLessThanOrEqual(alignmentWorkLimit(lineCount) + lineCount);
    // Coarser than the exact alignment: fewer lines kept.
    expect(bounded.kept.length).toBeLessThan(unlimited.kept.length);
  });

  it('bounds the unique-line fallback too: gaps between anchors that each need the unbudgeted search', () => {
    // Five such gaps of 1500 lines, between anchors (ids 40..43) that occur once on each side.
    const gaps = (count: number) => Array.from({ length: count }, () => Array.from(generate(1500, 40)));
    const join = (parts: number[][]) =>
      Int32Array.from(parts.flatMap((gap, k) => (k > 0 ? [39 + k, ...gap] : gap)));
    const numbered: NumberedLines = { oldIds: join(gaps(5)), newIds: join(gaps(5)), idCount: 44 };
    const lines = numbered.oldIds.length + numbered.newIds.length;
    expect(alignChecked(numbered, Infinity).work).toBeGreaterThan(2 * alignmentWorkLimit(lines));
    const { work, kept } = alignChecked(numbered);
    expect(work).toBeLessThanOrEqual(alignmentWorkLimit(lines) + lines);
    // The anchors, found before the budget ran out, stay aligned.
    expect(kept.filter((i) => numbered.oldIds[i] >= 40)).toEqual([1500, 3001, 4502, 6003]);
  });

  it('with no work left keeps only the common prefix and suffix', () => {
    const runs: number[][] = [];
    const numbered: NumberedLines = {
      oldIds: Int32Array.from([0, 1, 2, 3, 4]),
      newIds: Int32Array.from([0, 2, 1, 3, 4]),
      idCount: 5,
    };
    alignLines(numbered, (oldIndex, newIndex, count) => runs.push([oldIndex, newIndex, count]), 0);
    expect(runs).toEqual([
      [0, 0, 1],
      [3, 3, 2],
    ]);
  });
});
