import type { DiffHunk } from '../../diff/lineDiff';
import type { ReviewedFile, SkippedFile } from '../domain/changedFile';
import { renderFile } from './prompt';

/**
 * Stage 2a: packs the files that need review into chunks of at most `chunkTokens` diff tokens, counted with the
 * reviewing model's tokenizer. Files stay whole when they fit in a chunk, in path order (neighbours share a chunk);
 * a larger file is split at hunk boundaries into parts ("part 2 of 3"), and a single hunk larger than a chunk gets
 * a chunk of its own. Only a hunk larger than the model's whole context cannot be reviewed, and is listed as such.
 */

interface ChunkPart {
  file: ReviewedFile;
  hunks: DiffHunk[];
  text: string;
  tokens: number;
}

export interface ReviewChunk {
  index: number;
  parts: ChunkPart[];
  tokens: number;
  tier: 'reasoning' | 'heavy';
}

export interface ChunkLimits {
  chunkTokens: number;
  /** A chunk over this many tokens goes to the heavy tier. */
  heavyChunkTokens: number;
  /** The most diff tokens a prompt of the heavy tier can hold: a hunk over it cannot be reviewed. */
  maxChunkTokens: number;
}

/**
 * Paths whose changes go to the heavy tier whatever their size: authentication, authorisation, cryptography,
 * secrets handling, database migrations, and the pipelines and infrastructure that deploy the code.
 */
const SECURITY_SENSITIVE =
  /(^|[/_.-])(auth\w*|login|oauth\w*|sessions?|crypto\w*|security|secrets?|passwords?|permissions?|acl|rbac|migrations?)([/_.-]|$)|\.sql$|(^|\/)Dockerfile$|\.bicep$|\.tf$|(^|\/)\.github\/workflows\/|azure-pipelines[^/]*\.ya?ml$/i;

export const TOO_LARGE_FOR_CONTEXT = "a change larger than the model's context";

/** The rendered parts of a file: whole, or split at hunk boundaries into parts of at most `chunkTokens`. */
function partsOf(file: ReviewedFile, count: (text: string) => number, chunkTokens: number): ChunkPart[] {
  const whole = renderFile(file);
  const wholeTokens = count(whole);
  if (wholeTokens <= chunkTokens || file.hunks.length === 1) {
    return [{ file, hunks: file.hunks, text: whole, tokens: wholeTokens }];
  }
  const groups: DiffHunk[][] = [];
  let group: DiffHunk[] = [];
  let groupTokens = 0;
  for (const hunk of file.hunks) {
    const tokens = count(renderFile(file, [hunk]));
    if (group.length > 0 && groupTokens + tokens > chunkTokens) {
      groups.push(group);
      group = [];
      groupTokens = 0;
    }
    group.push(hunk);
    groupTokens += tokens;
  }
  groups.push(group);
  return groups.map((hunks, index) => {
    const text = renderFile(file, hunks, `part ${index + 1} of ${groups.length}`);
    return { file, hunks, text, tokens: count(text) };
  });
}

const isSensitive = (chunk: ChunkPart[]) =>
  chunk.some((part) => SECURITY_SENSITIVE.test(part.file.change.path));

export function packChunks(
  files: ReviewedFile[],
  count: (text: string) => number,
  limits: ChunkLimits,
): { chunks: ReviewChunk[]; tooLarge: SkippedFile[] } {
  const sorted = [...files].sort((a, b) => (a.change.path < b.change.path ? -1 : 1));
  const groups: ChunkPart[][] = [];
  const tooLarge: SkippedFile[] = [];
  let current: ChunkPart[] = [];
  let currentTokens = 0;
  for (const file of sorted) {
    for (const part of partsOf(file, count, limits.chunkTokens)) {
      if (part.tokens > limits.maxChunkTokens) {
        tooLarge.push({ path: file.change.path, reason: TOO_LARGE_FOR_CONTEXT });
        continue;
      }
      if (current.length > 0 && currentTokens + part.tokens > limits.chunkTokens) {
        groups.push(current);
        current = [];
        currentTokens = 0;
      }
      current.push(part);
      currentTokens += part.tokens;
    }
  }
  if (current.length > 0) groups.push(current);
  const chunks = groups.map((parts, index): ReviewChunk => {
    const tokens = parts.reduce((sum, part) => sum + part.tokens, 0);
    return {
      index,
      parts,
      tokens,
      tier: tokens > limits.heavyChunkTokens || isSensitive(parts) ? 'heavy' : 'reasoning',
    };
  });
  return { chunks, tooLarge };
}
