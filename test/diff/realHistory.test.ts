import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runDiffCommand } from '../../shared/cli/diffCommand';
import { decodeFileContent } from '../../shared/diff/fileContent';
import { diffTexts } from '../../shared/diff/lineDiff';
import {
  gitChangedLineCounts,
  gitNoIndex,
  listFiles,
  unpackedPackage,
  type VersionPair,
} from '../../dev/bench/npmPackages';

/**
 * The line diff on real histories: every changed file between two published versions of a few npm packages
 * (downloaded once with `npm pack` into os.tmpdir()/ado-reviewer-npm-cache), checked against the files themselves
 * and against `git diff --no-index` on the same pairs.
 */

const PAIRS: VersionPair[] = [
  { name: 'lodash', oldVersion: '4.17.15', newVersion: '4.17.21' },
  { name: 'zod', oldVersion: '3.22.4', newVersion: '3.23.8' },
  { name: 'eslint', oldVersion: '9.10.0', newVersion: '9.20.0' },
];

interface Unpacked {
  pair: VersionPair;
  oldDir: string;
  newDir: string;
}

const label = (pair: VersionPair) => `${pair.name} ${pair.oldVersion} → ${pair.newVersion}`;

let unpacked: Unpacked[];

beforeAll(async () => {
  // Fails (rather than skips) when the registry cannot be reached: the message from unpackedPackage says so.
  unpacked = [];
  for (const pair of PAIRS) {
    unpacked.push({
      pair,
      oldDir: await unpackedPackage(pair.name, pair.oldVersion),
      newDir: await unpackedPackage(pair.name, pair.newVersion),
    });
  }
}, 120_000);

function readText(file: string | null): string | undefined {
  if (file === null) return '';
  const decoded = decodeFileContent(readFileSync(file));
  return decoded.kind === 'text' ? (decoded.hadBom ? '\ufeff' : '') + decoded.text : undefined;
}

describe.each(PAIRS.map((pair, index) => [label(pair), index] as const))('%s', (_name, index) => {
  it('diffs every changed file exactly, at the right lines, with no more changed lines than git', async () => {
    const { oldDir, newDir } = unpacked[index];
    const gitCounts = await gitChangedLineCounts(oldDir, newDir);
    const oldFiles = new Set(await listFiles(oldDir));
    const newFiles = new Set(await listFiles(newDir));
    let diffed = 0;
    let ourTotal = 0;
    let gitTotal = 0;
    for (const file of [...new Set([...oldFiles, ...newFiles])].sort()) {
      const oldText = readText(oldFiles.has(file) ? path.join(oldDir, file) : null);
      const newText = readText(newFiles.has(file) ? path.join(newDir, file) : null);
      if (oldText === undefined || newText === undefined || oldText === newText) continue;
      const diff = diffTexts(oldText, newText);
      // (1) and (3): each hunk's lines are where it says, and applying the hunks gives the new file exactly.
      const rebuilt: string[] = [];
      let next = 0;
      for (const hunk of diff.hunks) {
        const oldAt = hunk.oldLines > 0 ? hunk.oldStart - 1 : hunk.oldStart;
        const newAt = hunk.newLines > 0 ? hunk.newStart - 1 : hunk.newStart;
        rebuilt.push(...diff.old.lines.slice(next, oldAt));
        expect({ file, at: oldAt, lines: diff.old.lines.slice(oldAt, oldAt + hunk.oldLines) }).toEqual({
          file,
          at: oldAt,
          lines: hunk.removed,
        });
        expect({ file, at: newAt, lines: diff.new.lines.slice(newAt, newAt + hunk.newLines) }).toEqual({
          file,
          at: rebuilt.length,
          lines: hunk.added,
        });
        rebuilt.push(...hunk.added);
        next = oldAt + hunk.oldLines;
      }
      rebuilt.push(...diff.old.lines.slice(next));
      expect({ file, text: rebuilt.join('\n') + (diff.new.finalNewline ? '\n' : '') }).toEqual({
        file,
        text: newText,
      });
      // (2) No more changed lines than git's numstat for the same pair.
      const ours = diff.hunks.reduce((sum, hunk) => sum + hunk.oldLines + hunk.newLines, 0);
      const git = gitCounts.get(file);
      if (git === undefined) throw new Error(`git diff --numstat reports no text change for ${file}`);
      expect({ file, ours: ours <= git ? 'no more than git' : `${ours} > git's ${git}` }).toEqual({
        file,
        ours: 'no more than git',
      });
      ourTotal += ours;
      gitTotal += git;
      diffed++;
    }
    expect(diffed).toBeGreaterThan(10);
    expect(ourTotal).toBeLessThanOrEqual(gitTotal);
  });
});

class TextSink extends Writable {
  text = '';
  _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Per file: its header lines (diff --git, mode, index, ---/+++, binary notice) and its @@ hunk headers. */
function parseUnifiedDiff(output: string): Array<{ header: string[]; hunkHeaders: string[] }> {
  const files: Array<{ header: string[]; hunkHeaders: string[] }> = [];
  for (const line of output.split('\n')) {
    if (line.startsWith('diff --git ')) files.push({ header: [line], hunkHeaders: [] });
    else if (line.startsWith('@@ ')) files[files.length - 1].hunkHeaders.push(line);
    else if (!/^[-+\\ ]/.test(line) || /^(---|\+\+\+) /.test(line)) {
      if (line !== '') files[files.length - 1].header.push(line);
    }
  }
  return files;
}

describe('ado-reviewer diff on real package directories', () => {
  it.each(PAIRS.slice(0, 2).map((pair, index) => [label(pair), index] as const))(
    '%s: same files and headers as git diff --no-index -U0, and nearly always the same hunks',
    async (_name, index) => {
      const { oldDir, newDir } = unpacked[index];
      const out = new TextSink();
      const err = new TextSink();
      expect(runDiffCommand([oldDir, newDir], out, err)).toBe(0);
      expect(err.text).toBe('');
      const ours = parseUnifiedDiff(out.text);
      const git = parseUnifiedDiff(await gitNoIndex(['-U0', oldDir, newDir]));
      expect(ours.map((file) => file.header)).toEqual(git.map((file) => file.header));
      // Where several alignments are equally small, git's search and ours may pick different ones; that is rare.
      const gitHunks = git.flatMap((file) => file.hunkHeaders);
      const ourHunks = new Set(
        ours.flatMap((file, fileIndex) => file.hunkHeaders.map((h) => `${fileIndex} ${h}`)),
      );
      const same = git.flatMap((file, fileIndex) =>
        file.hunkHeaders.filter((h) => ourHunks.has(`${fileIndex} ${h}`)),
      );
      expect(same.length / gitHunks.length).toBeGreaterThanOrEqual(0.9);
    },
  );
});
