import { ModelCallError } from './failures';
import { DeadlineReachedError } from './jobDeadline';
import { LockLostError } from './reviewStore';

/**
 * Not a failure of the review: its lock passed to another job, or its deadline came. The job stops writing, and
 * another job continues from what is saved. Returns the cause (unwrapped from a model call's error), if it is one.
 */
export function handOverOf(error: unknown): Error | undefined {
  const cause = error instanceof ModelCallError ? error.original : error;
  return cause instanceof LockLostError || cause instanceof DeadlineReachedError ? cause : undefined;
}

export const isHandOver = (error: unknown) => handOverOf(error) !== undefined;
