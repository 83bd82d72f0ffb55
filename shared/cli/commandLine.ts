import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { blankAsUnset } from '../config/fields';
import { errorMessage } from '../errors/errorMessage';
import { describeZodIssues } from '../validation/describeZodIssues';

/**
 * The steps every administration command's parser starts with (setup-hooks, remove-hooks, setup-gate): its flags,
 * unknown ones refused; --help; a rewrite of the flags (--repo-url standing for others), which may name a problem;
 * then the options and the environment against their schemas, every problem named at once. Blank variables count
 * as unset and values are trimmed, as the app's own configuration reads them.
 */

type CommandLine<Options, Environment> =
  | { help: true }
  /** A value is absent when it did not pass its schema. */
  | { options?: Options; environment?: Environment; problems: string[] };

/** What an administration command's parser makes of its command line: --help, the invocation, or its problems. */
export type ParsedInvocation<Invocation> =
  { help: true } | { invocation: Invocation } | { problems: string[] };

/**
 * --help or the problems, answered as every administration command answers them: the usage on stdout (exit 0), or
 * each problem on a line of its own and then the usage on stderr (exit 2).
 */
export function answerHelpOrProblems(
  parsed: { help: true } | { problems: string[] },
  command: string,
  usage: string,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): number {
  if ('help' in parsed) {
    io.out.write(usage);
    return 0;
  }
  io.err.write(
    `${parsed.problems.map((problem) => `ado-reviewer ${command}: ${problem}\n`).join('')}${usage}`,
  );
  return 2;
}

export function readCommandLine<Options, Environment>(
  args: string[],
  env: NodeJS.ProcessEnv,
  spec: {
    flags: NonNullable<ParseArgsConfig['options']>;
    rewrite: (flags: Record<string, unknown>) => Record<string, unknown> | string;
    options: z.ZodType<Options>;
    environment: z.ZodType<Environment>;
  },
): CommandLine<Options, Environment> {
  let flags: Record<string, unknown>;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: { ...spec.flags, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (error) {
    return { problems: [errorMessage(error)] };
  }
  if (flags.help) return { help: true };
  const target = spec.rewrite(flags);
  if (typeof target === 'string') return { problems: [target] };
  const options = spec.options.safeParse(target);
  const environment = spec.environment.safeParse(blankAsUnset(env));
  return {
    options: options.data,
    environment: environment.data,
    problems: [
      ...(options.error ? describeZodIssues(options.error, { pathPrefix: '--' }) : []),
      ...(environment.error ? describeZodIssues(environment.error) : []),
    ],
  };
}
