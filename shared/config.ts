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
    .transform((value) => (value === undefined || value === '' ? fallback : value === 'true' || value === '1'));

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

const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

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

const environmentSchema = z.object({
  AZURE_DEVOPS_ORG_URL: httpUrl,
  AZURE_DEVOPS_BOT_TOKEN: z.string().min(1, 'is required'),
  AZURE_DEVOPS_BOT_USERNAME: optionalString,

  LLM_PROVIDER: z.enum(['openai']).default('openai'),
  LLM_TIMEOUT: positiveInt(120_000),
  OPENAI_API_KEYS: commaList.refine((keys) => keys.length > 0, 'must list at least one key'),
  OPENAI_BASE_URL: httpUrl.optional(),
  OPENAI_ORG_ID: optionalString,
  OPENAI_PROJECT_ID: optionalString,
  OPENAI_MODEL: optionalString.transform((value) => value ?? 'gpt-4.1-mini'),

  WEBHOOK_USERNAME: optionalString,
  WEBHOOK_PASSWORD: optionalString,
  WEBHOOK_PREVIOUS_PASSWORD: optionalString,
  WEBHOOK_HEADER_NAME: optionalString,
  WEBHOOK_HEADER_SECRET: optionalString,
  WEBHOOK_AUTH_DISABLED: booleanSetting(false),

  AzureWebJobsStorage: optionalString,
  AzureWebJobsStorage__queueServiceUri: optionalString,
  AzureWebJobsStorage__clientId: optionalString,
  REVIEW_QUEUE_NAME: queueName,

  REVIEW_MAX_FILES: positiveInt(300),
  REVIEW_MAX_FILE_BYTES: positiveInt(512 * 1024),
  REVIEW_MAX_PROMPT_CHARS: positiveInt(120_000),
});

type Environment = z.infer<typeof environmentSchema>;

export interface WebhookAuthConfig {
  disabled: boolean;
  username?: string;
  passwords: string[];
  headerName?: string;
  headerSecret?: string;
}

export type QueueConnection = { connectionString: string } | { queueServiceUri: string; clientId?: string };

export interface AppConfig {
  azureDevOps: { orgUrl: string; token: string; botUsername?: string };
  llm: {
    provider: 'openai';
    timeoutMs: number;
    apiKeys: string[];
    baseUrl?: string;
    organization?: string;
    project?: string;
    model: string;
  };
  webhook: WebhookAuthConfig;
  queue: { connection: QueueConnection; name: string };
  review: { maxFiles: number; maxFileBytes: number; maxPromptChars: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Cross-field rules zod cannot express per field; each returns a problem sentence or nothing. */
function crossFieldProblems(env: Environment): string[] {
  const problems: string[] = [];
  const hasBasic = env.WEBHOOK_USERNAME !== undefined || env.WEBHOOK_PASSWORD !== undefined;
  const hasHeader = env.WEBHOOK_HEADER_NAME !== undefined || env.WEBHOOK_HEADER_SECRET !== undefined;
  if (hasBasic && (env.WEBHOOK_USERNAME === undefined || env.WEBHOOK_PASSWORD === undefined)) {
    problems.push('WEBHOOK_USERNAME and WEBHOOK_PASSWORD: set both or neither');
  }
  if (hasHeader && (env.WEBHOOK_HEADER_NAME === undefined || env.WEBHOOK_HEADER_SECRET === undefined)) {
    problems.push('WEBHOOK_HEADER_NAME and WEBHOOK_HEADER_SECRET: set both or neither');
  }
  if (env.WEBHOOK_PREVIOUS_PASSWORD !== undefined && env.WEBHOOK_PASSWORD === undefined) {
    problems.push('WEBHOOK_PREVIOUS_PASSWORD: only meaningful together with WEBHOOK_PASSWORD');
  }
  if (!env.WEBHOOK_AUTH_DISABLED && !hasBasic && !hasHeader) {
    problems.push(
      'WEBHOOK_USERNAME/WEBHOOK_PASSWORD (or WEBHOOK_HEADER_NAME/WEBHOOK_HEADER_SECRET): required so deliveries ' +
        'can be authenticated; set WEBHOOK_AUTH_DISABLED=true only for local development',
    );
  }
  if (env.AzureWebJobsStorage === undefined && env.AzureWebJobsStorage__queueServiceUri === undefined) {
    problems.push('AzureWebJobsStorage (or AzureWebJobsStorage__queueServiceUri): required for the review queue');
  }
  return problems;
}

export function parseConfig(source: NodeJS.ProcessEnv): AppConfig {
  const result = environmentSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = result.data;
  const problems = crossFieldProblems(env);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    azureDevOps: {
      orgUrl: env.AZURE_DEVOPS_ORG_URL,
      token: env.AZURE_DEVOPS_BOT_TOKEN,
      botUsername: env.AZURE_DEVOPS_BOT_USERNAME,
    },
    llm: {
      provider: env.LLM_PROVIDER,
      timeoutMs: env.LLM_TIMEOUT,
      apiKeys: env.OPENAI_API_KEYS,
      baseUrl: env.OPENAI_BASE_URL,
      organization: env.OPENAI_ORG_ID,
      project: env.OPENAI_PROJECT_ID,
      model: env.OPENAI_MODEL,
    },
    webhook: {
      disabled: env.WEBHOOK_AUTH_DISABLED,
      username: env.WEBHOOK_USERNAME,
      passwords: [env.WEBHOOK_PASSWORD, env.WEBHOOK_PREVIOUS_PASSWORD].filter(
        (password): password is string => password !== undefined,
      ),
      headerName: env.WEBHOOK_HEADER_NAME,
      headerSecret: env.WEBHOOK_HEADER_SECRET,
    },
    queue: {
      connection:
        env.AzureWebJobsStorage !== undefined
          ? { connectionString: env.AzureWebJobsStorage }
          : {
              queueServiceUri: env.AzureWebJobsStorage__queueServiceUri as string,
              clientId: env.AzureWebJobsStorage__clientId,
            },
      name: env.REVIEW_QUEUE_NAME,
    },
    review: {
      maxFiles: env.REVIEW_MAX_FILES,
      maxFileBytes: env.REVIEW_MAX_FILE_BYTES,
      maxPromptChars: env.REVIEW_MAX_PROMPT_CHARS,
    },
  };
}

let cached: { config: AppConfig } | { error: ConfigError } | undefined;

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
