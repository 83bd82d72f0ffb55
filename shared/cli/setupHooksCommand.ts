import { credentialFor, type AzureDevOpsCredential } from '../azure-devops/azureDevOpsCredential';
import { getProcessSecretStore } from '../secrets/secretStore';
import { ProjectNotFoundError, ServiceHooksClient } from '../service-hooks/serviceHooksClient';
import { planRemoval, planSetup, type Outcome } from '../service-hooks/subscriptionPlanner';
import { commandErrorMessage } from './commandErrorMessage';
import type { HooksOrganization } from './hooksOrganizations';
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
  const secrets = new Set(
    [invocation.credentials?.password, ...invocation.organizations.flatMap(literalSecrets)].filter(
      (secret): secret is string => !!secret,
    ),
  );
  const write = (stream: NodeJS.WritableStream, text: string) =>
    stream.write([...secrets].reduce((redacted, secret) => redacted.split(secret).join('***'), text));
  for (const warning of invocation.warnings) write(io.err, `ado-reviewer ${command}: warning: ${warning}\n`);
  const failed: { url: string; code: number }[] = [];
  for (const target of invocation.organizations) {
    // Each line names its organization when there can be several.
    const label = invocation.allOrganizations ? `${target.organization.url}: ` : '';
    const code = await runInOrganization(invocation, target, {
      out: (text) => write(io.out, `${label}${text}\n`),
      err: (text) => write(io.err, `ado-reviewer ${command}: ${label}${text}\n`),
      keepSecret: (secret) => {
        if (secret !== '') secrets.add(secret);
      },
    });
    if (code !== 0) failed.push({ url: target.organization.url, code });
  }
  if (invocation.allOrganizations && failed.length > 0)
    write(
      io.err,
      `ado-reviewer ${command}: not done in ${failed.length} of ${invocation.organizations.length} ` +
        `organizations: ${failed.map((failure) => failure.url).join(', ')}\n`,
    );
  // An Azure DevOps failure anywhere outweighs an unknown project elsewhere: both say "not done", 1 says "retry".
  const codes = failed.map((failure) => failure.code);
  return codes.includes(1) ? 1 : codes.includes(2) ? 2 : 0;
}

/** The secrets an organization's settings hold as values (Key Vault ones are noted once read). */
function literalSecrets({ organization: { auth } }: HooksOrganization): string[] {
  const source =
    auth.mode === 'pat' ? auth.token : auth.mode === 'service-principal' ? auth.clientSecret : undefined;
  return source !== undefined && 'value' in source ? [source.value] : [];
}

/** The credential, telling `keep` each secret it hands out (the PAT in basic auth, a bearer token). */
function noting(credential: AzureDevOpsCredential, keep: (secret: string) => void): AzureDevOpsCredential {
  return {
    mode: credential.mode,
    async authorization() {
      const header = await credential.authorization();
      const [scheme, value = ''] = header.split(' ');
      keep(
        scheme === 'Basic'
          ? Buffer.from(value, 'base64')
              .toString()
              .replace(/^[^:]*:/, '')
          : value,
      );
      return header;
    },
    refused: (authorization) => credential.refused(authorization),
  };
}

/** One organization's plan, applied unless a dry run; 0 when done, else the exit code its failure means. */
async function runInOrganization(
  invocation: HooksInvocation,
  { organization, credentialSource }: HooksOrganization,
  say: { out: (text: string) => void; err: (text: string) => void; keepSecret: (secret: string) => void },
): Promise<number> {
  try {
    const credential = noting(await credentialFor(organization, getProcessSecretStore()), say.keepSecret);
    const client = new ServiceHooksClient(organization.url, credential, credentialSource);
    // Every named project is looked up before anything is written, so a missing one leaves the organization as is.
    const projects = await client.findProjects(invocation.projects);
    const subscriptions = await client.listWebHookSubscriptions();
    const { webhookUrl, credentials } = invocation;
    const { changes, warnings } = credentials
      ? await planSetup(webhookUrl, credentials, projects, subscriptions)
      : planRemoval(webhookUrl, projects, subscriptions);
    for (const warning of warnings) say.err(`warning: ${warning}`);
    for (const change of changes) {
      if (!invocation.dryRun) await change.apply?.(client);
      const outcome = invocation.dryRun ? DRY_RUN_WORDING[change.outcome] : change.outcome;
      say.out(`${outcome} ${change.eventType} ${change.project.name}`);
    }
    if (projects.length === 0) say.err('the organization has no projects');
    else if (changes.length === 0) say.err('no ado-reviewer subscriptions found');
    return 0;
  } catch (error) {
    say.err(commandErrorMessage(error));
    return error instanceof ProjectNotFoundError ? 2 : 1;
  }
}
