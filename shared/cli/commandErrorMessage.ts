import { z } from 'zod';

/** A failed setup-hooks, remove-hooks or rotate-webhook-password: a schema mismatch is Azure DevOps answering oddly. */
export function commandErrorMessage(error: unknown): string {
  if (error instanceof z.ZodError) {
    return `Azure DevOps answered in an unexpected shape:\n${z.prettifyError(error)}`;
  }
  return error instanceof Error ? error.message : String(error);
}
