import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DiffReply, DiffRequest } from './diffWorker';
import type { DiffHunk } from './hunks';
import { diffTexts, splitLines, type TextDiff } from './lineDiff';

/**
 * diffTexts off the event loop. A large or pathological pair of files can take the diff hundreds of milliseconds
 * (within its work budget); on the loop that starves the lock's lease renewals and every other invocation in the
 * worker process. So a pair goes to a small pool of reused worker threads, and only small pairs stay inline.
 *
 * INLINE_MAX_CHARS: measured on this project's diff, the worst inputs of 8 KiB (both sides together: many short,
 * repeated, shuffled lines) take about 20 ms warm, below which a thread's round trip (a few ms, copying both texts)
 * gains nothing; 16 KiB already takes about 70 ms.
 */
const INLINE_MAX_CHARS = 8 * 1024;
/** One thread per spare core, at most two: the diff must not crowd out the invocations it protects. */
const POOL_SIZE = Math.max(1, Math.min(2, availableParallelism() - 1));

interface Task {
  request: DiffRequest;
  resolve(positions: Int32Array): void;
  reject(error: Error): void;
}

interface PooledWorker {
  worker: Worker;
  task?: Task;
}

/**
 * The worker's script. From dist/ it is the compiled diffWorker.js; from the TypeScript sources (the tests) a small
 * bootstrap compiles the sources on require, as test/support/transpileOnRequire.js does for child processes.
 */
function startWorker(): Worker {
  const compiled = __filename.endsWith('.js');
  if (compiled) return new Worker(path.join(__dirname, 'diffWorker.js'));
  const bootstrap = `
    const ts = require('typescript');
    const fs = require('node:fs');
    require.extensions['.ts'] = (module, filename) => {
      const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: filename,
      });
      module._compile(outputText, filename);
    };
    require(${JSON.stringify(path.join(__dirname, 'diffWorker.ts'))});`;
  return new Worker(bootstrap, { eval: true });
}

const pool: PooledWorker[] = [];
const waiting: Task[] = [];
let nextId = 1;

function dispatch(): void {
  while (waiting.length > 0) {
    let idle = pool.find((pooled) => pooled.task === undefined);
    if (idle === undefined && pool.length < POOL_SIZE) idle = spawn();
    if (idle === undefined) return;
    const task = waiting.shift() as Task;
    idle.task = task;
    idle.worker.ref();
    idle.worker.postMessage(task.request, [task.request.oldBytes.buffer, task.request.newBytes.buffer]);
  }
}

function spawn(): PooledWorker {
  const pooled: PooledWorker = { worker: startWorker() };
  const fail = (error: Error) => {
    // A broken thread leaves the pool; its task fails, the others go to a new thread.
    pool.splice(pool.indexOf(pooled), 1);
    pooled.task?.reject(error);
    pooled.task = undefined;
    dispatch();
  };
  pooled.worker.on('message', (reply: DiffReply) => {
    const task = pooled.task;
    pooled.task = undefined;
    // An idle thread must not keep the process alive (the host, a test run, the command line).
    pooled.worker.unref();
    if (task !== undefined) {
      if ('error' in reply) task.reject(new Error(reply.error));
      else task.resolve(reply.positions);
    }
    dispatch();
  });
  pooled.worker.on('error', fail);
  pooled.worker.on('exit', (code) => {
    if (pool.includes(pooled)) fail(new Error(`the diff thread exited with code ${code}`));
  });
  pool.push(pooled);
  return pooled;
}

function hunksAt(positions: Int32Array, oldLines: string[], newLines: string[]): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  // A side with no lines has its start on the line before the change (see hunks.ts), hence the `count > 0`.
  const from = (start: number, count: number) => (count > 0 ? start - 1 : start);
  for (let index = 0; index < positions.length; index += 4) {
    const [oldStart, oldCount, newStart, newCount] = positions.subarray(index, index + 4);
    hunks.push({
      oldStart,
      oldLines: oldCount,
      newStart,
      newLines: newCount,
      removed: oldLines.slice(from(oldStart, oldCount), from(oldStart, oldCount) + oldCount),
      added: newLines.slice(from(newStart, newCount), from(newStart, newCount) + newCount),
    });
  }
  return hunks;
}

/** diffTexts, with the same result, computed on a worker thread unless the texts are small. */
export async function diffTextsOffThread(oldText: string, newText: string): Promise<TextDiff> {
  if (oldText.length + newText.length <= INLINE_MAX_CHARS) return diffTexts(oldText, newText);
  const encoder = new TextEncoder();
  const request: DiffRequest = {
    id: nextId++,
    oldBytes: encoder.encode(oldText),
    newBytes: encoder.encode(newText),
  };
  const positions = await new Promise<Int32Array>((resolve, reject) => {
    waiting.push({ request, resolve, reject });
    dispatch();
  });
  const oldSplit = splitLines(oldText);
  const newSplit = splitLines(newText);
  return { hunks: hunksAt(positions, oldSplit.lines, newSplit.lines), old: oldSplit, new: newSplit };
}
