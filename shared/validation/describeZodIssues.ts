import type { z } from 'zod';

/**
 * One line per problem, `path: message`, for answers and logs. Only paths and zod's messages are used, never the
 * input's values: a rejected payload or setting may hold a secret.
 */
export function describeZodIssues(
  error: z.ZodError,
  options: { root?: string; pathPrefix?: string } = {},
): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.');
    return `${path === '' ? (options.root ?? '(input)') : `${options.pathPrefix ?? ''}${path}`}: ${issue.message}`;
  });
}
