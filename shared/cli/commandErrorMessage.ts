import { z } from 'zod';
import { errorMessage } from '../errors/errorMessage';

/**
 * A failed setup-hooks, remove-hooks, setup-gate or rotate-webhook-password: a schema mismatch is Azure DevOps
 * answering oddly.
 */
export function commandErrorMessage(error: unknown): string {
  if (error instanceof z.ZodError) {
    return `Azure DevOps answered in an unexpected shape:\n${z.prettifyError(error)}`;
  }
  return errorMessage(error);
}
