import type { DiffHunk } from '../../diff/lineDiff';
import type { FileChange } from './platform';

/** A changed file as the review sees it: diffed, or left out with the reason. */

export interface ReviewedFile {
  change: FileChange;
  hunks: DiffHunk[];
  /** Left- and right-side lines, for showing context, anchoring comments and measuring offsets. */
  oldLines: string[];
  newLines: string[];
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface CollectedChanges {
  files: ReviewedFile[];
  skipped: SkippedFile[];
}

/** Why a file was left out because the review prompt's size limit was reached. */
export const PROMPT_FULL = 'did not fit in the review prompt';

/** Lines of the new file shown around each hunk, so the model sees what the change sits in. */
export const CONTEXT_LINES = 3;
