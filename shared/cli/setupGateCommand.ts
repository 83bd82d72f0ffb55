import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { parseRepositoryUrl } from '../azure-devops-url/repositoryUrl';
import {
  BranchPolicyClient,
  type PolicyConfiguration,
  type PolicyConfigurationRequest,
} from '../branch-policy/branchPolicyClient';
import { optionalString } from '../config/fields';
import { commandErrorMessage } from './commandErrorMessage';
import { answerHelpOrProblems, readCommandLine, type ParsedInvocation } from './commandLine';
import { serviceUrl } from './setupHooksOptions';

/**
 * `ado-reviewer setup-gate`: the branch policy "Status check" that requires the review's status on the chosen
 * branches, with the bot as the status's only authorised identity; without that restriction anyone who can post a
 * pull-request status could post a succeeded one under the same genre and name. Idempotent: one line per branch,
 * created, updated or unchanged. Exit 0 when done, 1 when Azure DevOps fails, 2 on a bad invocation.
 */

type Io = { env: NodeJS.ProcessEnv; out: NodeJS.WritableStream; err: NodeJS.WritableStream };

/** The "Status check" policy type (the `Status` policy of Azure Repos), the same id in every organization. */
export const STATUS_CHECK_POLICY_TYPE = 'cbdc66da-9728-4af8-aada-9a5a32e4a226';

const SETUP_GATE_USAGE =
  'usage: ado-reviewer setup-gate (--org <org URL> --project <name> [--repository <name>] | --repo-url <URL>)\n' +
  '                               --branch <refs/heads/main>... [--blocking true|false] [--bot-id <id>] [--dry-run]\n' +
  "  Creates or updates the 'Status check' branch policy requiring the review status on each branch, with the\n" +
  "  bot's identity as the only one whose status counts. Without --repository it applies to every repository.\n" +
  '  Environment: AZURE_DEVOPS_PAT of a project administrator; AZURE_DEVOPS_BOT_TOKEN, the bot token whose\n' +
  '  identity is the authorised one (not needed with --bot-id); REVIEW_STATUS_GENRE / REVIEW_STATUS_NAME\n' +
  '  (default ado-reviewer / review), as the app is configured with.\n';

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const optionsSchema = z.object({
  org: serviceUrl,
  project: nonEmpty,
  repository: nonEmpty.optional(),
  branch: z
    .array(
      z
        .string()
        .trim()
        .regex(/^refs\/heads\/\S+$/, 'must be a full ref name, like refs/heads/main'),
    )
    .min(1, 'give at least one --branch'),
  blocking: z.enum(['true', 'false']).default('true'),
  'bot-id': z.uuid('must be an identity id (a GUID)').optional(),
  'dry-run': z.boolean().default(false),
});

const environmentSchema = z.object({
  AZURE_DEVOPS_PAT: optionalString,
  AZURE_DEVOPS_BOT_TOKEN: optionalString,
  REVIEW_STATUS_GENRE: optionalString.transform((value) => value ?? 'ado-reviewer'),
  REVIEW_STATUS_NAME: optionalString.transform((value) => value ?? 'review'),
});

interface GateInvocation {
  orgUrl: string;
  project: string;
  repository?: string;
  branches: string[];
  blocking: boolean;
  dryRun: boolean;
  token: string;
  /** The bot's identity id, or the bot's token to look it up with. */
  bot: { id: string } | { token: string };
  status: { genre: string; name: string };
}

/** `--repo-url` stands for `--org`, `--project` and `--repository`, which may then not be given. */
function withRepositoryUrl(flags: Record<string, unknown>): Record<string, unknown> | string {
  const repoUrl = flags['repo-url'];
  if (typeof repoUrl !== 'string') return flags;
  if (flags.org !== undefined || flags.project !== undefined || flags.repository !== undefined)
    return '--repo-url: give either it or --org with --project and --repository';
  const location = parseRepositoryUrl(repoUrl);
  if (location === undefined)
    return '--repo-url: must be a repository URL ({organization}/{project}/_git/{repository})';
  return {
    ...flags,
    org: location.organizationUrl,
    project: location.project,
    repository: location.repository,
  };
}

function parseGateInvocation(args: string[], env: NodeJS.ProcessEnv): ParsedInvocation<GateInvocation> {
  const line = readCommandLine(args, env, {
    flags: {
      org: { type: 'string' },
      'repo-url': { type: 'string' },
      project: { type: 'string' },
      repository: { type: 'string' },
      branch: { type: 'string', multiple: true },
      blocking: { type: 'string' },
      'bot-id': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    rewrite: withRepositoryUrl,
    options: optionsSchema,
    environment: environmentSchema,
  });
  if ('help' in line) return line;
  const { options, environment, problems } = line;
  // The PAT only from the environment: a flag would leave it in shell history and process listings.
  const token = environment?.AZURE_DEVOPS_PAT;
  if (environment && token === undefined) problems.push('AZURE_DEVOPS_PAT: is required');
  const botId = options?.['bot-id'];
  const botToken = environment?.AZURE_DEVOPS_BOT_TOKEN;
  if (environment && botId === undefined && botToken === undefined)
    problems.push('--bot-id or AZURE_DEVOPS_BOT_TOKEN: is required (the identity whose status counts)');
  if (!options || !environment || token === undefined || problems.length > 0) return { problems };
  return {
    invocation: {
      orgUrl: options.org,
      project: options.project,
      repository: options.repository,
      branches: [...new Set(options.branch)],
      blocking: options.blocking === 'true',
      dryRun: options['dry-run'],
      token,
      bot: botId !== undefined ? { id: botId } : { token: botToken as string },
      status: { genre: environment.REVIEW_STATUS_GENRE, name: environment.REVIEW_STATUS_NAME },
    },
  };
}

type Outcome = 'created' | 'updated' | 'unchanged';
const DRY_RUN_WORDING: Record<Outcome, string> = {
  created: 'would create',
  updated: 'would update',
  unchanged: 'unchanged',
};

function desiredConfiguration(
  invocation: GateInvocation,
  botId: string,
  repositoryId: string | null,
  refName: string,
): PolicyConfigurationRequest {
  const { genre, name } = invocation.status;
  return {
    isEnabled: true,
    isBlocking: invocation.blocking,
    type: { id: STATUS_CHECK_POLICY_TYPE },
    settings: {
      statusGenre: genre,
      statusName: name,
      authorId: botId,
      invalidateOnSourceUpdate: true,
      defaultDisplayName: `${genre}/${name}`,
      // null: the status is required whether or not it was posted (not only once posted).
      policyApplicability: null,
      scope: [{ repositoryId, refName, matchKind: 'exact' }],
    },
  };
}

/** The existing policy for the same status on the same single scope entry, whoever its authorised identity is. */
function sameGate(existing: PolicyConfiguration, desired: PolicyConfigurationRequest): boolean {
  const scopeKey = (scope: unknown) =>
    JSON.stringify(
      (Array.isArray(scope) ? scope : []).map((entry: Record<string, unknown>) => [
        typeof entry.repositoryId === 'string' ? entry.repositoryId.toLowerCase() : null,
        entry.refName,
        String(entry.matchKind).toLowerCase(),
      ]),
    );
  return (
    existing.type.id.toLowerCase() === STATUS_CHECK_POLICY_TYPE &&
    existing.settings.statusGenre === desired.settings.statusGenre &&
    existing.settings.statusName === desired.settings.statusName &&
    scopeKey(existing.settings.scope) === scopeKey(desired.settings.scope)
  );
}

function differs(existing: PolicyConfiguration, desired: PolicyConfigurationRequest): boolean {
  const { settings: wanted, ...wantedFlags } = desired;
  return (
    existing.isEnabled !== wantedFlags.isEnabled ||
    existing.isBlocking !== wantedFlags.isBlocking ||
    Object.entries(wanted).some(
      ([field, value]) =>
        field !== 'scope' &&
        !isDeepStrictEqual(
          typeof value === 'string' && field === 'authorId'
            ? String(existing.settings[field]).toLowerCase()
            : existing.settings[field],
          value,
        ),
    )
  );
}

export async function runSetupGateCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseGateInvocation(args, io.env);
  if (!('invocation' in parsed)) return answerHelpOrProblems(parsed, 'setup-gate', SETUP_GATE_USAGE, io);
  const { invocation } = parsed;
  const secrets = [invocation.token, 'token' in invocation.bot ? invocation.bot.token : ''].filter(Boolean);
  const write = (stream: NodeJS.WritableStream, text: string) =>
    stream.write(secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text));
  try {
    const client = new BranchPolicyClient(invocation.orgUrl, invocation.token);
    const botId = (
      'id' in invocation.bot
        ? invocation.bot.id
        : await new BranchPolicyClient(invocation.orgUrl, invocation.bot.token).authenticatedIdentityId()
    ).toLowerCase();
    const repositoryId =
      invocation.repository === undefined
        ? null
        : await client.repositoryId(invocation.project, invocation.repository);
    const existing = await client.listConfigurations(invocation.project, STATUS_CHECK_POLICY_TYPE);
    for (const branch of invocation.branches) {
      const desired = desiredConfiguration(invocation, botId, repositoryId, branch);
      const current = existing.find((configuration) => sameGate(configuration, desired));
      const outcome: Outcome = !current ? 'created' : differs(current, desired) ? 'updated' : 'unchanged';
      if (!invocation.dryRun && outcome === 'created')
        await client.createConfiguration(invocation.project, desired);
      if (!invocation.dryRun && outcome === 'updated' && current)
        await client.replaceConfiguration(invocation.project, current.id, desired);
      const wording = invocation.dryRun ? DRY_RUN_WORDING[outcome] : outcome;
      write(io.out, `${wording} ${branch} ${invocation.repository ?? '(all repositories)'}\n`);
    }
    return 0;
  } catch (error) {
    write(io.err, `ado-reviewer setup-gate: ${commandErrorMessage(error)}\n`);
    return 1;
  }
}
