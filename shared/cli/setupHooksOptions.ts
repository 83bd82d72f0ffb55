import { z } from 'zod';
import { parseRepositoryUrl } from '../azure-devops-url/repositoryUrl';
import { optionalString } from '../config/fields';
import { isLoopbackHost } from '../config/loopbackHost';
import { webhookEndpoint, type WebhookCredentials } from '../service-hooks/subscriptionPlanner';
import { readCommandLine, type ParsedInvocation } from './commandLine';
import { organizationsOfCommandLine, type HooksOrganization } from './hooksOrganizations';

/** The arguments and environment of `ado-reviewer setup-hooks` / `remove-hooks`, validated. */

export type HooksCommandName = 'setup-hooks' | 'remove-hooks';

const SIGN_IN_USAGE =
  "  Sign-in: AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN) for --org; without it, an --org of the app's settings\n" +
  '  (AZURE_DEVOPS_ORGANIZATIONS or AZURE_DEVOPS_ORG_URL) uses its configured credential (PAT, managed identity or\n' +
  '  service principal; KEY_VAULT_URI when it names Key Vault secrets), as --all-organizations does for each\n' +
  '  organization. The identity must be allowed to manage service hooks (a project administrator; a PAT needs the\n' +
  '  scopes vso.project and vso.hooks_write).\n';

const ALL_ORGANIZATIONS_USAGE =
  "  --all-organizations: in every organization of the app's settings, each with its own credential; each line\n" +
  "  then starts with the organization's URL. An organization that fails (refused, unreachable) or lacks a\n" +
  '  --project is reported and left as it is (nothing written there); the others are still done.\n' +
  '  Exit 0 when done, 1 when Azure DevOps failed (in any organization), 2 on a bad invocation or unknown project.\n';

export const HOOKS_USAGE: Record<HooksCommandName, string> = {
  'setup-hooks':
    'usage: ado-reviewer setup-hooks (--org <org URL> | --all-organizations) (--project <name>... | --all-projects)\n' +
    '                                --url <app URL> [--username <name>] [--dry-run]\n' +
    '       ado-reviewer setup-hooks --repo-url <URL> --url <app URL> [--username <name>] [--dry-run]\n' +
    '  Creates or updates the service-hook subscriptions (pull request created, source branch updated, comment)\n' +
    '  that deliver to <app URL>/azure_webhooks with HTTP basic auth. --repo-url names the organization and the\n' +
    "  project by one of the project's repository URLs (any form Azure DevOps shows).\n" +
    ALL_ORGANIZATIONS_USAGE +
    SIGN_IN_USAGE +
    '  Environment: WEBHOOK_USERNAME (or --username) and WEBHOOK_PASSWORD, as the app is configured with.\n',
  'remove-hooks':
    'usage: ado-reviewer remove-hooks (--org <org URL> | --all-organizations) (--project <name>... | --all-projects)\n' +
    '                                 --url <app URL> [--dry-run]\n' +
    '       ado-reviewer remove-hooks --repo-url <URL> --url <app URL> [--dry-run]\n' +
    '  Deletes the subscriptions setup-hooks made; other subscriptions are left alone.\n' +
    ALL_ORGANIZATIONS_USAGE +
    SIGN_IN_USAGE,
};

/** The PAT and the webhook password travel in these requests: https only, except to this machine (tests). */
export const serviceUrl = z
  .string({ error: 'is required' })
  .trim()
  .refine((value) => URL.canParse(value), 'must be an absolute URL')
  .transform((value) => new URL(value))
  .refine(
    (url) => url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)),
    'must be an https URL',
  )
  .refine(
    (url) => url.search === '' && url.hash === '' && url.username === '',
    'must have no query or credentials',
  )
  .transform((url) => url.href.replace(/\/+$/, ''));

/**
 * The organizations and projects whose subscriptions a command changes, and the app URL they deliver to. Exactly one
 * of --org and --all-organizations, which organizationsOfOptions (hooksOrganizations.ts) checks and resolves.
 */
export const subscriptionTargetFields = {
  org: serviceUrl.optional(),
  'all-organizations': z.boolean().default(false),
  project: z.array(z.string().trim().min(1, 'must not be empty')).default([]),
  'all-projects': z.boolean().default(false),
  url: serviceUrl,
};

/** Exactly one of --project and --all-projects: a command never guesses which projects it changes. */
export function withOneProjectSelection<
  Schema extends z.ZodType<{ project: string[]; 'all-projects': boolean }>,
>(schema: Schema): Schema {
  return schema.refine((options) => Boolean(options.project.length) !== options['all-projects'], {
    message: 'give either --project <name> (repeatable) or --all-projects',
  });
}

const optionsSchema = withOneProjectSelection(
  z.object({
    ...subscriptionTargetFields,
    username: z.string().trim().min(1, 'must not be empty').optional(),
    'dry-run': z.boolean().default(false),
  }),
);

const environmentSchema = z.object({
  AZURE_DEVOPS_PAT: optionalString,
  AZURE_DEVOPS_BOT_TOKEN: optionalString,
  WEBHOOK_USERNAME: optionalString,
  WEBHOOK_PASSWORD: optionalString,
});

/** What subscriptionTargetFields name, resolved. */
export interface SubscriptionTarget {
  /** One for --org (or --repo-url); every organization of the app's settings for --all-organizations. */
  organizations: HooksOrganization[];
  /** --all-organizations: each line names its organization. */
  allOrganizations: boolean;
  /** Project names, or every project of the organization. */
  projects: string[] | 'all';
  /** The app's webhook endpoint the subscriptions deliver to. */
  webhookUrl: URL;
}

export function subscriptionTarget(
  options: { 'all-organizations': boolean; 'all-projects': boolean; project: string[]; url: string },
  organizations: HooksOrganization[],
): SubscriptionTarget {
  return {
    organizations,
    allOrganizations: options['all-organizations'],
    projects: options['all-projects'] ? 'all' : [...new Set(options.project)],
    webhookUrl: webhookEndpoint(options.url),
  };
}

export interface HooksInvocation extends SubscriptionTarget {
  dryRun: boolean;
  /** Only for setup-hooks. */
  credentials?: WebhookCredentials;
  /** Said before anything is done, such as a PAT given that is not used. */
  warnings: string[];
}

/**
 * `--repo-url` stands for `--org` and `--project` (the organization URL and project the parser finds in it), which
 * may then not be given; a problem with it is returned as such.
 */
function targetOfRepositoryUrl(flags: Record<string, unknown>): Record<string, unknown> | string {
  const repoUrl = flags['repo-url'];
  if (typeof repoUrl !== 'string') return flags;
  if (flags.org !== undefined || flags.project !== undefined || flags['all-projects'] !== undefined)
    return '--repo-url: give either it or --org with --project/--all-projects';
  const location = parseRepositoryUrl(repoUrl);
  if (location === undefined)
    return '--repo-url: must be a repository URL ({organization}/{project}/_git/{repository})';
  return { ...flags, org: location.organizationUrl, project: [location.project] };
}

export function parseHooksInvocation(
  command: HooksCommandName,
  args: string[],
  env: NodeJS.ProcessEnv,
): ParsedInvocation<HooksInvocation> {
  const line = readCommandLine(args, env, {
    flags: {
      org: { type: 'string' },
      'repo-url': { type: 'string' },
      'all-organizations': { type: 'boolean' },
      project: { type: 'string', multiple: true },
      'all-projects': { type: 'boolean' },
      url: { type: 'string' },
      'dry-run': { type: 'boolean' },
      ...(command === 'setup-hooks' && { username: { type: 'string' } }),
    },
    rewrite: targetOfRepositoryUrl,
    options: optionsSchema,
    environment: environmentSchema,
  });
  if ('help' in line) return line;
  const { options, environment, problems } = line;
  const {
    organizations,
    warnings,
    problems: targetProblems,
  } = organizationsOfCommandLine(options, ['--org', '--repo-url'], environment, env);
  problems.push(...targetProblems);
  let credentials: WebhookCredentials | undefined;
  if (command === 'setup-hooks' && environment) {
    const username = options?.username ?? environment.WEBHOOK_USERNAME;
    const password = environment.WEBHOOK_PASSWORD;
    if (username === undefined) problems.push('WEBHOOK_USERNAME (or --username): is required');
    // Only from the environment: a flag would leave the password in shell history and process listings.
    if (password === undefined) problems.push('WEBHOOK_PASSWORD: is required');
    if (username !== undefined && password !== undefined) credentials = { username, password };
  }
  if (!options || organizations === undefined || problems.length > 0) return { problems };
  return {
    invocation: {
      ...subscriptionTarget(options, organizations),
      dryRun: options['dry-run'],
      credentials,
      warnings,
    },
  };
}
