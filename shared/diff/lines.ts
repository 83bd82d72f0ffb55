/** A text split into lines, as the diff compares them. */
export interface SplitText {
  /** Lines without their '\n'; a '\r' before it stays part of the line, so CRLF→LF is a change, as in git. */
  lines: string[];
  /** False when the text's last line has no '\n' (and for empty text). */
  finalNewline: boolean;
}

export function splitLines(text: string): SplitText {
  if (text === '') return { lines: [], finalNewline: false };
  const lines = text.split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
}

/** A file's lines, where a last line without '\n' equals only another such last line with the same text. */
export class FileLines {
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

/** Each line of the two middles as an integer id, equal ids for equal lines; ids run from 0 to idCount - 1. */
export interface NumberedLines {
  oldIds: Int32Array;
  newIds: Int32Array;
  idCount: number;
}

/**
 * Numbers each distinct line of the middles (between prefix and suffix) so the search compares integers. Only the
 * smaller middle goes into the table; a line of the larger one that is not there gets ONE_SIDED, as it can never be
 * matched. A last line without '\n' is numbered apart from the same text with one.
 */
export function numberLines(
  oldLines: FileLines,
  newLines: FileLines,
  prefix: number,
  suffix: number,
): NumberedLines {
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
