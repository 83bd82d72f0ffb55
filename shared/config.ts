import { z } from 'zod';

/**
 * The one place that reads the environment. Every setting the app uses is declared here, validated with zod,
 * and reported all at once when something is missing or invalid.
 */

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const booleanSetting = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((value) =>
      value === undefined || value === '' ? fallback : value === 'true' || value === '1',
    );

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

const httpUrl = z
  .string()
  .trim()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

/** Storage queue names: 3-63 lowercase letters, digits and single dashes. */
const queueName = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? 'review-jobs' : value.trim()))
  .pipe(z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid Storage queue name'));

const keyVaultSchema = z.object({
  KEY_VAULT_URI: httpUrl.optional(),
  /** The user-assigned managed identity the app runs as (Azure sets it from the template). */
  AZURE_CLIENT_ID: optionalString,
});

/** The model settings, shared by the app and the local review command. */
const llmShape = {
  LLM_PROVIDER: z.enum(['openai']).default('openai'),
  LLM_TIMEOUT: positiveInt(120_000),
  OPENAI_BASE_URL: httpUrl.optional(),
  OPENAI_ORG_ID: optionalString,
  OPENAI_PROJECT_ID: optionalString,
  OPENAI_MODEL: optionalString.transform((value) => value ?? 'gpt-4.1-mini'),
};

/** How much of a pull request one review takes on. */
const limitsShape = {
  REVIEW_MAX_FILES: positiveInt(300),
  REVIEW_MAX_FILE_BYTES: positiveInt(512 * 1024),
  REVIEW_MAX_PROMPT_CHARS: positiveInt(120_000),
};

const environmentSchema = keyVaultSchema.extend({
  AZURE_DEVOPS_ORG_URL: httpUrl,
  AZURE_DEVOPS_BOT_TOKEN: optionalString,
  AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME: optionalString,
  AZURE_DEVOPS_BOT_USERNAME: optionalString,

  ...llmShape,
  OPENAI_API_KEYS: optionalString,
  OPENAI_API_KEYS_SECRET_NAME: optionalString,

  WEBHOOK_USERNAME: optionalString,
  WEBHOOK_PASSWORD: optionalString,
  WEBHOOK_PASSWORD_SECRET_NAME: optionalString,
  WEBHOOK_PREVIOUS_PASSWORD: optionalString,
  WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME: optionalString,
  WEBHOOK_HEADER_NAME: optionalString,
  WEBHOOK_HEADER_SECRET: optionalString,
  WEBHOOK_AUTH_DISABLED: booleanSetting(false),

  AzureWebJobsStorage: optionalString,
  AzureWebJobsStorage__queueServiceUri: optionalString,
  AzureWebJobsStorage__blobServiceUri: optionalString,
  AzureWebJobsStorage__clientId: optionalString,
  REVIEW_QUEUE_NAME: queueName,

  REVIEW_STATE_CONTAINER: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? 'ado-reviewer-state' : value.trim()))
    .pipe(
      z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid blob container name'),
    ),
  REVIEW_DRAFTS: booleanSetting(false),
  REVIEW_BUSY_RETRY_SECONDS: positiveInt(10),
  REVIEW_FAIL_SEVERITY: z.enum(['never', 'high', 'medium', 'low']).default('never'),
  REVIEW_FAIL_THRESHOLD: positiveInt(1),
  REVIEW_STATUS_GENRE: optionalString.transform((value) => value ?? 'ado-reviewer'),
  REVIEW_STATUS_NAME: optionalString.transform((value) => value ?? 'review'),
  IGNORED_IDENTITY_IDS: optionalString.transform((value) =>
    (value ?? '')
      .split(',')
      .map((id) => id.trim().toLowerCase())
      .filter((id) => id !== ''),
  ),
  ...limitsShape,
});

type Environment = z.infer<typeof environmentSchema>;

/**
 * Where a secret comes from: a literal value in the environment (local use), or the name of a Key Vault secret read
 * at run time (in Azure), so that rotating it in Key Vault takes effect without a redeploy.
 */
export type SecretSource = { value: string } | { keyVaultSecret: string };

export interface WebhookAuthConfig {
  disabled: boolean;
  username?: string;
  password?: SecretSource;
  /** Still accepted while the password is rotated. */
  previousPassword?: SecretSource;
  headerName?: string;
  headerSecret?: string;
}

export interface KeyVaultConfig {
  uri: string;
  clientId?: string;
}

/** The app's storage account (queues, review state): a connection string locally, its identity in Azure. */
export type StorageConnection =
  { connectionString: string } | { queueServiceUri: string; blobServiceUri: string; clientId?: string };

export type FailSeverity = 'never' | 'high' | 'medium' | 'low';

export interface AppConfig {
  azureDevOps: { orgUrl: string; token: SecretSource; botUsername?: string };
  llm: {
    provider: 'openai';
    timeoutMs: number;
    /** Comma-separated once resolved. */
    apiKeys: SecretSource;
    baseUrl?: string;
    organization?: string;
    project?: string;
    model: string;
  };
  webhook: WebhookAuthConfig;
  keyVault?: KeyVaultConfig;
  storage: StorageConnection;
  queue: { name: string };
  /** Where review state (last reviewed iteration, planned threads) and per-PR locks live. */
  state: { container: string };
  review: {
    maxFiles: number;
    maxFileBytes: number;
    maxPromptChars: number;
    reviewDrafts: boolean;
    /** How long a job that found its pull request locked waits before it looks again. */
    busyRetrySeconds: number;
    /** The status fails when at least `failThreshold` findings are of `failSeverity` or worse; `never` only informs. */
    failSeverity: FailSeverity;
    failThreshold: number;
    statusContext: { genre: string; name: string };
    /** Other bots whose comments and pull requests are ignored (the app's own identity always is). */
    ignoredIdentityIds: string[];
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Cross-field rules zod cannot express per field; each returns a problem sentence or nothing. */
function secretSource(value: string | undefined, secretName: string | undefined): SecretSource | undefined {
  if (value !== undefined) return { value };
  return secretName === undefined ? undefined : { keyVaultSecret: secretName };
}

const SECRETS = [
  ['AZURE_DEVOPS_BOT_TOKEN', true],
  ['OPENAI_API_KEYS', true],
  ['WEBHOOK_PASSWORD', false],
  ['WEBHOOK_PREVIOUS_PASSWORD', false],
] as const;

type Presence = Record<string, string | undefined>;

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
  const hasPassword = env.WEBHOOK_PASSWORD !== undefined || env.WEBHOOK_PASSWORD_SECRET_NAME !== undefined;
  const hasPrevious =
    env.WEBHOOK_PREVIOUS_PASSWORD !== undefined || env.WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME !== undefined;
  const hasBasic = env.WEBHOOK_USERNAME !== undefined || hasPassword;
  const hasHeader = env.WEBHOOK_HEADER_NAME !== undefined || env.WEBHOOK_HEADER_SECRET !== undefined;
  if (hasBasic && (env.WEBHOOK_USERNAME === undefined || !hasPassword)) {
    problems.push('WEBHOOK_USERNAME and WEBHOOK_PASSWORD: set both or neither');
  }
  if (hasHeader && (env.WEBHOOK_HEADER_NAME === undefined || env.WEBHOOK_HEADER_SECRET === undefined)) {
    problems.push('WEBHOOK_HEADER_NAME and WEBHOOK_HEADER_SECRET: set both or neither');
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

/** A blank setting means "use the default": templates set every setting, many of them to ''. */
function blankAsUnset(source: NodeJS.ProcessEnv): Presence {
  return Object.fromEntries(
    Object.entries(source).map(([name, value]) => [name, value?.trim() === '' ? undefined : value]),
  );
}

const describeIssues = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);

export function parseConfig(source: NodeJS.ProcessEnv): AppConfig {
  const present = blankAsUnset(source);
  const result = environmentSchema.safeParse(present);
  const problems = [
    ...(result.success ? [] : describeIssues(result.error)),
    ...crossFieldProblems({
      ...present,
      WEBHOOK_AUTH_DISABLED: result.data?.WEBHOOK_AUTH_DISABLED ? 'true' : undefined,
    }),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const env = result.data;

  return {
    azureDevOps: {
      orgUrl: env.AZURE_DEVOPS_ORG_URL,
      token: secretSource(env.AZURE_DEVOPS_BOT_TOKEN, env.AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME) as SecretSource,
      botUsername: env.AZURE_DEVOPS_BOT_USERNAME,
    },
    llm: {
      provider: env.LLM_PROVIDER,
      timeoutMs: env.LLM_TIMEOUT,
      apiKeys: secretSource(env.OPENAI_API_KEYS, env.OPENAI_API_KEYS_SECRET_NAME) as SecretSource,
      baseUrl: env.OPENAI_BASE_URL,
      organization: env.OPENAI_ORG_ID,
      project: env.OPENAI_PROJECT_ID,
      model: env.OPENAI_MODEL,
    },
    webhook: {
      disabled: env.WEBHOOK_AUTH_DISABLED,
      username: env.WEBHOOK_USERNAME,
      password: secretSource(env.WEBHOOK_PASSWORD, env.WEBHOOK_PASSWORD_SECRET_NAME),
      previousPassword: secretSource(
        env.WEBHOOK_PREVIOUS_PASSWORD,
        env.WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME,
      ),
      headerName: env.WEBHOOK_HEADER_NAME,
      headerSecret: env.WEBHOOK_HEADER_SECRET,
    },
    keyVault:
      env.KEY_VAULT_URI === undefined ? undefined : { uri: env.KEY_VAULT_URI, clientId: env.AZURE_CLIENT_ID },
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
      maxFiles: env.REVIEW_MAX_FILES,
      maxFileBytes: env.REVIEW_MAX_FILE_BYTES,
      maxPromptChars: env.REVIEW_MAX_PROMPT_CHARS,
      reviewDrafts: env.REVIEW_DRAFTS,
      busyRetrySeconds: env.REVIEW_BUSY_RETRY_SECONDS,
      failSeverity: env.REVIEW_FAIL_SEVERITY,
      failThreshold: env.REVIEW_FAIL_THRESHOLD,
      statusContext: { genre: env.REVIEW_STATUS_GENRE, name: env.REVIEW_STATUS_NAME },
      ignoredIdentityIds: env.IGNORED_IDENTITY_IDS,
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

const localReviewSchema = z.object({
  ...llmShape,
  ...limitsShape,
  OPENAI_API_KEYS: optionalString,
});

export interface LocalReviewConfig {
  llm: Omit<AppConfig['llm'], 'apiKeys'>;
  /** Literal and comma-separated; only needed when the model is called. */
  apiKeys?: string;
  limits: Pick<AppConfig['review'], 'maxFiles' | 'maxFileBytes' | 'maxPromptChars'>;
}

/**
 * The settings a review of a local branch needs (`ado-reviewer review-local`): the model and the limits, with the
 * app's meanings and defaults, and the API keys given literally. Throws ConfigError naming every problem.
 */
export function parseLocalReviewConfig(source: NodeJS.ProcessEnv): LocalReviewConfig {
  const result = localReviewSchema.safeParse(blankAsUnset(source));
  if (!result.success) throw new ConfigError(describeIssues(result.error));
  const env = result.data;
  return {
    apiKeys: env.OPENAI_API_KEYS,
    llm: {
      provider: env.LLM_PROVIDER,
      timeoutMs: env.LLM_TIMEOUT,
      baseUrl: env.OPENAI_BASE_URL,
      organization: env.OPENAI_ORG_ID,
      project: env.OPENAI_PROJECT_ID,
      model: env.OPENAI_MODEL,
    },
    limits: {
      maxFiles: env.REVIEW_MAX_FILES,
      maxFileBytes: env.REVIEW_MAX_FILE_BYTES,
      maxPromptChars: env.REVIEW_MAX_PROMPT_CHARS,
    },
  };
}

let cachedKeyVault: { config: KeyVaultConfig | undefined } | undefined;

/**
 * Just the Key Vault settings, valid on their own: the Key Vault event function needs them even while the rest of
 * the configuration is invalid (for instance because a secret it names has not been set yet).
 */
export function getKeyVaultConfig(): KeyVaultConfig | undefined {
  if (cachedKeyVault === undefined) {
    const parsed = keyVaultSchema.safeParse(process.env);
    const env = parsed.success ? parsed.data : {};
    cachedKeyVault = {
      config:
        env.KEY_VAULT_URI === undefined
          ? undefined
          : { uri: env.KEY_VAULT_URI, clientId: env.AZURE_CLIENT_ID },
    };
  }
  return cachedKeyVault.config;
}

/** The names of every setting the app reads, for documentation and the infrastructure checks. */
export const settingNames = Object.keys(environmentSchema.shape) as (keyof Environment)[];
