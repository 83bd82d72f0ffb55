import { z } from 'zod';
import { organizationKey } from '../azure-devops-url/repositoryUrl';
import { blankAsUnset, optionalString } from '../config/fields';
import { webhookEndpoint } from '../service-hooks/subscriptionPlanner';
import { readCommandLine, type ParsedInvocation } from './commandLine';
import { hooksOrganizations, organizationsOfCommandLine } from './hooksOrganizations';
import {
  serviceUrl,
  subscriptionTarget,
  subscriptionTargetFields,
  withOneProjectSelection,
  type SubscriptionTarget,
} from './setupHooksOptions';

/** The arguments and environment of `ado-reviewer rotate-webhook-password`, validated. */

export const ROTATE_USAGE =
  'usage: ado-reviewer rotate-webhook-password (--org <org URL> | --all-organizations)\n' +
  '         (--project <name>... | --all-projects) --url <app URL> --vault <name or URI>\n' +
  '         [--app-url <URL to probe>] [--username <name>] [--grace <minutes>] [--finish] [--timeout <seconds>]\n' +
  '         [--password-stdin] [--password-secret <name>] [--previous-password-secret <name>]\n' +
  '  Rotates the webhook password without a refused delivery: stores the current password as the previous one\n' +
  '  and a new one (32 random characters, or the first line of stdin with --password-stdin) as the password in\n' +
  '  Key Vault, waits until the app accepts it (an authenticated delivery of an event type the app ignores, sent\n' +
  '  to --app-url, default --url), gives every subscription setup-hooks made the new password, and after the\n' +
  '  grace period (default 60 minutes; --finish: now) disables the previous password. Only subscriptions that\n' +
  "  deliver to --url's webhook get it: one of setup-hooks' delivering elsewhere (another host or path) is left\n" +
  '  alone and reported (setup-hooks --url points it at the app). Run it again after a failure or an\n' +
  '  interruption: it carries on where it stopped. It never prints a password.\n' +
  "  --all-organizations: the subscriptions of every organization of the app's settings, each signed in with its\n" +
  "  own credential (lines start with the organization's URL). The app has one webhook password, so use it when the\n" +
  '  app serves several organizations: the previous password is disabled only once every organization is done; one\n' +
  '  that fails (refused, unreachable) is reported, the others are still done, and the run exits 1 with the previous\n' +
  '  password still valid. A rotation started with --all-organizations carries on only with it.\n' +
  '  Sign-in: as setup-hooks: AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN) for --org; without it, an --org of the\n' +
  "  app's settings (AZURE_DEVOPS_ORGANIZATIONS or AZURE_DEVOPS_ORG_URL) uses its configured credential.\n" +
  '  Environment: WEBHOOK_USERNAME (or --username); WEBHOOK_PASSWORD_SECRET_NAME and\n' +
  '  WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME (or the options; default webhook-password and webhook-previous-password);\n' +
  '  KEY_VAULT_URI (or --vault); Azure sign-in (az login, or AZURE_CLIENT_ID for a managed identity) with Key Vault\n' +
  '  Secrets Officer on the vault.\n';

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
  AZURE_DEVOPS_PAT: optionalString,
  AZURE_DEVOPS_BOT_TOKEN: optionalString,
  WEBHOOK_USERNAME: optionalString,
  WEBHOOK_PASSWORD_SECRET_NAME: optionalString,
  WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME: optionalString,
  KEY_VAULT_URI: optionalString,
});

/** --all-organizations is also recorded with the rotation, which then carries on only with it. */
export interface RotateInvocation extends SubscriptionTarget {
  /** Where the probe goes. */
  probeUrl: URL;
  vaultUri: string;
  username: string;
  passwordSecret: string;
  previousPasswordSecret: string;
  graceMs: number;
  finish: boolean;
  timeoutMs: number;
  passwordFromStdin: boolean;
  /** Said before anything is done, such as organizations --org leaves out. */
  warnings: string[];
}

export function parseRotateInvocation(
  args: string[],
  env: NodeJS.ProcessEnv,
): ParsedInvocation<RotateInvocation> {
  const present = blankAsUnset(env);
  const line = readCommandLine(args, env, {
    flags: {
      org: { type: 'string' },
      'all-organizations': { type: 'boolean' },
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
    },
    // The options that default to a setting.
    rewrite: (flags) => ({
      ...flags,
      vault: flags.vault ?? present.KEY_VAULT_URI,
      'password-secret':
        flags['password-secret'] ?? present.WEBHOOK_PASSWORD_SECRET_NAME ?? 'webhook-password',
      'previous-password-secret':
        flags['previous-password-secret'] ??
        present.WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME ??
        'webhook-previous-password',
    }),
    options: optionsSchema,
    environment: environmentSchema,
  });
  if ('help' in line) return line;
  const { options, environment, problems } = line;
  const target = organizationsOfCommandLine(options, ['--org'], environment, env);
  problems.push(...target.problems);
  const { organizations } = target;
  const warnings = [
    ...target.warnings,
    ...(options?.org === undefined ? [] : othersLeftOut(options.org, env)),
  ];
  const username = options?.username ?? environment?.WEBHOOK_USERNAME;
  if (environment && username === undefined) problems.push('WEBHOOK_USERNAME (or --username): is required');
  if (options && options['password-secret'] === options['previous-password-secret'])
    problems.push('--password-secret and --previous-password-secret: must differ');
  if (!options || organizations === undefined || username === undefined || problems.length > 0)
    return { problems };
  return {
    invocation: {
      ...subscriptionTarget(options, organizations),
      probeUrl: webhookEndpoint(options['app-url'] ?? options.url),
      vaultUri: options.vault,
      username,
      passwordSecret: options['password-secret'],
      previousPasswordSecret: options['previous-password-secret'],
      graceMs: options.grace * 60_000,
      finish: options.finish,
      timeoutMs: options.timeout * 1000,
      passwordFromStdin: options['password-stdin'],
      warnings,
    },
  };
}

/**
 * The app has one webhook password: rotated from one organization, the subscriptions of the app's other
 * organizations keep the previous one, and are refused once it is disabled.
 */
function othersLeftOut(orgUrl: string, env: NodeJS.ProcessEnv): string[] {
  const settings = hooksOrganizations('all', {}, env);
  if ('problems' in settings) return [];
  const others = settings.organizations
    .map(({ organization }) => organization)
    .filter((organization) => organization.key !== organizationKey(orgUrl));
  return others.length === 0
    ? []
    : [
        `the app's settings name other organizations too (${others.map((other) => other.url).join(', ')}): ` +
          'their subscriptions keep the previous password and are refused once it is disabled; ' +
          '--all-organizations updates every one',
      ];
}
