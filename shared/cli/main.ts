#!/usr/bin/env node
import { runDiffCommand } from './diffCommand';
import { runReviewLocalCommand } from './reviewLocalCommand';
import { runRemoveHooksCommand, runSetupHooksCommand } from './setupHooksCommand';

type Command = (args: string[], out: NodeJS.WritableStream) => Promise<number>;

/** Subcommands by name; each takes the arguments after its name and returns the exit code. */
const COMMANDS = new Map<string, Command>([
  ['diff', runDiffCommand],
  ['setup-hooks', (args, out) => runSetupHooksCommand(args, { env: process.env, out, err: process.stderr })],
  [
    'remove-hooks',
    (args, out) => runRemoveHooksCommand(args, { env: process.env, out, err: process.stderr }),
  ],
  [
    'review-local',
    (args, out) =>
      runReviewLocalCommand(args, { env: process.env, out, err: process.stderr, cwd: process.cwd() }),
  ],
]);

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv.slice(2);
  const command = name === undefined ? undefined : COMMANDS.get(name);
  if (!command) {
    process.stderr.write(
      `usage: ado-reviewer <command> [args]\ncommands: ${[...COMMANDS.keys()].join(', ')}\n`,
    );
    return 2;
  }
  return command(args, process.stdout);
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`ado-reviewer: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
