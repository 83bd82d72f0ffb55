import { z } from 'zod';
import { organizationKey } from '../azure-devops-url/repositoryUrl';
import { describeZodIssues } from '../validation/describeZodIssues';
import {
  blankAsUnset,
  ConfigError,
  credentialUrl,
  optionalString,
  secretSource,
  settingProblems,
  type Presence,
  type SecretSource,
} from './fields';

/**
 * The Azure DevOps organizations the app serves and how it signs in to each. One organization the classic way
 * (AZURE_DEVOPS_ORG_URL and the AZURE_DEVOPS_* credential settings), or several in AZURE_DEVOPS_ORGANIZATIONS, a
 * JSON list whose entries carry their own credentials. Either way deliveries are acted on only for these, and a
 * credential goes only to its own organization's configured URL.
 */

export type AzureDevOpsAuthMode = 'pat' | 'managed-identity' | 'service-principal';

export type AzureDevOpsAuth =
  | { mode: 'pat'; token: SecretSource }
  /** The app's managed identity; `clientId` picks a user-assigned one. */
  | { mode: 'managed-identity'; clientId?: string }
  /** An Entra ID app registration: a client secret or a certificate (PEM with its private key). */
  | {
      mode: 'service-principal';
      tenantId: string;
      clientId: string;
      clientSecret?: SecretSource;
      certificatePath?: string;
      /** The Entra ID authority (AZURE_AUTHORITY_HOST); @azure/identity's default is the public cloud's. */
      authorityHost?: string;
    };

export interface AzureDevOpsOrganization {
  /** organizationKey(url): what review jobs carry and review state is kept under. */
  key: string;
  url: string;
  auth: AzureDevOpsAuth;
  /** The setting the credential came from, for messages (never its value). */
  setting: string;
}

export interface AzureDevOpsConfig {
  /** The first is the default one: review jobs queued before jobs named their organization are its. */
  organizations: AzureDevOpsOrganization[];
  /** The default organization's URL and, with a PAT, its token (the single-organization view). */
  orgUrl: string;
  token?: SecretSource;
}

const authMode = z.enum(['pat', 'managed-identity', 'service-principal']);

export const azureDevOpsShape = {
  AZURE_DEVOPS_ORG_URL: credentialUrl.optional(),
  AZURE_DEVOPS_AUTH: authMode.optional(),
  AZURE_DEVOPS_BOT_TOKEN: optionalString,
  AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME: optionalString,
  AZURE_DEVOPS_CLIENT_ID: optionalString,
  AZURE_DEVOPS_CLIENT_SECRET: optionalString,
  AZURE_DEVOPS_CLIENT_SECRET_SECRET_NAME: optionalString,
  AZURE_DEVOPS_CLIENT_CERTIFICATE_PATH: optionalString,
  AZURE_TENANT_ID: optionalString,
  AZURE_AUTHORITY_HOST: credentialUrl.optional(),
  AZURE_DEVOPS_ORGANIZATIONS: optionalString,
};

/** The secret settings of the classic form; each is a value or a Key Vault secret name, not both. */
const AZURE_DEVOPS_SECRETS = ['AZURE_DEVOPS_BOT_TOKEN', 'AZURE_DEVOPS_CLIENT_SECRET'] as const;

const entryText = z.string().trim().min(1, 'must not be empty');

/** One entry of AZURE_DEVOPS_ORGANIZATIONS. Literal secrets are for local use; in Azure name Key Vault secrets. */
const organizationEntry = z
  .strictObject({
    url: credentialUrl,
    auth: authMode.default('pat'),
    token: entryText.optional(),
    tokenSecretName: entryText.optional(),
    clientId: entryText.optional(),
    tenantId: entryText.optional(),
    clientSecret: entryText.optional(),
    clientSecretSecretName: entryText.optional(),
    certificatePath: entryText.optional(),
    authorityHost: credentialUrl.optional(),
  })
  .superRefine((entry, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (entry.auth === 'pat' && (entry.token === undefined) === (entry.tokenSecretName === undefined))
      problem('auth "pat" needs one of token or tokenSecretName');
    if (entry.auth === 'service-principal') {
      if (entry.tenantId === undefined || entry.clientId === undefined)
        problem('auth "service-principal" needs tenantId and clientId');
      const ways = [entry.clientSecret, entry.clientSecretSecretName, entry.certificatePath].filter(Boolean);
      if (ways.length !== 1)
        problem(
          'auth "service-principal" needs one of clientSecret, clientSecretSecretName or certificatePath',
        );
    }
  });

const organizationsSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON list of organizations' });
      return z.NEVER;
    }
  })
  .pipe(z.array(organizationEntry).min(1, 'must list at least one organization'));

type Entry = z.infer<typeof organizationEntry>;

function authOfEntry(entry: Entry): AzureDevOpsAuth {
  if (entry.auth === 'managed-identity') return { mode: 'managed-identity', clientId: entry.clientId };
  if (entry.auth === 'service-principal')
    return {
      mode: 'service-principal',
      tenantId: entry.tenantId as string,
      clientId: entry.clientId as string,
      clientSecret: secretSource(entry.clientSecret, entry.clientSecretSecretName),
      certificatePath: entry.certificatePath,
      authorityHost: entry.authorityHost,
    };
  return { mode: 'pat', token: secretSource(entry.token, entry.tokenSecretName) as SecretSource };
}

/** `pat` unless said otherwise: what every deployment before the setting existed uses. */
const classicMode = (env: Presence): AzureDevOpsAuthMode => {
  const parsed = authMode.safeParse(env.AZURE_DEVOPS_AUTH);
  return parsed.success ? parsed.data : 'pat';
};

/** What zod cannot check per field; runs on the raw environment so it reports alongside zod's problems. */
export function azureDevOpsProblems(env: Presence): string[] {
  const problems: string[] = [];
  for (const name of AZURE_DEVOPS_SECRETS) {
    const secretName = env[`${name}_SECRET_NAME`];
    if (env[name] !== undefined && secretName !== undefined)
      problems.push(`${name} and ${name}_SECRET_NAME: set one, not both`);
    else if (secretName !== undefined && env.KEY_VAULT_URI === undefined)
      problems.push(`KEY_VAULT_URI: required to read ${name}_SECRET_NAME from Key Vault`);
  }
  if (env.AZURE_DEVOPS_ORGANIZATIONS !== undefined) {
    if (env.AZURE_DEVOPS_ORG_URL !== undefined)
      problems.push('AZURE_DEVOPS_ORG_URL and AZURE_DEVOPS_ORGANIZATIONS: set one, not both');
    const parsed = organizationsSchema.safeParse(env.AZURE_DEVOPS_ORGANIZATIONS);
    if (!parsed.success) {
      problems.push(
        ...describeZodIssues(parsed.error, {
          root: 'AZURE_DEVOPS_ORGANIZATIONS',
          pathPrefix: 'AZURE_DEVOPS_ORGANIZATIONS.',
        }),
      );
      return problems;
    }
    const keys = parsed.data.map((entry) => organizationKey(entry.url));
    const repeated = keys.filter((key, index) => keys.indexOf(key) !== index);
    if (repeated.length > 0)
      problems.push(`AZURE_DEVOPS_ORGANIZATIONS: lists ${[...new Set(repeated)].join(', ')} more than once`);
    const namesSecret = parsed.data.some((entry) => entry.tokenSecretName ?? entry.clientSecretSecretName);
    if (namesSecret && env.KEY_VAULT_URI === undefined)
      problems.push(
        'KEY_VAULT_URI: required to read the secrets AZURE_DEVOPS_ORGANIZATIONS names from Key Vault',
      );
    return problems;
  }
  if (env.AZURE_DEVOPS_ORG_URL === undefined)
    problems.push('AZURE_DEVOPS_ORG_URL: is required (or AZURE_DEVOPS_ORGANIZATIONS)');
  const mode = classicMode(env);
  if (
    mode === 'pat' &&
    env.AZURE_DEVOPS_BOT_TOKEN === undefined &&
    env.AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME === undefined
  )
    problems.push(
      'AZURE_DEVOPS_BOT_TOKEN: is required (or AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME with KEY_VAULT_URI, or ' +
        'AZURE_DEVOPS_AUTH=managed-identity or service-principal)',
    );
  if (mode === 'service-principal') {
    for (const name of ['AZURE_TENANT_ID', 'AZURE_DEVOPS_CLIENT_ID'])
      if (env[name] === undefined)
        problems.push(`${name}: is required with AZURE_DEVOPS_AUTH=service-principal`);
    const ways = [
      env.AZURE_DEVOPS_CLIENT_SECRET ?? env.AZURE_DEVOPS_CLIENT_SECRET_SECRET_NAME,
      env.AZURE_DEVOPS_CLIENT_CERTIFICATE_PATH,
    ].filter((value) => value !== undefined);
    if (ways.length !== 1)
      problems.push(
        'AZURE_DEVOPS_CLIENT_SECRET (or _SECRET_NAME) or AZURE_DEVOPS_CLIENT_CERTIFICATE_PATH: set exactly one ' +
          'with AZURE_DEVOPS_AUTH=service-principal',
      );
  }
  return problems;
}

type AzureDevOpsEnvironment = z.infer<z.ZodObject<typeof azureDevOpsShape>> & { AZURE_CLIENT_ID?: string };

/** The settings once valid (azureDevOpsProblems found nothing). */
export function azureDevOpsConfigOf(env: AzureDevOpsEnvironment): AzureDevOpsConfig {
  let organizations: AzureDevOpsOrganization[];
  if (env.AZURE_DEVOPS_ORGANIZATIONS !== undefined) {
    organizations = organizationsSchema.parse(env.AZURE_DEVOPS_ORGANIZATIONS).map((entry, index) => ({
      key: organizationKey(entry.url),
      url: entry.url,
      auth: authOfEntry(entry),
      setting: `AZURE_DEVOPS_ORGANIZATIONS[${index}]`,
    }));
  } else {
    const url = env.AZURE_DEVOPS_ORG_URL as string;
    const mode = env.AZURE_DEVOPS_AUTH ?? 'pat';
    const auth: AzureDevOpsAuth =
      mode === 'managed-identity'
        ? { mode, clientId: env.AZURE_CLIENT_ID }
        : mode === 'service-principal'
          ? {
              mode,
              tenantId: env.AZURE_TENANT_ID as string,
              clientId: env.AZURE_DEVOPS_CLIENT_ID as string,
              clientSecret: secretSource(
                env.AZURE_DEVOPS_CLIENT_SECRET,
                env.AZURE_DEVOPS_CLIENT_SECRET_SECRET_NAME,
              ),
              certificatePath: env.AZURE_DEVOPS_CLIENT_CERTIFICATE_PATH,
              authorityHost: env.AZURE_AUTHORITY_HOST,
            }
          : {
              mode,
              token: secretSource(
                env.AZURE_DEVOPS_BOT_TOKEN,
                env.AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME,
              ) as SecretSource,
            };
    const setting =
      mode === 'pat'
        ? 'AZURE_DEVOPS_BOT_TOKEN'
        : mode === 'managed-identity'
          ? 'AZURE_CLIENT_ID'
          : 'AZURE_DEVOPS_CLIENT_ID';
    organizations = [{ key: organizationKey(url), url, auth, setting }];
  }
  const [first] = organizations;
  return {
    organizations,
    orgUrl: first.url,
    token: first.auth.mode === 'pat' ? first.auth.token : undefined,
  };
}

/** The organization a job names, the default one for jobs that name none; undefined when it is not configured. */
export function organizationOfJob(
  config: AzureDevOpsConfig,
  key: string | undefined,
): AzureDevOpsOrganization | undefined {
  return key === undefined
    ? config.organizations[0]
    : config.organizations.find((organization) => organization.key === key);
}

const azureDevOpsSchema = z.object({ ...azureDevOpsShape, AZURE_CLIENT_ID: optionalString });

/**
 * The Azure DevOps settings alone, with the app's meanings (the commands that act as the app's identity:
 * check-access, setup-hooks). Throws ConfigError naming every problem.
 */
export function parseAzureDevOpsConfig(source: NodeJS.ProcessEnv): AzureDevOpsConfig {
  const present = blankAsUnset(source);
  const result = azureDevOpsSchema.safeParse(present);
  const problems = [
    ...(result.success ? [] : settingProblems(result.error)),
    ...azureDevOpsProblems(present),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return azureDevOpsConfigOf(result.data);
}
