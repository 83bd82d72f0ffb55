import { z } from 'zod';
import {
  blankAsUnset,
  booleanSetting,
  ConfigError,
  optionalString,
  positiveInt,
  secretSource,
  settingProblems,
  storageName,
  MIN_WEBHOOK_SECRET_LENGTH,
  type Presence,
  type SecretSource,
} from './fields';
import {
  azureDevOpsConfigOf,
  azureDevOpsProblems,
  azureDevOpsShape,
  type AzureDevOpsConfig,
} from './azureDevOpsSettings';
import { jobBudgetOf, jobBudgetShape, type JobBudget } from './jobBudgetSettings';
import { keyVaultShape } from './keyVaultSettings';
import { llmConfigOf, llmProblems, llmSecretNameShape, llmShape, type LlmConfig } from './llmSettings';
import { limitsShape, reviewLimitsOf, type ReviewLimits } from './reviewLimits';
import { reviewBudgetOf, reviewBudgetShape, type ReviewBudget } from './reviewBudgetSettings';
import { reviewSafetyOf, reviewSafetyShape, type ReviewSafetySettings } from './reviewSafetySettings';
import { reviewPolicyOf, reviewPolicyShape, type ReviewPolicy } from './reviewSettings';
import { teamSettingsOf, teamSettingsShape, type TeamSettings } from './teamSettings';

/**
 * The app's settings: the one place that reads the environment. Every setting is declared here (or in the shapes it
 * spreads), validated with zod, and reported all at once when something is missing or invalid.
 */

const environmentSchema = z.object({
  ...keyVaultShape,
  ...azureDevOpsShape,

  ...llmShape,
  ...llmSecretNameShape,

  WEBHOOK_USERNAME: optionalString,
  WEBHOOK_PASSWORD: optionalString,
  WEBHOOK_PASSWORD_SECRET_NAME: optionalString,
  WEBHOOK_PREVIOUS_PASSWORD: optionalString,
  WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME: optionalString,
  WEBHOOK_HEADER_NAME: optionalString,
  WEBHOOK_HEADER_SECRET: optionalString,
  WEBHOOK_HEADER_SECRET_SECRET_NAME: optionalString,
  WEBHOOK_AUTH_DISABLED: booleanSetting(false),

  AzureWebJobsStorage: optionalString,
  AzureWebJobsStorage__queueServiceUri: optionalString,
  AzureWebJobsStorage__blobServiceUri: optionalString,
  AzureWebJobsStorage__clientId: optionalString,
  REVIEW_QUEUE_NAME: storageName('review-jobs', 'Storage queue name'),

  REVIEW_STATE_CONTAINER: storageName('ado-reviewer-state', 'blob container name'),
  REVIEW_BUSY_RETRY_SECONDS: positiveInt(10),
  ...reviewPolicyShape,
  ...limitsShape,
  ...reviewBudgetShape,
  ...reviewSafetyShape,
  ...jobBudgetShape,
  ...teamSettingsShape,
});

type Environment = z.infer<typeof environmentSchema>;

export interface WebhookAuthConfig {
  disabled: boolean;
  username?: string;
  password?: SecretSource;
  /** Still accepted while the password is rotated. */
  previousPassword?: SecretSource;
  headerName?: string;
  headerSecret?: SecretSource;
}

/** The app's storage account (queues, review state): a connection string locally, its identity in Azure. */
export type StorageConnection =
  { connectionString: string } | { queueServiceUri: string; blobServiceUri: string; clientId?: string };

export interface AppConfig {
  azureDevOps: AzureDevOpsConfig;
  llm: LlmConfig;
  webhook: WebhookAuthConfig;
  storage: StorageConnection;
  queue: { name: string };
  /** Where review state (last reviewed iteration, planned threads) and per-PR locks live. */
  state: { container: string };
  /** The review's settings as the environment gave them; a review runs with reviewSettingsOf(them). */
  review: ReviewLimits &
    ReviewPolicy & {
      /** How long a job that found its pull request locked waits before it looks again. */
      busyRetrySeconds: number;
    } & JobBudget &
    ReviewBudget &
    ReviewSafetySettings &
    TeamSettings;
}

/**
 * Cross-field rules zod cannot express per field: each secret is a value or a Key Vault name, not both. The model's
 * secrets are required per provider (llmProblems).
 */
const SECRETS = [
  ['OPENAI_API_KEYS', false],
  ['AZURE_OPENAI_API_KEY', false],
  ['AWS_SECRET_ACCESS_KEY', false],
  ['OAUTH2_CLIENT_SECRET', false],
  ['WEBHOOK_PASSWORD', false],
  ['WEBHOOK_PREVIOUS_PASSWORD', false],
  ['WEBHOOK_HEADER_SECRET', false],
] as const;

/** Webhook secrets given as values; those from Key Vault are checked when read (they change without a restart). */
const WEBHOOK_SECRETS = ['WEBHOOK_PASSWORD', 'WEBHOOK_PREVIOUS_PASSWORD', 'WEBHOOK_HEADER_SECRET'] as const;

/** Runs on the raw environment (blank counts as unset) so its problems are reported even when zod's fail too. */
function crossFieldProblems(env: Presence): string[] {
  const problems: string[] = [];
  for (const [name, required] of SECRETS) {
    const value = env[name];
    const secretName = env[`${name}_SECRET_NAME`];
    if (value !== undefined && secretName !== undefined) {
      problems.push(`${name} and ${name}_SECRET_NAME: set one, not both`);
    } else if (secretName !== undefined && env.KEY_VAULT_URI === undefined) {
      problems.push(`KEY_VAULT_URI: required to read ${name}_SECRET_NAME from Key Vault`);
    } else if (required && value === undefined && secretName === undefined) {
      problems.push(`${name}: is required (or ${name}_SECRET_NAME with KEY_VAULT_URI)`);
    }
  }
  problems.push(...azureDevOpsProblems(env));
  problems.push(...llmProblems(env));
  const hasPassword = env.WEBHOOK_PASSWORD !== undefined || env.WEBHOOK_PASSWORD_SECRET_NAME !== undefined;
  const hasPrevious =
    env.WEBHOOK_PREVIOUS_PASSWORD !== undefined || env.WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME !== undefined;
  const hasBasic = env.WEBHOOK_USERNAME !== undefined || hasPassword;
  const hasHeaderSecret =
    env.WEBHOOK_HEADER_SECRET !== undefined || env.WEBHOOK_HEADER_SECRET_SECRET_NAME !== undefined;
  const hasHeader = env.WEBHOOK_HEADER_NAME !== undefined || hasHeaderSecret;
  if (hasBasic && (env.WEBHOOK_USERNAME === undefined || !hasPassword)) {
    problems.push('WEBHOOK_USERNAME and WEBHOOK_PASSWORD: set both or neither');
  }
  if (hasHeader && (env.WEBHOOK_HEADER_NAME === undefined || !hasHeaderSecret)) {
    problems.push('WEBHOOK_HEADER_NAME and WEBHOOK_HEADER_SECRET: set both or neither');
  }
  for (const name of WEBHOOK_SECRETS) {
    const value = env[name]?.trim();
    if (value !== undefined && value.length < MIN_WEBHOOK_SECRET_LENGTH) {
      problems.push(`${name}: must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
    }
  }
  if (hasPrevious && !hasPassword) {
    problems.push('WEBHOOK_PREVIOUS_PASSWORD: only meaningful together with WEBHOOK_PASSWORD');
  }
  if (env.WEBHOOK_AUTH_DISABLED === undefined && !hasBasic && !hasHeader) {
    problems.push(
      'WEBHOOK_USERNAME/WEBHOOK_PASSWORD (or WEBHOOK_HEADER_NAME/WEBHOOK_HEADER_SECRET): required so deliveries ' +
        'can be authenticated; set WEBHOOK_AUTH_DISABLED=true only for local development',
    );
  }
  // Azure sets WEBSITE_INSTANCE_ID on every App Service and Functions instance: there the endpoint is public.
  if (env.WEBHOOK_AUTH_DISABLED !== undefined && env.WEBSITE_INSTANCE_ID !== undefined) {
    problems.push(
      'WEBHOOK_AUTH_DISABLED: refused on an Azure host (WEBSITE_INSTANCE_ID is set), where anyone could send ' +
        'deliveries; it is for local development only',
    );
  }
  if (
    env.AzureWebJobsStorage === undefined &&
    (env.AzureWebJobsStorage__queueServiceUri === undefined ||
      env.AzureWebJobsStorage__blobServiceUri === undefined)
  ) {
    problems.push(
      'AzureWebJobsStorage (or AzureWebJobsStorage__queueServiceUri and __blobServiceUri): required for the review ' +
        'queue and state',
    );
  }
  return problems;
}

export function parseConfig(source: NodeJS.ProcessEnv): AppConfig {
  const present = blankAsUnset(source);
  const result = environmentSchema.safeParse(present);
  const problems = [
    ...(result.success ? [] : settingProblems(result.error)),
    ...crossFieldProblems({
      ...present,
      WEBHOOK_AUTH_DISABLED: result.data?.WEBHOOK_AUTH_DISABLED ? 'true' : undefined,
    }),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const env = result.data;

  return {
    azureDevOps: azureDevOpsConfigOf(env),
    llm: llmConfigOf(env),
    webhook: {
      disabled: env.WEBHOOK_AUTH_DISABLED,
      username: env.WEBHOOK_USERNAME,
      password: secretSource(env.WEBHOOK_PASSWORD, env.WEBHOOK_PASSWORD_SECRET_NAME),
      previousPassword: secretSource(
        env.WEBHOOK_PREVIOUS_PASSWORD,
        env.WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME,
      ),
      headerName: env.WEBHOOK_HEADER_NAME,
      headerSecret: secretSource(env.WEBHOOK_HEADER_SECRET, env.WEBHOOK_HEADER_SECRET_SECRET_NAME),
    },
    storage:
      env.AzureWebJobsStorage !== undefined
        ? { connectionString: env.AzureWebJobsStorage }
        : {
            queueServiceUri: env.AzureWebJobsStorage__queueServiceUri as string,
            blobServiceUri: env.AzureWebJobsStorage__blobServiceUri as string,
            clientId: env.AzureWebJobsStorage__clientId,
          },
    queue: { name: env.REVIEW_QUEUE_NAME },
    state: { container: env.REVIEW_STATE_CONTAINER },
    review: {
      ...reviewLimitsOf(env),
      ...reviewBudgetOf(env),
      ...reviewSafetyOf(env),
      ...jobBudgetOf(env),
      ...teamSettingsOf(env),
      ...reviewPolicyOf(env),
      busyRetrySeconds: env.REVIEW_BUSY_RETRY_SECONDS,
    },
  };
}

let cached: { config: AppConfig } | { error: ConfigError } | undefined;

/** The configuration, or the problems that make it invalid: for adapters that answer rather than throw. */
export function tryGetConfig(): { config: AppConfig } | { error: ConfigError } {
  try {
    return { config: getConfig() };
  } catch (error) {
    if (error instanceof ConfigError) return { error };
    throw error;
  }
}

/** The process's configuration, read from the environment once; throws the same ConfigError on every call. */
export function getConfig(): AppConfig {
  if (cached === undefined) {
    try {
      cached = { config: parseConfig(process.env) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      cached = { error };
    }
  }
  if ('error' in cached) throw cached.error;
  return cached.config;
}

/** The names of every setting the app reads, for documentation and the infrastructure checks. */
export const settingNames = Object.keys(environmentSchema.shape) as (keyof Environment)[];
