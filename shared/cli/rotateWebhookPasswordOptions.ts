import { parseArgs } from 'node:util';
import { z } from 'zod';
import { webhookEndpoint } from '../service-hooks/subscriptionPlanner';
import { describeZodIssues } from '../validation/describeZodIssues';
import { serviceUrl, subscriptionTargetFields, withOneProjectSelection } from './setupHooksOptions';

/** The arguments and environment of `ado-reviewer rotate-webhook-password`, validated. */

export const ROTATE_USAGE =
  'usage: ado-reviewer rotate-webhook-password --org <org URL> (--project <name>... | --all-projects)\n' +
  '         --url <app URL> --vault <name or URI> [--app-url <URL to probe>] [--username <name>]\n' +
  '         [--grace <minutes>] [--finish] [--timeout <seconds>] [--password-stdin]\n' +
  '         [--password-secret <name>] [--previous-password-secret <name>]\n' +
  '  Rotates the webhook password without a refused delivery: stores the current password as the previous one\n' +
  '  and a new one (32 random characters, or the first line of stdin with --password-stdin) as the password in\n' +
  '  Key Vault, waits until the app accepts it (an authenticated delivery of an event type the app ignores, sent\n' +
  '  to --app-url, default --url), gives every subscription setup-hooks made the new password, and after the\n' +
  '  grace period (default 60 minutes; --finish: now) disables the previous password. Run it again after a\n' +
  '  failure or an interruption: it carries on where it stopped. It never prints a password.\n' +
  '  Environment: AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN) as for setup-hooks; WEBHOOK_USERNAME (or\n' +
  '  --username); WEBHOOK_PASSWORD_SECRET_NAME and WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME (or the options;\n' +
  '  default webhook-password and webhook-previous-password); KEY_VAULT_URI (or --vault); Azure sign-in\n' +
  '  (az login, or AZURE_CLIENT_ID for a managed identity) with Key Vault Secrets Officer on the vault.\n';

/** A vault name (3-24 letters, digits and dashes) or its https URI. */
const vaultUri = z
  .string({ error: 'is required (or KEY_VAULT_URI)' })
  .trim()
  .transform((value) =>
    /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/.test(value) ? `https://${value}.vault.azure.net` : value,
  )
  .pipe(serviceUrl);

const secretName = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z-]{1,127}$/, 'must be a Key Vault secret name');
const setting = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const count = (what: string) =>
  z.coerce
    .number({ error: `must be a number of ${what}` })
    .int()
    .min(0);

const optionsSchema = withOneProjectSelection(
  z.object({
    ...subscriptionTargetFields,
    'app-url': serviceUrl.optional(),
    vault: vaultUri,
    username: z.string().trim().min(1, 'must not be empty').optional(),
    grace: count('minutes').default(60),
    finish: z.boolean().default(false),
    timeout: count('seconds').default(300),
    'password-stdin': z.boolean().default(false),
    'password-secret': secretName,
    'previous-password-secret': secretName,
  }),
);

const environmentSchema = z.object({
  AZURE_DEVOPS_PAT: setting,
  AZURE_DEVOPS_BOT_TOKEN: setting,
  WEBHOOK_USERNAME: setting,
  WEBHOOK_PASSWORD_SECRET_NAME: setting,
  WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME: setting,
  KEY_VAULT_URI: setting,
});

export interface RotateInvocation {
  orgUrl: string;
  projects: string[] | 'all';
  /** Where the subscriptions deliver (as setup-hooks), and where the probe goes. */
  webhookUrl: URL;
  probeUrl: URL;
  vaultUri: string;
  username: string;
  passwordSecret: string;
  previousPasswordSecret: string;
  graceMs: number;
  finish: boolean;
  timeoutMs: number;
  passwordFromStdin: boolean;
  token: string;
}

export type ParsedRotateInvocation =
  { help: true } | { invocation: RotateInvocation } | { problems: string[] };

export function parseRotateInvocation(args: string[], env: NodeJS.ProcessEnv): ParsedRotateInvocation {
  let flags: Record<string, unknown>;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        org: { type: 'string' },
        project: { type: 'string', multiple: true },
        'all-projects': { type: 'boolean' },
        url: { type: 'string' },
        'app-url': { type: 'string' },
        vault: { type: 'string' },
        username: { type: 'string' },
        grace: { type: 'string' },
        finish: { type: 'boolean' },
        timeout: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        'password-secret': { type: 'string' },
        'previous-password-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return { problems: [error instanceof Error ? error.message : String(error)] };
  }
  if (flags.help) return { help: true };
  const environment = environmentSchema.safeParse(env);
  const defaults = environment.data;
  const options = optionsSchema.safeParse({
    ...flags,
    vault: flags.vault ?? defaults?.KEY_VAULT_URI,
    'password-secret':
      flags['password-secret'] ?? defaults?.WEBHOOK_PASSWORD_SECRET_NAME ?? 'webhook-password',
    'previous-password-secret':
      flags['previous-password-secret'] ??
      defaults?.WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME ??
      'webhook-previous-password',
  });
  const problems = [
    ...(options.error ? describeZodIssues(options.error, { pathPrefix: '--' }) : []),
    ...(environment.error ? describeZodIssues(environment.error) : []),
  ];
  const token = defaults?.AZURE_DEVOPS_PAT ?? defaults?.AZURE_DEVOPS_BOT_TOKEN;
  if (environment.success && token === undefined)
    problems.push('AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN): is required');
  const username = options.data?.username ?? defaults?.WEBHOOK_USERNAME;
  if (environment.success && username === undefined)
    problems.push('WEBHOOK_USERNAME (or --username): is required');
  if (!options.success || token === undefined || username === undefined || problems.length > 0)
    return { problems };
  const data = options.data;
  if (data['password-secret'] === data['previous-password-secret'])
    return { problems: ['--password-secret and --previous-password-secret: must differ'] };
  return {
    invocation: {
      orgUrl: data.org,
      projects: data['all-projects'] ? 'all' : [...new Set(data.project)],
      webhookUrl: webhookEndpoint(data.url),
      probeUrl: webhookEndpoint(data['app-url'] ?? data.url),
      vaultUri: data.vault,
      username,
      passwordSecret: data['password-secret'],
      previousPasswordSecret: data['previous-password-secret'],
      graceMs: data.grace * 60_000,
      finish: data.finish,
      timeoutMs: data.timeout * 1000,
      passwordFromStdin: data['password-stdin'],
      token,
    },
  };
}
