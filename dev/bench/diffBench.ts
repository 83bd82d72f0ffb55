import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runDiffCommand } from '../../shared/cli/diffCommand';
import { decodeFileContent } from '../../shared/diff/fileContent';
import { diffTexts } from '../../shared/diff/lineDiff';
import { gitChangedLineCounts, listFiles, unpackedPackage, type VersionPair } from './npmPackages';

/**
 * The reviewer's line diff against `git diff --no-index -U0` on real file histories (two published versions of
 * npm packages, fetched with `npm pack` into the shared cache when absent).
 *
 * Measured, as the median of RUNS after one warm-up:
 * - git: wall time of one `git diff --no-index -U0 OLD NEW` process (start-up included, a few ms; output discarded);
 * - ours: `runDiffCommand([OLD, NEW])` in this process, the same work: read both sides, decode, diff, format
 *   (output discarded).
 * First for whole package directories (one git process per directory pair), then for the largest changed files
 * (one git process per file pair). Changed-line counts are git's numstat against ours (added + removed lines).
 * Prints figures; asserts nothing. Targets: time ≤ 1.5× git's, changed lines ≤ git's + 1 %.
 */

const PAIRS: VersionPair[] = [
  { name: 'lodash', oldVersion: '4.17.15', newVersion: '4.17.21' },
  { name: 'zod', oldVersion: '3.22.4', newVersion: '3.23.8' },
  { name: 'eslint', oldVersion: '9.10.0', newVersion: '9.20.0' },
  // 5.5 re-bundled typescript.js with different indentation: nearly every line changes, the hard case for O(ND).
  { name: 'typescript', oldVersion: '5.4.5', newVersion: '5.5.4' },
];
const RUNS = 3;
const LARGE_FILES = 8;

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeMedian(task: () => Promise<void> | void): Promise<number> {
  await task();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  return median(times);
}

const timeGit = (oldPath: string, newPath: string) =>
  timeMedian(() => {
    const result = spawnSync('git', ['diff', '--no-index', '-U0', oldPath, newPath], { stdio: 'ignore' });
    if (result.status !== 0 && result.status !== 1)
      throw new Error(`git diff failed on ${oldPath} ${newPath}`);
  });

const timeOurs = (oldPath: string, newPath: string) =>
  timeMedian(async () => {
    const code = runDiffCommand([oldPath, newPath], discard(), discard());
    if (code !== 0) throw new Error(`ado-reviewer diff failed on ${oldPath} ${newPath}`);
  });

async function ourChangedLines(oldPath: string, newPath: string): Promise<number> {
  const oldFile = decodeFileContent(await fs.readFile(oldPath));
  const newFile = decodeFileContent(await fs.readFile(newPath));
  if (oldFile.kind !== 'text' || newFile.kind !== 'text') return 0;
  return diffTexts(oldFile.text, newFile.text).hunks.reduce(
    (sum, hunk) => sum + hunk.oldLines + hunk.newLines,
    0,
  );
}

const ratio = (ours: number, git: number) => `${(ours / git).toFixed(2)}×`;
const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;
const percent = (ours: number, git: number) => `${(((ours - git) / git) * 100).toFixed(2).padStart(6)} %`;

interface FilePair {
  label: string;
  oldPath: string;
  newPath: string;
  bytes: number;
  gitLines: number;
}

async function main(): Promise<void> {
  console.log(
    `diff benchmark: median of ${RUNS} runs after a warm-up; git is one process per row, ours in-process\n`,
  );
  console.log('directory pairs (all files)'.padEnd(44) + '      git       ours   ratio');
  const candidates: FilePair[] = [];
  let gitDirTotal = 0;
  let ourDirTotal = 0;
  for (const pair of PAIRS) {
    const oldDir = await unpackedPackage(pair.name, pair.oldVersion);
    const newDir = await unpackedPackage(pair.name, pair.newVersion);
    const gitTime = await timeGit(oldDir, newDir);
    const ourTime = await timeOurs(oldDir, newDir);
    gitDirTotal += gitTime;
    ourDirTotal += ourTime;
    const label = `${pair.name} ${pair.oldVersion} → ${pair.newVersion}`;
    console.log(`${label.padEnd(44)}${ms(gitTime)} ${ms(ourTime)}   ${ratio(ourTime, gitTime)}`);
    const gitCounts = await gitChangedLineCounts(oldDir, newDir);
    const newFiles = new Set(await listFiles(newDir));
    for (const file of await listFiles(oldDir)) {
      const gitLines = gitCounts.get(file);
      if (!newFiles.has(file) || gitLines === undefined || gitLines === 0) continue;
      const oldPath = path.join(oldDir, file);
      const newPath = path.join(newDir, file);
      const bytes = (await fs.stat(oldPath)).size + (await fs.stat(newPath)).size;
      candidates.push({ label: `${pair.name}/${file}`, oldPath, newPath, bytes, gitLines });
    }
  }
  console.log(
    `${'sum'.padEnd(44)}${ms(gitDirTotal)} ${ms(ourDirTotal)}   ${ratio(ourDirTotal, gitDirTotal)}\n`,
  );

  const large = candidates.sort((a, b) => b.bytes - a.bytes).slice(0, LARGE_FILES);
  console.log(
    `largest changed files (old+new size)`.padEnd(52) +
      '      git       ours   ratio   git lines  our lines   diff',
  );
  let gitTotal = 0;
  let ourTotal = 0;
  let gitLinesTotal = 0;
  let ourLinesTotal = 0;
  for (const file of large) {
    const gitTime = await timeGit(file.oldPath, file.newPath);
    const ourTime = await timeOurs(file.oldPath, file.newPath);
    const ourLines = await ourChangedLines(file.oldPath, file.newPath);
    gitTotal += gitTime;
    ourTotal += ourTime;
    gitLinesTotal += file.gitLines;
    ourLinesTotal += ourLines;
    const label = `${file.label} (${(file.bytes / 1e6).toFixed(1)} MB)`;
    console.log(
      `${label.padEnd(52)}${ms(gitTime)} ${ms(ourTime)}   ${ratio(ourTime, gitTime)}` +
        `${String(file.gitLines).padStart(12)}${String(ourLines).padStart(11)} ${percent(ourLines, file.gitLines)}`,
    );
  }
  console.log(
    `${'sum'.padEnd(52)}${ms(gitTotal)} ${ms(ourTotal)}   ${ratio(ourTotal, gitTotal)}` +
      `${String(gitLinesTotal).padStart(12)}${String(ourLinesTotal).padStart(11)} ${percent(ourLinesTotal, gitLinesTotal)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
