import type { ServiceHooksClient } from '../service-hooks/serviceHooksClient';
import { planRemoval, planSetup, type Outcome } from '../service-hooks/subscriptionPlanner';
import { answerHelpOrProblems } from './commandLine';
import { inEachOrganization, literalSecrets, type OrganizationOutput } from './inEachOrganization';
import {
  HOOKS_USAGE,
  parseHooksInvocation,
  type HooksCommandName,
  type HooksInvocation,
} from './setupHooksOptions';

/**
 * `ado-reviewer setup-hooks` / `remove-hooks`: creates, updates or deletes the three Web Hooks subscriptions
 * (Service Hooks REST API 7.1) that send pull-request events to the app's `/azure_webhooks` endpoint, printing one
 * line per subscription, in one organization or in each of the app's (hooksOrganizations.ts), one after the other:
 * a failure in one is reported and the others are still done. Exit 0 when done everywhere, 1 when Azure DevOps
 * failed somewhere, 2 on a bad invocation or an unknown project.
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
  if (!('invocation' in parsed)) return answerHelpOrProblems(parsed, command, HOOKS_USAGE[command], io);
  const { invocation } = parsed;
  // Nothing here prints a secret; this also keeps one out of an error message that echoes a request.
  const secrets = new Set(
    [invocation.credentials?.password, ...invocation.organizations.flatMap(literalSecrets)].filter(
      (secret): secret is string => !!secret,
    ),
  );
  const write = (stream: NodeJS.WritableStream, text: string) =>
    stream.write([...secrets].reduce((redacted, secret) => redacted.split(secret).join('***'), text));
  for (const warning of invocation.warnings) write(io.err, `ado-reviewer ${command}: warning: ${warning}\n`);
  const { code, notDone } = await inEachOrganization(
    invocation.organizations,
    {
      labelled: invocation.allOrganizations,
      out: (text) => write(io.out, `${text}\n`),
      err: (text) => write(io.err, `ado-reviewer ${command}: ${text}\n`),
      keepSecret: (secret) => secrets.add(secret),
    },
    (client, say) => changeSubscriptions(invocation, client, say),
  );
  if (invocation.allOrganizations && notDone.length > 0)
    write(
      io.err,
      `ado-reviewer ${command}: not done in ${notDone.length} of ${invocation.organizations.length} ` +
        `organizations: ${notDone.join(', ')}\n`,
    );
  return code;
}

/** One organization's plan, applied unless a dry run; throws what stops it. */
async function changeSubscriptions(
  invocation: HooksInvocation,
  client: ServiceHooksClient,
  say: OrganizationOutput,
): Promise<void> {
  // Every named project is looked up before anything is written, so a missing one leaves the organization as is.
  const projects = await client.findProjects(invocation.projects);
  const subscriptions = await client.listWebHookSubscriptions();
  const current = { webhookUrl: invocation.webhookUrl, projects, subscriptions };
  const { changes, warnings } = invocation.credentials
    ? await planSetup(current, invocation.credentials)
    : planRemoval(current);
  for (const warning of warnings) say.err(`warning: ${warning}`);
  for (const change of changes) {
    if (!invocation.dryRun) await change.apply?.(client);
    const outcome = invocation.dryRun ? DRY_RUN_WORDING[change.outcome] : change.outcome;
    say.out(`${outcome} ${change.eventType} ${change.project.name}`);
  }
  if (projects.length === 0) say.err('the organization has no projects');
  else if (changes.length === 0) say.err('no ado-reviewer subscriptions found');
}
