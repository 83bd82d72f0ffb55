import { mapWithConcurrency } from '../../concurrency/concurrencyLimit';
import { diffTextsOffThread } from '../../diff/diffOffThread';
import { decodeFileContent } from '../../diff/fileContent';
import {
  PROMPT_FULL,
  type CollectedChanges,
  type ReviewedFile,
  type SkippedFile,
} from '../domain/changedFile';
import {
  changeSides,
  type FileChange,
  type PullRequestIteration,
  type PullRequestReader,
  type PullRequestRef,
} from '../domain/platform';

interface CollectLimits {
  maxFiles: number;
  maxFileBytes: number;
  /** Once this much diff text is collected, further files are not fetched: they could not be shown anyway. */
  maxDiffChars: number;
  /** Parallel content downloads. */
  concurrency: number;
}

type Side = { text: string } | { skip: string };

async function readSide(
  platform: PullRequestReader,
  ref: PullRequestRef,
  path: string | undefined,
  commitId: string,
  maxFileBytes: number,
): Promise<Side> {
  if (path === undefined) return { text: '' };
  // The limit goes with the read: an oversize file is never downloaded whole, let alone held in memory.
  const content = await platform.getFileContent(ref, path, commitId, maxFileBytes);
  if (content === undefined) return { text: '' };
  if (content.kind === 'tooLarge') return { skip: `larger than ${maxFileBytes} bytes` };
  const decoded = decodeFileContent(content.bytes);
  if (decoded.kind === 'binary') return { skip: 'binary file' };
  if (decoded.kind === 'undecodable') return { skip: decoded.reason };
  return { text: decoded.text };
}

/**
 * Fetches both sides of every changed file and diffs them. Left is the iteration's merge base (or, for an
 * incremental comparison, the earlier iteration's source commit); right is the iteration's source commit.
 * `onFile` is given each file with a text change once it and every change before it are done, so what it sees is
 * in the changes' order however the reads finish (the review starts its first stage while later files are read).
 */
export async function collectChanges(
  platform: PullRequestReader,
  ref: PullRequestRef,
  iteration: PullRequestIteration,
  changes: FileChange[],
  limits: CollectLimits,
  leftCommitId: string = iteration.commonCommitId,
  onFile?: (file: ReviewedFile) => void,
): Promise<CollectedChanges> {
  const skipped: SkippedFile[] = [];
  const files = changes.filter((change) => !change.isFolder);
  const reviewable = files.slice(0, limits.maxFiles);
  for (const change of files.slice(limits.maxFiles)) {
    skipped.push({ path: change.path, reason: `over the limit of ${limits.maxFiles} files per review` });
  }

  type Collected = { skip: SkippedFile } | { file: ReviewedFile };
  const done: (Collected | undefined)[] = [];
  let handedOn = 0;
  const handOn = (index: number, item: Collected) => {
    done[index] = item;
    for (let next = done[handedOn]; next !== undefined; next = done[++handedOn]) {
      if ('file' in next && next.file.hunks.length > 0) onFile?.(next.file);
    }
  };
  let diffChars = 0;
  const collect = async (change: FileChange): Promise<Collected> => {
    if (change.special === 'symlink')
      return { skip: { path: change.path, reason: 'symbolic link (not diffed)' } };
    if (change.special === 'submodule')
      return { skip: { path: change.path, reason: 'submodule (not diffed)' } };
    if (diffChars >= limits.maxDiffChars) return { skip: { path: change.path, reason: PROMPT_FULL } };
    if (change.kind === 'other')
      return { skip: { path: change.path, reason: `change type ${change.changeFlags.join(', ')}` } };
    const { leftPath, rightPath } = changeSides(change);
    const [left, right] = await Promise.all([
      readSide(platform, ref, leftPath, leftCommitId, limits.maxFileBytes),
      readSide(platform, ref, rightPath, iteration.sourceCommitId, limits.maxFileBytes),
    ]);
    if ('skip' in left) return { skip: { path: change.path, reason: left.skip } };
    if ('skip' in right) return { skip: { path: change.path, reason: right.skip } };
    const diff = await diffTextsOffThread(left.text, right.text);
    for (const hunk of diff.hunks) {
      for (const line of [...hunk.removed, ...hunk.added]) diffChars += line.length + 8;
    }
    return { file: { change, hunks: diff.hunks, oldLines: diff.old.lines, newLines: diff.new.lines } };
  };
  const collected = await mapWithConcurrency(reviewable, limits.concurrency, async (change, index) => {
    const item = await collect(change);
    handOn(index, item);
    return item;
  });

  const reviewed: ReviewedFile[] = [];
  for (const item of collected) {
    if ('skip' in item) skipped.push(item.skip);
    else if (item.file.hunks.length > 0) reviewed.push(item.file);
  }
  return { files: reviewed, skipped };
}
