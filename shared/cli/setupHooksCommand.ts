import { ProjectNotFoundError, ServiceHooksClient } from '../service-hooks/serviceHooksClient';
import { planRemoval, planSetup, type Outcome } from '../service-hooks/subscriptionPlanner';
import { commandErrorMessage } from './commandErrorMessage';
import { HOOKS_USAGE, parseHooksInvocation, type HooksCommandName } from './setupHooksOptions';

/**
 * `ado-reviewer setup-hooks` / `remove-hooks`: creates, updates or deletes the three Web Hooks subscriptions
 * (Service Hooks REST API 7.1) that send pull-request events to the app's `/azure_webhooks` endpoint, printing one
 * line per subscription. Exit 0 when done, 1 when Azure DevOps fails, 2 on a bad invocation or unknown project.
 */

type Io = { env: NodeJS.ProcessEnv; out: NodeJS.WritableStream; err: NodeJS.WritableStream };

const DRY_RUN_WORDING: Record<Outcome, string> = {
  created: 'would create',
  updated: 'would update',
  unchanged: 'unchanged',
  deleted: 'would delete',
};

export function runSetupHooksCommand(args: string[], io: Io): Promise<number> {
  return runHooksCommand('setup-hooks', args, io);
}

export function runRemoveHooksCommand(args: string[], io: Io): Promise<number> {
  return runHooksCommand('remove-hooks', args, io);
}

async function runHooksCommand(command: HooksCommandName, args: string[], io: Io): Promise<number> {
  const parsed = parseHooksInvocation(command, args, io.env);
  if ('help' in parsed) {
    io.out.write(HOOKS_USAGE[command]);
    return 0;
  }
  if ('problems' in parsed) {
    io.err.write(
      `${parsed.problems.map((problem) => `ado-reviewer ${command}: ${problem}\n`).join('')}${HOOKS_USAGE[command]}`,
    );
    return 2;
  }
  const { invocation } = parsed;
  // Nothing here prints a secret; this also keeps one out of an error message that echoes a request.
  const secrets = [invocation.token, invocation.credentials?.password].filter(
    (secret): secret is string => !!secret,
  );
  const write = (stream: NodeJS.WritableStream, text: string) =>
    stream.write(secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text));
  try {
    const client = new ServiceHooksClient(invocation.orgUrl, invocation.token);
    const projects = await client.findProjects(invocation.projects);
    const subscriptions = await client.listWebHookSubscriptions();
    const { webhookUrl, credentials } = invocation;
    const { changes, warnings } = credentials
      ? await planSetup(webhookUrl, credentials, projects, subscriptions)
      : planRemoval(webhookUrl, projects, subscriptions);
    for (const warning of warnings) write(io.err, `ado-reviewer ${command}: warning: ${warning}\n`);
    for (const change of changes) {
      if (!invocation.dryRun) await change.apply?.(client);
      const outcome = invocation.dryRun ? DRY_RUN_WORDING[change.outcome] : change.outcome;
      write(io.out, `${outcome} ${change.eventType} ${change.project.name}\n`);
    }
    if (projects.length === 0) write(io.err, `ado-reviewer ${command}: the organization has no projects\n`);
    else if (changes.length === 0)
      write(io.err, `ado-reviewer ${command}: no ado-reviewer subscriptions found\n`);
    return 0;
  } catch (error) {
    const message = commandErrorMessage(error);
    write(io.err, `ado-reviewer ${command}: ${message}\n`);
    return error instanceof ProjectNotFoundError ? 2 : 1;
  }
}
