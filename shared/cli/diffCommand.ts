import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { decodeFileContent, type DecodedFile } from '../diff/fileContent';
import { diffTexts } from '../diff/lineDiff';
import {
  formatBinaryNotice,
  formatGitHeader,
  formatUnifiedDiff,
  type GitFileVersion,
} from '../diff/unifiedFormat';

const DIFF_USAGE =
  'usage: ado-reviewer diff <old-file> <new-file>\n       ado-reviewer diff <old-dir> <new-dir>\n';

/**
 * `ado-reviewer diff OLD NEW`: the zero-context unified diff `git diff --no-index -U0` prints for two files or two
 * directories (every file under them, added and removed ones too), computed with the reviewer's own line diff.
 * Exits 0 whether or not the inputs differ (and for `--help`), 2 on bad arguments or a missing path.
 */
export function runDiffCommand(
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = process.stderr,
): number {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    out.write(DIFF_USAGE);
    return 0;
  }
  if (args.length !== 2) {
    err.write(DIFF_USAGE);
    return 2;
  }
  const [oldArg, newArg] = args;
  const oldStat = lstatOrNull(oldArg);
  const newStat = lstatOrNull(newArg);
  if (!oldStat || !newStat) {
    err.write(`ado-reviewer diff: cannot access '${oldStat ? newArg : oldArg}': no such file or directory\n`);
    return 2;
  }
  const oldName = displayName(oldArg);
  const newName = displayName(newArg);
  if (oldStat.isDirectory() && newStat.isDirectory()) {
    diffDirectories(oldArg, oldName, newArg, newName, out, err);
    return 0;
  }
  // As git does, a file compared with a directory is compared with the file of the same name inside it.
  const [oldPath, newPath] = [
    oldStat.isDirectory() ? path.join(oldArg, path.basename(newArg)) : oldArg,
    newStat.isDirectory() ? path.join(newArg, path.basename(oldArg)) : newArg,
  ];
  const oldFile = readVersion(
    oldPath,
    oldStat.isDirectory() ? joinName(oldName, path.basename(newArg)) : oldName,
  );
  const newFile = readVersion(
    newPath,
    newStat.isDirectory() ? joinName(newName, path.basename(oldArg)) : newName,
  );
  if (!oldFile || !newFile) {
    err.write(
      `ado-reviewer diff: cannot access '${oldFile ? newPath : oldPath}': no such file or directory\n`,
    );
    return 2;
  }
  writeFileDiff(oldFile, newFile, out, err);
  return 0;
}

type Entry = { kind: 'dir' } | { kind: 'file' };

function diffDirectories(
  oldDir: string | null,
  oldName: string,
  newDir: string | null,
  newName: string,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): void {
  const oldEntries = oldDir === null ? new Map<string, Entry>() : listDirectory(oldDir);
  const newEntries = newDir === null ? new Map<string, Entry>() : listDirectory(newDir);
  for (const name of sortedNames([...new Set([...oldEntries.keys(), ...newEntries.keys()])])) {
    const oldEntry = oldEntries.get(name);
    const newEntry = newEntries.get(name);
    const oldPath = oldDir === null ? null : path.join(oldDir, name);
    const newPath = newDir === null ? null : path.join(newDir, name);
    const childOldName = joinName(oldName, name);
    const childNewName = joinName(newName, name);
    const oldFile = oldEntry?.kind === 'file' && oldPath ? readVersion(oldPath, childOldName) : null;
    const newFile = newEntry?.kind === 'file' && newPath ? readVersion(newPath, childNewName) : null;
    if (oldFile || newFile) writeFileDiff(oldFile, newFile, out, err);
    if (oldEntry?.kind === 'dir' || newEntry?.kind === 'dir') {
      diffDirectories(
        oldEntry?.kind === 'dir' ? oldPath : null,
        childOldName,
        newEntry?.kind === 'dir' ? newPath : null,
        childNewName,
        out,
        err,
      );
    }
  }
}

function writeFileDiff(
  oldFile: GitFileVersion | null,
  newFile: GitFileVersion | null,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): void {
  if (oldFile && newFile && oldFile.mode === newFile.mode && Buffer.from(oldFile.bytes).equals(newFile.bytes))
    return;
  let text = formatGitHeader(oldFile, newFile);
  const oldDecoded: DecodedFile = oldFile ? decodeFileContent(oldFile.bytes) : EMPTY;
  const newDecoded: DecodedFile = newFile ? decodeFileContent(newFile.bytes) : EMPTY;
  const oldName = oldFile?.path ?? null;
  const newName = newFile?.path ?? null;
  if (oldDecoded.kind === 'binary' || newDecoded.kind === 'binary') {
    text += formatBinaryNotice(oldName, newName);
  } else if (oldDecoded.kind === 'undecodable') {
    err.write(`ado-reviewer diff: ${oldName}: not diffed: ${oldDecoded.reason}\n`);
  } else if (newDecoded.kind === 'undecodable') {
    err.write(`ado-reviewer diff: ${newName}: not diffed: ${newDecoded.reason}\n`);
  } else {
    const diff = diffTexts(textAsGitSeesIt(oldDecoded), textAsGitSeesIt(newDecoded));
    text += formatUnifiedDiff(diff.hunks, { oldName, newName, old: diff.old, new: diff.new });
  }
  out.write(text);
}

const EMPTY: DecodedFile = { kind: 'text', text: '', hadBom: false };

/** git compares bytes, so a byte-order mark is part of the first line: adding or removing one changes that line. */
function textAsGitSeesIt(decoded: { text: string; hadBom: boolean }): string {
  return decoded.hadBom ? '\uFEFF' + decoded.text : decoded.text;
}

// Synchronous file access: a directory pair means thousands of small reads, and each asynchronous one costs a
// round trip through the thread pool that is longer than the read itself.
function readVersion(filePath: string, name: string): GitFileVersion | null {
  const stat = lstatOrNull(filePath);
  if (!stat || stat.isDirectory()) return null;
  if (stat.isSymbolicLink()) {
    return { path: name, mode: '120000', bytes: Buffer.from(readlinkSync(filePath), 'utf8') };
  }
  return { path: name, mode: stat.mode & 0o100 ? '100755' : '100644', bytes: readFileSync(filePath) };
}

function listDirectory(dir: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const dirent of readdirSync(dir, { withFileTypes: true })) {
    entries.set(dirent.name, { kind: dirent.isDirectory() ? 'dir' : 'file' });
  }
  return entries;
}

/** Names in byte order of their UTF-8 encoding, the order git walks a directory in. */
function sortedNames(names: string[]): string[] {
  return names
    .map((name) => ({ name, bytes: Buffer.from(name, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ name }) => name);
}

function lstatOrNull(filePath: string): Stats | null {
  return lstatSync(filePath, { throwIfNoEntry: false }) ?? null;
}

/** The path as git prints it after a/ and b/: forward slashes, no leading or trailing slash. */
function displayName(arg: string): string {
  return arg.split(path.sep).join('/').replace(/^\/+/, '').replace(/\/+$/, '');
}

function joinName(dirName: string, name: string): string {
  return dirName === '' ? name : `${dirName}/${name}`;
}
