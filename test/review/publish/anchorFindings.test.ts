import { diffTexts } from '../../../shared/diff/lineDiff';
import { anchorFindings } from '../../../shared/review/publish/anchorFindings';
import type { ReviewedFile } from '../../../shared/review/domain/changedFile';
import type { Finding } from '../../../shared/review/domain/finding';

/**
 * Where findings land: on the lines Azure DevOps shows as changed (added on the right, removed on the left), moved
 * from shown context to the closest changed line, and otherwise folded into the summary, never dropped.
 */

const numbered = (count: number, from = 1) =>
  Array.from({ length: count }, (_, index) => `line ${from + index}`);

function reviewedFile(path: string, oldLines: string[], newLines: string[]): ReviewedFile {
  const diff = diffTexts(`${oldLines.join('\n')}\n`, `${newLines.join('\n')}\n`);
  return {
    change: { changeTrackingId: 1, changeFlags: ['edit'], kind: 'edit', path, isFolder: false },
    hunks: diff.hunks,
    oldLines: diff.old.lines,
    newLines: diff.new.lines,
  };
}

// Lines 1–20; line 10 replaced by two lines (new 10–11), and old line 16 removed (a pure removal).
const oldText = numbered(20);
const newText = [...numbered(9), 'changed a', 'changed b', ...numbered(5, 11), ...numbered(4, 17)];
const FILE = reviewedFile('/src/file.ts', oldText, newText);

const finding = (
  side: 'right' | 'left',
  startLine: number,
  endLine = startLine,
  path = '/src/file.ts',
): Finding => ({
  path,
  side,
  startLine,
  endLine,
  severity: 'low',
  comment: `${side} ${startLine}-${endLine}`,
  suggestion: null,
});

const anchor = (...findings: Finding[]) => anchorFindings(findings, [FILE], new Set([FILE.change.path]));
const placed = (...findings: Finding[]) =>
  anchor(...findings).inline.map(({ side, startLine, endLine }) => [side, startLine, endLine]);
const foldedReasons = (...findings: Finding[]) => anchor(...findings).folded.map(({ reason }) => reason);

it('the fixture has the two hunks the cases rely on', () => {
  expect(
    FILE.hunks.map(({ oldStart, oldLines, newStart, newLines }) => [oldStart, oldLines, newStart, newLines]),
  ).toEqual([
    [10, 1, 10, 2],
    [16, 1, 16, 0],
  ]);
});

it('keeps a finding on added lines where it is', () => {
  expect(placed(finding('right', 10, 11))).toEqual([['right', 10, 11]]);
});

it('keeps the added part of a range that straddles context, whichever way round the model gave it', () => {
  expect(placed(finding('right', 11, 13), finding('right', 12, 9))).toEqual([
    ['right', 11, 11],
    ['right', 10, 11],
  ]);
});

it('puts a finding on removed lines on the left side', () => {
  expect(placed(finding('left', 10), finding('left', 16))).toEqual([
    ['left', 10, 10],
    ['left', 16, 16],
  ]);
});

it('folds a left-side finding on lines that were not removed', () => {
  expect(foldedReasons(finding('left', 3))).toEqual(['not on lines this pull request removed']);
});

it('moves a finding on context only to the closest changed line of that hunk', () => {
  expect(placed(finding('right', 8), finding('right', 13))).toEqual([
    ['right', 10, 10],
    ['right', 11, 11],
  ]);
});

it('moves a finding on the context of a pure removal to the removed lines, on the left', () => {
  expect(placed(finding('right', 17))).toEqual([['left', 16, 16]]);
});

it('folds findings off the diff, and on files not shown, into the summary', () => {
  const anchored = anchorFindings(
    [finding('right', 1), finding('right', 10, 10, '/src/other.ts'), finding('right', 10)],
    [FILE, reviewedFile('/src/other.ts', ['a'], ['b'])],
    new Set([FILE.change.path]),
  );
  expect(anchored.folded.map(({ finding: { path }, reason }) => [path, reason])).toEqual([
    ['/src/file.ts', 'not on lines this pull request changed'],
    ['/src/other.ts', 'not a file shown in this review'],
  ]);
  expect(anchored.inline).toHaveLength(1);
});

it('accepts a path without its leading slash', () => {
  expect(placed(finding('right', 10, 10, 'src/file.ts'))).toEqual([['right', 10, 10]]);
});
