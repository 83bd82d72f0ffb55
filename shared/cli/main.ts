#!/usr/bin/env node

import { errorMessage } from '../errors/errorMessage';

/**
 * `ado-reviewer <command> [args]`. Each command's module is imported only when that command runs, so a quick
 * command (diff) does not pay for loading the review stack, the model client or zod schemas it never uses.
 */

interface Io {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  cwd: string;
}

interface Command {
  summary: string;
  /** Takes the arguments after the command's name (`--help` included) and returns the exit code. */
  run: (args: string[], io: Io) => Promise<number>;
}

// A Map, not the object itself: a name such as `constructor` must not find a command.
const COMMANDS = new Map(
  Object.entries<Command>({
    diff: {
      summary: "the reviewer's zero-context unified diff of two files or two directories",
      run: async (args, io) => (await import('./diffCommand')).runDiffCommand(args, io.out, io.err),
    },
    'review-local': {
      summary: 'review a local branch as the app reviews a pull request, and print the findings',
      run: async (args, io) => (await import('./reviewLocalCommand')).runReviewLocalCommand(args, io),
    },
    'check-llm': {
      summary:
        'send one small request per model tier and print the model, latency and tokens, or the failure',
      run: async (args, io) => (await import('./checkLlmCommand')).runCheckLlmCommand(args, io),
    },
    'check-access': {
      summary:
        "print what the app's Azure DevOps identity can do on a repository (read, post threads and statuses)",
      run: async (args, io) => (await import('./checkAccessCommand')).runCheckAccessCommand(args, io),
    },
    'setup-hooks': {
      summary: 'create or update the service-hook subscriptions that send pull-request events to the app',
      run: async (args, io) => (await import('./setupHooksCommand')).runSetupHooksCommand(args, io),
    },
    'remove-hooks': {
      summary: 'delete the service-hook subscriptions setup-hooks made',
      run: async (args, io) => (await import('./setupHooksCommand')).runRemoveHooksCommand(args, io),
    },
    'setup-gate': {
      summary:
        "create or update the branch policy requiring the review status, posted by the bot's identity only",
      run: async (args, io) => (await import('./setupGateCommand')).runSetupGateCommand(args, io),
    },
    'rotate-webhook-password': {
      summary:
        'rotate the webhook password in Key Vault and in every subscription, without a refused delivery',
      run: async (args, io) =>
        (await import('./rotateWebhookPasswordCommand')).runRotateWebhookPasswordCommand(args, io),
    },
  }),
);

const HELP_FLAGS = new Set(['--help', '-h', 'help']);

function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length));
  return (
    'usage: ado-reviewer <command> [args]\n' +
    "       ado-reviewer <command> --help   (that command's usage)\n" +
    'commands:\n' +
    [...COMMANDS].map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}\n`).join('')
  );
}

export async function main(argv: string[]): Promise<number> {
  let [name, ...args] = argv.slice(2);
  const io: Io = { env: process.env, out: process.stdout, err: process.stderr, cwd: process.cwd() };
  if (name !== undefined && HELP_FLAGS.has(name)) {
    if (args.length === 0) {
      io.out.write(usage());
      return 0;
    }
    // `help <command>` is `<command> --help`.
    [name, args] = [args[0], ['--help', ...args.slice(1)]];
  }
  const command = name === undefined ? undefined : COMMANDS.get(name);
  if (!command) {
    io.err.write(`${name === undefined ? '' : `ado-reviewer: unknown command "${name}"\n`}${usage()}`);
    return 2;
  }
  return command.run(args, io);
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`ado-reviewer: ${errorMessage(error)}\n`);
      process.exitCode = 1;
    },
  );
}
