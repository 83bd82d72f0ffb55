import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseRepositoryUrl } from '../azure-devops/repositoryUrl';
import { blankAsUnset, optionalString } from '../config/fields';
import { webhookEndpoint, type WebhookCredentials } from '../service-hooks/subscriptionPlanner';
import { describeZodIssues } from '../validation/describeZodIssues';

/** The arguments and environment of `ado-reviewer setup-hooks` / `remove-hooks`, validated. */

export type HooksCommandName = 'setup-hooks' | 'remove-hooks';

export const HOOKS_USAGE: Record<HooksCommandName, string> = {
  'setup-hooks':
    'usage: ado-reviewer setup-hooks (--org <org URL> (--project <name>... | --all-projects) | --repo-url <URL>)\n' +
    '                                --url <app URL> [--username <name>] [--dry-run]\n' +
    '  Creates or updates the service-hook subscriptions (pull request created, source branch updated, comment)\n' +
    '  that deliver to <app URL>/azure_webhooks with HTTP basic auth. --repo-url names the organization and the\n' +
    "  project by one of the project's repository URLs (any form Azure DevOps shows).\n" +
    '  Environment: AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN) of a project administrator, with the scopes\n' +
    '  vso.project (Project and Team: Read) and vso.hooks_write (Service Hooks: Read and write);\n' +
    '  WEBHOOK_USERNAME (or --username) and WEBHOOK_PASSWORD, as the app is configured with.\n',
  'remove-hooks':
    'usage: ado-reviewer remove-hooks (--org <org URL> (--project <name>... | --all-projects) | --repo-url <URL>)\n' +
    '                                 --url <app URL> [--dry-run]\n' +
    '  Deletes the subscriptions setup-hooks made; other subscriptions are left alone.\n' +
    '  Environment: AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN).\n',
};

const isLoopback = (hostname: string) =>
  hostname === 'localhost' || /^127\./.test(hostname) || hostname === '[::1]';

/** The PAT and the webhook password travel in these requests: https only, except to this machine (tests). */
export const serviceUrl = z
  .string({ error: 'is required' })
  .trim()
  .refine((value) => URL.canParse(value), 'must be an absolute URL')
  .transform((value) => new URL(value))
  .refine(
    (url) => url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname)),
    'must be an https URL',
  )
  .refine(
    (url) => url.search === '' && url.hash === '' && url.username === '',
    'must have no query or credentials',
  )
  .transform((url) => url.href.replace(/\/+$/, ''));

/** The organization and projects whose subscriptions a command changes, and the app URL they deliver to. */
export const subscriptionTargetFields = {
  org: serviceUrl,
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

export interface HooksInvocation {
  orgUrl: string;
  /** Project names, or every project of the organization. */
  projects: string[] | 'all';
  webhookUrl: URL;
  dryRun: boolean;
  token: string;
  /** Only for setup-hooks. */
  credentials?: WebhookCredentials;
}

export type ParsedHooksInvocation = { help: true } | { invocation: HooksInvocation } | { problems: string[] };

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

function parseFlags(command: HooksCommandName, args: string[]): Record<string, unknown> {
  return parseArgs({
    args,
    strict: true,
    options: {
      org: { type: 'string' },
      'repo-url': { type: 'string' },
      project: { type: 'string', multiple: true },
      'all-projects': { type: 'boolean' },
      url: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...(command === 'setup-hooks' && { username: { type: 'string' } }),
    },
  }).values;
}

export function parseHooksInvocation(
  command: HooksCommandName,
  args: string[],
  env: NodeJS.ProcessEnv,
): ParsedHooksInvocation {
  let flags: Record<string, unknown>;
  try {
    flags = parseFlags(command, args);
  } catch (error) {
    return { problems: [error instanceof Error ? error.message : String(error)] };
  }
  if (flags.help) return { help: true };
  const target = targetOfRepositoryUrl(flags);
  if (typeof target === 'string') return { problems: [target] };
  const options = optionsSchema.safeParse(target);
  // Blank counts as unset and values are trimmed, as the app's own configuration reads them.
  const environment = environmentSchema.safeParse(blankAsUnset(env));
  const problems = [
    ...(options.error ? describeZodIssues(options.error, { pathPrefix: '--' }) : []),
    ...(environment.error ? describeZodIssues(environment.error) : []),
  ];
  const token = environment.data?.AZURE_DEVOPS_PAT ?? environment.data?.AZURE_DEVOPS_BOT_TOKEN;
  if (environment.success && token === undefined)
    problems.push('AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN): is required');
  let credentials: WebhookCredentials | undefined;
  if (command === 'setup-hooks' && environment.success) {
    const username = options.data?.username ?? environment.data.WEBHOOK_USERNAME;
    const password = environment.data.WEBHOOK_PASSWORD;
    if (username === undefined) problems.push('WEBHOOK_USERNAME (or --username): is required');
    // Only from the environment: a flag would leave the password in shell history and process listings.
    if (password === undefined) problems.push('WEBHOOK_PASSWORD: is required');
    if (username !== undefined && password !== undefined) credentials = { username, password };
  }
  if (!options.success || token === undefined || problems.length > 0) return { problems };
  const { org, project, url } = options.data;
  return {
    invocation: {
      orgUrl: org,
      projects: options.data['all-projects'] ? 'all' : [...new Set(project)],
      webhookUrl: webhookEndpoint(url),
      dryRun: options.data['dry-run'],
      token,
      credentials,
    },
  };
}
