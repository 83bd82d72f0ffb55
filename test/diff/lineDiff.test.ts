import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runDiffCommand } from '../../shared/cli/diffCommand';
import { main } from '../../shared/cli/main';
import { decodeFileContent } from '../../shared/diff/fileContent';
import { diffLines, diffTexts, splitLines, type DiffHunk } from '../../shared/diff/lineDiff';
import { formatUnifiedDiff } from '../../shared/diff/unifiedFormat';
import { gitNoIndex } from '../../dev/bench/npmPackages';

/** Applies hunks by their stated positions, checking each removed line is what the old file has there. */
function applyHunks(oldLines: string[], hunks: DiffHunk[]): string[] {
  const result: string[] = [];
  let next = 0;
  for (const hunk of hunks) {
    const at = hunk.oldLines > 0 ? hunk.oldStart - 1 : hunk.oldStart;
    expect(at).toBeGreaterThanOrEqual(next);
    result.push(...oldLines.slice(next, at));
    expect(oldLines.slice(at, at + hunk.oldLines)).toEqual(hunk.removed);
    expect(hunk.newLines > 0 ? hunk.newStart - 1 : hunk.newStart).toBe(result.length);
    result.push(...hunk.added);
    next = at + hunk.oldLines;
  }
  return [...result, ...oldLines.slice(next)];
}

const changedLines = (hunks: DiffHunk[]) =>
  hunks.reduce((sum, hunk) => sum + hunk.oldLines + hunk.newLines, 0);

function longestCommonSubsequence(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const item of a) {
    const row = [0];
    for (let j = 0; j < b.length; j++)
      row.push(item === b[j] ? previous[j] + 1 : Math.max(previous[j + 1], row[j]));
    previous = row;
  }
  return previous[b.length];
}

/** A small deterministic generator, so a failing case can be replayed. */
function randomLines(seed: number) {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return (count: number, alphabet: number) =>
    Array.from({ length: count }, () => `line ${Math.floor(next() * alphabet)}`);
}

describe('diffLines', () => {
  it('finds nothing between equal or empty inputs', () => {
    expect(diffLines([], [])).toEqual([]);
    expect(diffLines(['a', 'b'], ['a', 'b'])).toEqual([]);
  });

  it('numbers an insertion at the top, inside and at the bottom as git does', () => {
    expect(diffLines(['b', 'c'], ['a', 'b', 'c'])).toEqual([
      { oldStart: 0, oldLines: 0, newStart: 1, newLines: 1, removed: [], added: ['a'] },
    ]);
    expect(diffLines(['a', 'c'], ['a', 'b', 'c'])).toEqual([
      { oldStart: 1, oldLines: 0, newStart: 2, newLines: 1, removed: [], added: ['b'] },
    ]);
    expect(diffLines(['a', 'b'], ['a', 'b', 'c', 'd'])).toEqual([
      { oldStart: 2, oldLines: 0, newStart: 3, newLines: 2, removed: [], added: ['c', 'd'] },
    ]);
  });

  it('writes a whole new file and deletes a whole old one', () => {
    expect(diffLines([], ['x', 'y'])).toEqual([
      { oldStart: 0, oldLines: 0, newStart: 1, newLines: 2, removed: [], added: ['x', 'y'] },
    ]);
    expect(diffLines(['x', 'y'], [])).toEqual([
      { oldStart: 1, oldLines: 2, newStart: 0, newLines: 0, removed: ['x', 'y'], added: [] },
    ]);
  });

  it('changes the fewest lines possible and its hunks rebuild the new lines (random cases)', () => {
    const generate = randomLines(7);
    for (let round = 0; round < 300; round++) {
      const oldLines = generate(round % 40, 1 + (round % 6));
      const newLines = generate((round * 7) % 40, 1 + (round % 6));
      const hunks = diffLines(oldLines, newLines);
      expect(applyHunks(oldLines, hunks)).toEqual(newLines);
      expect(changedLines(hunks)).toBe(
        oldLines.length + newLines.length - 2 * longestCommonSubsequence(oldLines, newLines),
      );
    }
  });

  it('stays correct and no worse than git past the exact-search budget (a mostly rewritten large file)', () => {
    const generate = randomLines(11);
    // Few distinct lines and many changes push the exact search over its budget; shared unique lines are anchors.
    const withAnchors = (lines: string[]) => lines.map((line, i) => (i % 3 === 0 ? `anchor ${i}` : line));
    const oldLines = withAnchors(generate(6000, 40));
    const newLines = withAnchors(generate(6000, 40));
    const hunks = diffLines(oldLines, newLines);
    expect(applyHunks(oldLines, hunks)).toEqual(newLines);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'line-diff-'));
    try {
      writeFileSync(path.join(dir, 'old'), oldLines.join('\n') + '\n');
      writeFileSync(path.join(dir, 'new'), newLines.join('\n') + '\n');
      const numstat = execGitNumstat(path.join(dir, 'old'), path.join(dir, 'new'));
      expect(changedLines(hunks)).toBeLessThanOrEqual(numstat);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still rebuilds the new lines when the alignment runs out of work (no unique lines to anchor on)', () => {
    const generate = randomLines(5);
    // Past the work budget (see test/diff/alignment.test.ts): the rest shows as removed and added whole.
    const oldLines = generate(6000, 40);
    const newLines = generate(6000, 40);
    const hunks = diffLines(oldLines, newLines);
    expect(applyHunks(oldLines, hunks)).toEqual(newLines);
  });
});

function execGitNumstat(oldPath: string, newPath: string): number {
  let output: string;
  try {
    output = execFileSync('git', ['diff', '--no-index', '--numstat', oldPath, newPath]).toString();
  } catch (error) {
    output = (error as { stdout: Buffer }).stdout.toString();
  }
  const [added, removed] = output.split('\t');
  return Number(added) + Number(removed);
}

describe('diffTexts', () => {
  it('treats CRLF → LF as a change of that line, as git does', () => {
    expect(diffTexts('a\r\nb\r\n', 'a\nb\r\n').hunks).toEqual([
      { oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, removed: ['a\r'], added: ['a'] },
    ]);
  });

  it('shows a missing final newline as a change of the last line and round-trips it', () => {
    const cases: Array<[string, string]> = [
      ['a\nb', 'a\nb\n'],
      ['a\nb\n', 'a\nb'],
      ['a\nb', 'a\nc'],
      ['b', 'b\nc'],
      ['x\nb', 'b\nx\nb'],
      ['', 'only'],
    ];
    for (const [oldText, newText] of cases) {
      const diff = diffTexts(oldText, newText);
      const rebuilt = applyHunks(diff.old.lines, diff.hunks);
      expect(rebuilt.join('\n') + (diff.new.finalNewline ? '\n' : '')).toBe(newText);
    }
    // The last line without '\n' never matches the same text with one.
    expect(diffTexts('b', 'b\nc').hunks).toEqual([
      { oldStart: 1, oldLines: 1, newStart: 1, newLines: 2, removed: ['b'], added: ['b', 'c'] },
    ]);
    expect(diffTexts('a\nb', 'a\nb').hunks).toEqual([]);
  });

  it('prints the "No newline" markers where git prints them', () => {
    const diff = diffTexts('x\ny', 'x\nz');
    expect(formatUnifiedDiff(diff.hunks, { oldName: 'f', newName: 'f', old: diff.old, new: diff.new })).toBe(
      '--- a/f\n+++ b/f\n@@ -2 +2 @@ x\n-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n',
    );
  });

  it('splits text into lines and back', () => {
    expect(splitLines('')).toEqual({ lines: [], finalNewline: false });
    expect(splitLines('\n')).toEqual({ lines: [''], finalNewline: true });
    expect(splitLines('a\r\nb')).toEqual({ lines: ['a\r', 'b'], finalNewline: false });
  });
});

describe('decodeFileContent', () => {
  it('decodes UTF-8 with and without a byte-order mark', () => {
    expect(decodeFileContent(Buffer.from('héllo\n'))).toEqual({
      kind: 'text',
      text: 'héllo\n',
      hadBom: false,
    });
    expect(decodeFileContent(Buffer.from('\ufeffhéllo\n'))).toEqual({
      kind: 'text',
      text: 'héllo\n',
      hadBom: true,
    });
  });

  it('decodes UTF-16 little- and big-endian when they start with a byte-order mark', () => {
    const littleEndian = Buffer.from('\ufeffhé 😀\n', 'utf16le');
    const bigEndian = Buffer.from(littleEndian).swap16();
    expect(decodeFileContent(littleEndian)).toEqual({ kind: 'text', text: 'hé 😀\n', hadBom: true });
    expect(decodeFileContent(bigEndian)).toEqual({ kind: 'text', text: 'hé 😀\n', hadBom: true });
    expect(decodeFileContent(littleEndian.subarray(0, littleEndian.length - 1)).kind).toBe('undecodable');
  });

  it('calls a file binary when its first 8000 bytes hold a NUL byte, like git', () => {
    expect(decodeFileContent(Buffer.from('PNG\0data'))).toEqual({ kind: 'binary' });
    const lateNul = Buffer.concat([Buffer.alloc(8000, 'a'), Buffer.from('\0')]);
    expect(decodeFileContent(lateNul).kind).toBe('text');
  });

  it('reports invalid UTF-8 as undecodable with a reason', () => {
    const latin1 = Buffer.from('caf\xe9\n', 'latin1');
    expect(decodeFileContent(latin1)).toEqual({
      kind: 'undecodable',
      reason: expect.stringContaining('UTF-8'),
    });
  });
});

class TextSink extends Writable {
  text = '';
  _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('ado-reviewer diff', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'diff-cli-'));
    const write = (relative: string, content: string | Buffer) => {
      mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
      writeFileSync(path.join(root, relative), content);
    };
    write('old/same.txt', 'a\nb\n');
    write('new/same.txt', 'a\nb\n');
    write('old/noeol.txt', 'def f():\n  x\n  y');
    write('new/noeol.txt', 'def f():\n  x\n  z');
    write('old/sub/removed.txt', 'gone\n');
    write('new/sub/added.txt', 'new\n');
    write('new/sub/empty-added', '');
    write('old/with space.txt', 'p\nq\n');
    write('new/with space.txt', 'p\nr\n');
    write('old/ä ö.txt', 'grüße\n');
    write('new/ä ö.txt', 'grüsse\n');
    write('old/tab\tname', 'x\n');
    write('new/tab\tname', 'y\n');
    write('old/image.bin', Buffer.from('\0old'));
    write('new/image.bin', Buffer.from('\0new'));
    write('old/crlf.txt', 'one\r\ntwo\r\n');
    write('new/crlf.txt', 'one\ntwo\r\n');
    write('old/bom.txt', '\ufeffh\n');
    write('new/bom.txt', 'h\n');
    write('old/run.sh', 'echo\n');
    write('new/run.sh', 'echo hi\n');
    chmodSync(path.join(root, 'new/run.sh'), 0o755);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function run(args: string[]) {
    const out = new TextSink();
    const err = new TextSink();
    const code = runDiffCommand(args, out, err);
    return { code, out: out.text, err: err.text };
  }

  it('prints what git diff --no-index -U0 prints for two directories', async () => {
    const [oldDir, newDir] = [path.join(root, 'old'), path.join(root, 'new')];
    const ours = await run([oldDir, newDir]);
    expect(ours).toEqual({ code: 0, out: await gitNoIndex(['-U0', oldDir, newDir]), err: '' });
    expect(ours.out).toContain('/old/\\303\\244 \\303\\266.txt"');
    expect(ours.out).toContain('/old/image.bin and b/');
  });

  it('prints what git prints for two files, and nothing (exit 0) for equal ones', async () => {
    const [oldFile, newFile] = [path.join(root, 'old/noeol.txt'), path.join(root, 'new/noeol.txt')];
    expect(await run([oldFile, newFile])).toEqual({
      code: 0,
      out: await gitNoIndex(['-U0', oldFile, newFile]),
      err: '',
    });
    expect(await run([path.join(root, 'old/same.txt'), path.join(root, 'new/same.txt')])).toEqual({
      code: 0,
      out: '',
      err: '',
    });
  });

  it('exits 2 with a message for a missing path or wrong arguments', async () => {
    const missing = await run([path.join(root, 'old/nope.txt'), path.join(root, 'new/same.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('nope.txt');
    expect((await run(['only-one'])).code).toBe(2);
  });

  it('dispatches by command name and rejects unknown commands with exit 2', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'ado-reviewer', 'no-such-command'])).toBe(2);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('usage: ado-reviewer'));
    } finally {
      stderr.mockRestore();
    }
  });
});
