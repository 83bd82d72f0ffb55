import type { z } from 'zod';

/**
 * One line per problem, `path: message`, for answers and logs. Only paths and zod's messages are used, never the
 * input's values: a rejected payload or setting may hold a secret. A problem with the input as a whole is labelled
 * `root` when given, else it is zod's message alone.
 */
export function describeZodIssues(
  error: z.ZodError,
  options: { root?: string; pathPrefix?: string } = {},
): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (path !== '') return `${options.pathPrefix ?? ''}${path}: ${issue.message}`;
    return options.root === undefined ? issue.message : `${options.root}: ${issue.message}`;
  });
}
