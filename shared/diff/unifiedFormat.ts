import { createHash } from 'node:crypto';
import type { DiffHunk } from './hunks';
import type { SplitText } from './lines';

interface UnifiedDiffOptions {
  /** Path printed after `a/`; null when the file did not exist (printed as /dev/null). */
  oldName: string | null;
  /** Path printed after `b/`; null when the file no longer exists. */
  newName: string | null;
  /** The two sides the hunks were computed from: for `\ No newline` markers and function-name context. */
  old: SplitText;
  new: SplitText;
}

/** One side of a file pair for the `diff --git` header; null for the side where the file does not exist. */
export interface GitFileVersion {
  path: string;
  /** git's mode: '100644', '100755' or '120000'. */
  mode: string;
  bytes: Uint8Array;
}

/**
 * The `---`/`+++` lines and hunks of a zero-context unified diff, as `git diff -U0` prints them, including the
 * function-name context after each `@@` header; '' when there are no hunks.
 */
export function formatUnifiedDiff(hunks: DiffHunk[], options: UnifiedDiffOptions): string {
  if (hunks.length === 0) return '';
  // Pieces joined once at the end; cheaper than building each output line as a string of its own.
  const out = [`--- ${fileLabel('a/', options.oldName)}\n+++ ${fileLabel('b/', options.newName)}\n`];
  const context = new FunctionContext(options.old.lines);
  for (const hunk of hunks) {
    // 0-based index of the hunk's first old line, or of the line an insertion goes before.
    const oldIndex = hunk.oldLines > 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const newIndex = hunk.newLines > 0 ? hunk.newStart - 1 : hunk.newStart;
    const name = context.before(oldIndex);
    out.push(
      `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@${name && ' ' + name}\n`,
    );
    pushLines(out, '-', hunk.removed, oldIndex, options.old);
    pushLines(out, '+', hunk.added, newIndex, options.new);
  }
  return out.join('');
}

/** `diff --git` and the mode and `index` lines git prints before a file's diff. */
export function formatGitHeader(oldFile: GitFileVersion | null, newFile: GitFileVersion | null): string {
  const present = oldFile ?? newFile;
  if (!present) throw new Error('formatGitHeader needs at least one side of the file pair');
  const oldPath = (oldFile ?? present).path;
  const newPath = (newFile ?? present).path;
  const out = [`diff --git ${quotePath('a/' + oldPath)} ${quotePath('b/' + newPath)}`];
  const sameBytes = oldFile !== null && newFile !== null && Buffer.from(oldFile.bytes).equals(newFile.bytes);
  const index = `index ${oldFile ? gitBlobId(oldFile.bytes) : NULL_BLOB}..${newFile ? gitBlobId(newFile.bytes) : NULL_BLOB}`;
  if (!oldFile) out.push(`new file mode ${present.mode}`, index);
  else if (!newFile) out.push(`deleted file mode ${present.mode}`, index);
  else if (oldFile.mode !== newFile.mode) {
    out.push(`old mode ${oldFile.mode}`, `new mode ${newFile.mode}`);
    if (!sameBytes) out.push(index);
  } else if (!sameBytes) out.push(`${index} ${oldFile.mode}`);
  return out.join('\n') + '\n';
}

export function formatBinaryNotice(oldName: string | null, newName: string | null): string {
  const label = (prefix: string, name: string | null) =>
    name === null ? '/dev/null' : quotePath(prefix + name);
  return `Binary files ${label('a/', oldName)} and ${label('b/', newName)} differ\n`;
}

/** git's abbreviated object id of a blob with these bytes, as in `index` lines. */
function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex').slice(0, 7);
}

const NULL_BLOB = '0000000';

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

function pushLines(
  out: string[],
  marker: string,
  lines: string[],
  firstIndex: number,
  file: SplitText,
): void {
  const lastIndex = file.lines.length - 1;
  lines.forEach((line, offset) => {
    out.push(marker, line, '\n');
    if (firstIndex + offset === lastIndex && !file.finalNewline) out.push('\\ No newline at end of file\n');
  });
}

/** git's default: before the hunk, the nearest old line starting with a letter, '_' or '$', cut at 80 bytes. */
const FUNCTION_LINE_START = /^[A-Za-z_$]/;
const FUNCTION_CONTEXT_BYTES = 80;

/** Finds function lines for hunks in order, each search stopping where the previous one started. */
class FunctionContext {
  private searchedBelow = 0;
  private found = '';

  constructor(private readonly oldLines: string[]) {}

  before(hunkIndex: number): string {
    for (let i = hunkIndex - 1; i >= this.searchedBelow; i--) {
      if (FUNCTION_LINE_START.test(this.oldLines[i])) {
        this.found = functionName(this.oldLines[i]);
        break;
      }
    }
    this.searchedBelow = Math.max(this.searchedBelow, hunkIndex);
    return this.found;
  }
}

function functionName(line: string): string {
  const bytes = Buffer.from(line, 'utf8').subarray(0, FUNCTION_CONTEXT_BYTES);
  let end = bytes.length;
  while (end > 0 && isAsciiSpace(bytes[end - 1])) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

function isAsciiSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

function fileLabel(prefix: string, name: string | null): string {
  if (name === null) return '/dev/null';
  // git ends the name with a tab when it holds a space, so tools can tell where it stops.
  return quotePath(prefix + name) + (name.includes(' ') ? '\t' : '');
}

const C_ESCAPES: Record<number, string> = {
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x22: '"',
  0x5c: '\\',
};

/** Quotes a path the way git does by default (core.quotePath): C escapes, and octal for every non-ASCII byte. */
function quotePath(path: string): string {
  let quoted = '';
  let needsQuotes = false;
  for (const byte of Buffer.from(path, 'utf8')) {
    const escape = C_ESCAPES[byte];
    if (escape !== undefined) quoted += '\\' + escape;
    else if (byte < 0x20 || byte >= 0x7f) quoted += '\\' + byte.toString(8).padStart(3, '0');
    else {
      quoted += String.fromCharCode(byte);
      continue;
    }
    needsQuotes = true;
  }
  return needsQuotes ? `"${quoted}"` : path;
}
