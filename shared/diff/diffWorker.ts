import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../errors/errorMessage';
import { diffTexts } from './lineDiff';

/**
 * The worker thread behind diffTextsOffThread (diffOffThread.ts): diffs the two UTF-8 texts it is sent and answers
 * with the hunks' positions only, four numbers per hunk in a transferred Int32Array; the caller, which has the texts,
 * cuts the lines out itself rather than have them copied back.
 */

export interface DiffRequest {
  id: number;
  oldBytes: Uint8Array<ArrayBuffer>;
  newBytes: Uint8Array<ArrayBuffer>;
}

export type DiffReply = { id: number; positions: Int32Array } | { id: number; error: string };

const decoder = new TextDecoder();

parentPort?.on('message', ({ id, oldBytes, newBytes }: DiffRequest) => {
  try {
    const { hunks } = diffTexts(decoder.decode(oldBytes), decoder.decode(newBytes));
    const positions = new Int32Array(hunks.length * 4);
    hunks.forEach((hunk, index) =>
      positions.set([hunk.oldStart, hunk.oldLines, hunk.newStart, hunk.newLines], index * 4),
    );
    parentPort?.postMessage({ id, positions } satisfies DiffReply, [positions.buffer]);
  } catch (error) {
    parentPort?.postMessage({ id, error: errorMessage(error) } satisfies DiffReply);
  }
});
