import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Start-up cost of the command line: wall time of `ado-reviewer diff` on two small files (a fresh process that
 * loads only the diff command) next to a bare `node -e 0`, each the median of RUNS after one warm-up, the runs
 * alternating. Prints figures; asserts nothing. Target: ≤ 1.3× bare node.
 */

const root = path.join(__dirname, '../../..');
const cli = path.join(root, 'dist/shared/cli/main.js');
const RUNS = 15;
const TARGET = 1.3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time of one process, spawned and waited for; output discarded. */
function timeProcess(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return performance.now() - started;
}

/** Medians of each command's wall time; runs alternate so a change in the machine's load skews both alike. */
function timeInterleaved(commands: string[][]): number[] {
  for (const args of commands) timeProcess(args);
  const times = commands.map((): number[] => []);
  for (let run = 0; run < RUNS; run++)
    commands.forEach((args, index) => times[index].push(timeProcess(args)));
  return times.map(median);
}

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'cli-bench-'));
  try {
    const [oldFile, newFile] = [path.join(dir, 'old.txt'), path.join(dir, 'new.txt')];
    writeFileSync(oldFile, 'one\ntwo\nthree\nfour\n');
    writeFileSync(newFile, 'one\n2\nthree\nfour\nfive\n');
    const [bare, diff] = timeInterleaved([
      ['-e', '0'],
      [cli, 'diff', oldFile, newFile],
    ]);
    const ratio = diff / bare;
    console.log(`Process wall time, median of ${RUNS}:`);
    console.log(`  ${'node -e 0'.padEnd(28)} ${bare.toFixed(1).padStart(6)} ms`);
    console.log(`  ${'ado-reviewer diff OLD NEW'.padEnd(28)} ${diff.toFixed(1).padStart(6)} ms`);
    console.log(`  ratio ${ratio.toFixed(2)}× (target ≤ ${TARGET}×)${ratio > TARGET ? ': over target' : ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
