import { positiveInt } from './fields';

/** How much of a pull request one review takes on; shared by the app and the local review command. */
export const limitsShape = {
  REVIEW_MAX_FILES: positiveInt(300),
  REVIEW_MAX_FILE_BYTES: positiveInt(512 * 1024),
  REVIEW_MAX_PROMPT_CHARS: positiveInt(120_000),
};

export interface ReviewLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxPromptChars: number;
}

export function reviewLimitsOf(env: {
  REVIEW_MAX_FILES: number;
  REVIEW_MAX_FILE_BYTES: number;
  REVIEW_MAX_PROMPT_CHARS: number;
}): ReviewLimits {
  return {
    maxFiles: env.REVIEW_MAX_FILES,
    maxFileBytes: env.REVIEW_MAX_FILE_BYTES,
    maxPromptChars: env.REVIEW_MAX_PROMPT_CHARS,
  };
}
