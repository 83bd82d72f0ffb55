import { z } from 'zod';
import {
  BEDROCK_DEFAULT_MODELS,
  isReasoningModelName,
  OPENAI_DEFAULT_MODELS,
  type ModelTier,
} from '../model-tiers/modelTiers';
import {
  credentialUrl,
  optionalString,
  positiveInt,
  secretSource,
  type Presence,
  type SecretSource,
} from './fields';

/**
 * The model settings, shared by the app and the local commands: which provider, its endpoint, and per tier the
 * ordered models (or Azure deployments) a call tries. Resolved here, without loading the model clients, so that
 * `/health` can show the tier map.
 */

const llmProviders = ['openai', 'azure-openai', 'bedrock-anthropic'] as const;
type LlmProvider = (typeof llmProviders)[number];

/** The literal secrets; the app also accepts `<NAME>_SECRET_NAME` for the first four (appSettings' SECRETS). */
const llmSecretShape = {
  OPENAI_API_KEYS: optionalString,
  AZURE_OPENAI_API_KEY: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  OAUTH2_CLIENT_SECRET: optionalString,
  /** Temporary credentials only: not worth a Key Vault secret. */
  AWS_SESSION_TOKEN: optionalString,
};

/**
 * Azure OpenAI deployments are named per model, as teams have them. The family comes from the setting, not from the
 * deployment's name: whatever AZURE_O3_DEPLOYMENT_NAME is called, it is a reasoning model.
 */
const azureDeploymentSettings = {
  AZURE_GPT41MINI_DEPLOYMENT_NAME: { reasoning: false },
  AZURE_GPT4OMINI_DEPLOYMENT_NAME: { reasoning: false },
  AZURE_GPT41_DEPLOYMENT_NAME: { reasoning: false },
  AZURE_O4MINI_DEPLOYMENT_NAME: { reasoning: true },
  AZURE_O3MINI_DEPLOYMENT_NAME: { reasoning: true },
  AZURE_O3_DEPLOYMENT_NAME: { reasoning: true },
  AZURE_O1_DEPLOYMENT_NAME: { reasoning: true },
} as const;
type AzureDeploymentSetting = keyof typeof azureDeploymentSettings;

/**
 * The order each tier tries Azure deployments in, of those configured: its own models first, then gpt-4.1 (the
 * general fallback), then the nearest other tiers. A tier with none of its own deployments so starts at the next.
 */
export const AZURE_TIER_ORDER: Record<ModelTier, readonly AzureDeploymentSetting[]> = {
  light: [
    'AZURE_GPT41MINI_DEPLOYMENT_NAME',
    'AZURE_GPT4OMINI_DEPLOYMENT_NAME',
    'AZURE_GPT41_DEPLOYMENT_NAME',
    'AZURE_O4MINI_DEPLOYMENT_NAME',
    'AZURE_O3MINI_DEPLOYMENT_NAME',
    'AZURE_O3_DEPLOYMENT_NAME',
    'AZURE_O1_DEPLOYMENT_NAME',
  ],
  reasoning: [
    'AZURE_O4MINI_DEPLOYMENT_NAME',
    'AZURE_O3MINI_DEPLOYMENT_NAME',
    'AZURE_GPT41_DEPLOYMENT_NAME',
    'AZURE_O3_DEPLOYMENT_NAME',
    'AZURE_O1_DEPLOYMENT_NAME',
    'AZURE_GPT41MINI_DEPLOYMENT_NAME',
    'AZURE_GPT4OMINI_DEPLOYMENT_NAME',
  ],
  heavy: [
    'AZURE_O3_DEPLOYMENT_NAME',
    'AZURE_O1_DEPLOYMENT_NAME',
    'AZURE_GPT41_DEPLOYMENT_NAME',
    'AZURE_O4MINI_DEPLOYMENT_NAME',
    'AZURE_O3MINI_DEPLOYMENT_NAME',
    'AZURE_GPT41MINI_DEPLOYMENT_NAME',
    'AZURE_GPT4OMINI_DEPLOYMENT_NAME',
  ],
};

/** The Key Vault secrets the model's secrets may come from instead (read through shared/secrets, rotated there). */
export const llmSecretNameShape = {
  OPENAI_API_KEYS_SECRET_NAME: optionalString,
  AZURE_OPENAI_API_KEY_SECRET_NAME: optionalString,
  AWS_SECRET_ACCESS_KEY_SECRET_NAME: optionalString,
  OAUTH2_CLIENT_SECRET_SECRET_NAME: optionalString,
};

export const llmShape = {
  LLM_PROVIDER: z.enum(llmProviders).default('openai'),
  LLM_TIMEOUT: positiveInt(120_000),
  LLM_MAX_OUTPUT_TOKENS: positiveInt(16_384),

  OPENAI_BASE_URL: credentialUrl.optional(),
  OPENAI_ORG_ID: optionalString,
  OPENAI_PROJECT_ID: optionalString,
  OPENAI_MODEL: optionalString,
  OPENAI_LIGHT_MODEL: optionalString,
  OPENAI_REASONING_MODEL: optionalString,
  OPENAI_HEAVY_MODEL: optionalString,

  AZURE_OPENAI_ENDPOINT: credentialUrl.optional(),
  AZURE_OPENAI_API_VERSION: optionalString,
  ...(Object.fromEntries(
    Object.keys(azureDeploymentSettings).map((name) => [name, optionalString]),
  ) as Record<AzureDeploymentSetting, typeof optionalString>),

  AWS_ACCESS_KEY_ID: optionalString,
  AWS_REGION: optionalString,
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: credentialUrl.optional(),
  BEDROCK_LIGHT_MODEL: optionalString,
  BEDROCK_REASONING_MODEL: optionalString,
  BEDROCK_HEAVY_MODEL: optionalString,

  OAUTH2_ENDPOINT: credentialUrl.optional(),
  OAUTH2_CLIENT_ID: optionalString,
  OAUTH2_SCOPE: optionalString,
  ...llmSecretShape,
};

type LlmEnvironment = z.infer<z.ZodObject<typeof llmShape>> & {
  OPENAI_API_KEYS_SECRET_NAME?: string;
  AZURE_OPENAI_API_KEY_SECRET_NAME?: string;
  AWS_SECRET_ACCESS_KEY_SECRET_NAME?: string;
  OAUTH2_CLIENT_SECRET_SECRET_NAME?: string;
  AZURE_CLIENT_ID?: string;
};

/** A model a call may be sent to: an OpenAI model or Bedrock model id, or an Azure deployment name. */
export interface ModelChoice {
  name: string;
  /**
   * o-series and gpt-5 models: sent `max_completion_tokens` and `reasoning_effort`, never `temperature` or
   * `max_tokens`, which they refuse.
   */
  reasoning: boolean;
}

/** Per tier, the models a call tries in turn. */
export type TierMap = Record<ModelTier, ModelChoice[]>;

interface OAuth2Settings {
  endpoint: string;
  clientId: string;
  scope?: string;
}

interface CommonLlmSettings {
  timeoutMs: number;
  maxOutputTokens: number;
  tiers: TierMap;
}

/** The settings only one provider has. */
type ProviderSettings =
  | {
      provider: 'openai';
      baseUrl?: string;
      organization?: string;
      project?: string;
      oauth2?: OAuth2Settings;
    }
  | {
      provider: 'azure-openai';
      endpoint: string;
      /** Unset: the v1 API (`/openai/v1/chat/completions`, the deployment as `model`). */
      apiVersion?: string;
      oauth2?: OAuth2Settings;
      /** Without an API key or OAuth2, Entra ID through this managed identity (DefaultAzureCredential locally). */
      managedIdentityClientId?: string;
    }
  | {
      provider: 'bedrock-anthropic';
      region: string;
      endpoint?: string;
      accessKeyId: string;
      sessionToken?: string;
    };

type LlmSettings = CommonLlmSettings & ProviderSettings;

/** Where each provider's secrets come from; the ones a provider does not use are undefined. */
interface LlmSecrets {
  /** Comma-separated once resolved. */
  apiKeys?: SecretSource;
  azureApiKey?: SecretSource;
  awsSecretAccessKey?: SecretSource;
  oauth2ClientSecret?: SecretSource;
}

export type LlmConfig = LlmSettings & { secrets: LlmSecrets };

function azureTiers(env: LlmEnvironment): TierMap {
  const chain = (tier: ModelTier) => {
    const names = new Set<string>();
    const choices: ModelChoice[] = [];
    for (const setting of AZURE_TIER_ORDER[tier]) {
      const name = env[setting];
      if (name === undefined || names.has(name)) continue;
      names.add(name);
      choices.push({ name, reasoning: azureDeploymentSettings[setting].reasoning });
    }
    return choices;
  };
  return { light: chain('light'), reasoning: chain('reasoning'), heavy: chain('heavy') };
}

function openAiTiers(env: LlmEnvironment): TierMap {
  // OPENAI_MODEL, today's one setting, is the model of every tier not named explicitly.
  const model = (explicit: string | undefined, tier: ModelTier) => {
    const name = explicit ?? env.OPENAI_MODEL ?? OPENAI_DEFAULT_MODELS[tier];
    return [{ name, reasoning: isReasoningModelName(name) }];
  };
  return {
    light: model(env.OPENAI_LIGHT_MODEL, 'light'),
    reasoning: model(env.OPENAI_REASONING_MODEL, 'reasoning'),
    heavy: model(env.OPENAI_HEAVY_MODEL, 'heavy'),
  };
}

function bedrockTiers(env: LlmEnvironment): TierMap {
  // Anthropic's models take temperature and a token limit alike: no reasoning family on Bedrock.
  const model = (explicit: string | undefined, tier: ModelTier) => [
    { name: explicit ?? BEDROCK_DEFAULT_MODELS[tier], reasoning: false },
  ];
  return {
    light: model(env.BEDROCK_LIGHT_MODEL, 'light'),
    reasoning: model(env.BEDROCK_REASONING_MODEL, 'reasoning'),
    heavy: model(env.BEDROCK_HEAVY_MODEL, 'heavy'),
  };
}

function oauth2Of(env: LlmEnvironment): OAuth2Settings | undefined {
  if (env.OAUTH2_ENDPOINT === undefined) return undefined;
  return { endpoint: env.OAUTH2_ENDPOINT, clientId: env.OAUTH2_CLIENT_ID as string, scope: env.OAUTH2_SCOPE };
}

function providerSettings(env: LlmEnvironment): ProviderSettings {
  switch (env.LLM_PROVIDER) {
    case 'openai':
      return {
        provider: 'openai',
        baseUrl: env.OPENAI_BASE_URL,
        organization: env.OPENAI_ORG_ID,
        project: env.OPENAI_PROJECT_ID,
        oauth2: oauth2Of(env),
      };
    case 'azure-openai':
      return {
        provider: 'azure-openai',
        endpoint: env.AZURE_OPENAI_ENDPOINT as string,
        apiVersion: env.AZURE_OPENAI_API_VERSION,
        oauth2: oauth2Of(env),
        managedIdentityClientId: env.AZURE_CLIENT_ID,
      };
    case 'bedrock-anthropic':
      return {
        provider: 'bedrock-anthropic',
        region: env.AWS_REGION as string,
        endpoint: env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
        accessKeyId: env.AWS_ACCESS_KEY_ID as string,
        sessionToken: env.AWS_SESSION_TOKEN,
      };
  }
}

/** Per provider, its tier map and the secrets it uses: the others are left out (and so out of literalSecretValues). */
const PROVIDERS: Record<
  LlmProvider,
  { tiers: (env: LlmEnvironment) => TierMap; secrets: (keyof LlmSecrets)[] }
> = {
  openai: { tiers: openAiTiers, secrets: ['apiKeys', 'oauth2ClientSecret'] },
  'azure-openai': { tiers: azureTiers, secrets: ['azureApiKey', 'oauth2ClientSecret'] },
  'bedrock-anthropic': { tiers: bedrockTiers, secrets: ['awsSecretAccessKey'] },
};

/** The settings and secret sources of an environment that passed `llmProblems`. */
export function llmConfigOf(env: LlmEnvironment): LlmConfig {
  const secrets: Record<keyof LlmSecrets, SecretSource | undefined> = {
    apiKeys: secretSource(env.OPENAI_API_KEYS, env.OPENAI_API_KEYS_SECRET_NAME),
    azureApiKey: secretSource(env.AZURE_OPENAI_API_KEY, env.AZURE_OPENAI_API_KEY_SECRET_NAME),
    awsSecretAccessKey: secretSource(env.AWS_SECRET_ACCESS_KEY, env.AWS_SECRET_ACCESS_KEY_SECRET_NAME),
    oauth2ClientSecret: secretSource(env.OAUTH2_CLIENT_SECRET, env.OAUTH2_CLIENT_SECRET_SECRET_NAME),
  };
  const { tiers, secrets: used } = PROVIDERS[env.LLM_PROVIDER];
  return {
    timeoutMs: env.LLM_TIMEOUT,
    maxOutputTokens: env.LLM_MAX_OUTPUT_TOKENS,
    tiers: tiers(env),
    ...providerSettings(env),
    secrets: Object.fromEntries(used.map((name) => [name, secrets[name]])),
  };
}

/** The model's secrets given literally (each API key of a list too): what printed messages must not contain. */
export function literalSecretValues({ secrets }: LlmConfig): string[] {
  return [secrets.apiKeys, secrets.azureApiKey, secrets.awsSecretAccessKey, secrets.oauth2ClientSecret]
    .flatMap((source) => (source !== undefined && 'value' in source ? source.value.split(',') : []))
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
}

/** The host requests go to, for logs, `/health` and `check-llm` (never a secret). */
export function llmEndpointHost(settings: LlmSettings): string {
  switch (settings.provider) {
    case 'openai':
      return new URL(settings.baseUrl ?? 'https://api.openai.com/v1').host;
    case 'azure-openai':
      return new URL(settings.endpoint).host;
    case 'bedrock-anthropic':
      return settings.endpoint === undefined
        ? `bedrock-runtime.${settings.region}.amazonaws.com`
        : new URL(settings.endpoint).host;
  }
}

/**
 * The cross-field rules of the model settings, on the raw environment (blank counts as unset): what each provider
 * requires, and OAuth2's settings together. Value-xor-secret-name and KEY_VAULT_URI are the app's SECRETS rules.
 */
export function llmProblems(env: Presence): string[] {
  const has = (name: string) => env[name] !== undefined || env[`${name}_SECRET_NAME`] !== undefined;
  const required = (name: string) => `${name}: is required (or ${name}_SECRET_NAME with KEY_VAULT_URI)`;
  // An invalid LLM_PROVIDER is reported by zod; the rest is checked as for the default.
  const provider = llmProviders.find((name) => name === env.LLM_PROVIDER) ?? 'openai';
  const problems: string[] = [];
  const oauth2 = env.OAUTH2_ENDPOINT !== undefined;
  if (oauth2 && env.OAUTH2_CLIENT_ID === undefined)
    problems.push('OAUTH2_CLIENT_ID: is required with OAUTH2_ENDPOINT');
  if (oauth2 && !has('OAUTH2_CLIENT_SECRET'))
    problems.push(`${required('OAUTH2_CLIENT_SECRET')} with OAUTH2_ENDPOINT`);
  if (
    !oauth2 &&
    (env.OAUTH2_CLIENT_ID !== undefined || has('OAUTH2_CLIENT_SECRET') || env.OAUTH2_SCOPE !== undefined)
  )
    problems.push('OAUTH2_ENDPOINT: is required when the other OAUTH2_* settings are set');
  if (oauth2 && provider === 'bedrock-anthropic')
    problems.push('OAUTH2_ENDPOINT: is for the openai and azure-openai providers, not bedrock-anthropic');

  if (provider === 'openai') {
    const keys =
      env.OPENAI_API_KEYS_SECRET_NAME !== undefined ||
      (env.OPENAI_API_KEYS ?? '').split(',').some((key) => key.trim() !== '');
    if (!keys && !oauth2) problems.push(`${required('OPENAI_API_KEYS')}, unless OAUTH2_ENDPOINT is set`);
    if (keys && oauth2)
      problems.push('OPENAI_API_KEYS and OAUTH2_ENDPOINT: set one, not both (each is the bearer token)');
  } else if (provider === 'azure-openai') {
    if (env.AZURE_OPENAI_ENDPOINT === undefined)
      problems.push('AZURE_OPENAI_ENDPOINT: is required with LLM_PROVIDER=azure-openai');
    if (Object.keys(azureDeploymentSettings).every((name) => env[name] === undefined))
      problems.push(
        'AZURE_*_DEPLOYMENT_NAME: at least one deployment is required with LLM_PROVIDER=azure-openai ' +
          '(AZURE_GPT41MINI_DEPLOYMENT_NAME, AZURE_O4MINI_DEPLOYMENT_NAME, AZURE_O3_DEPLOYMENT_NAME, …)',
      );
  } else if (provider === 'bedrock-anthropic') {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_REGION'])
      if (env[name] === undefined) problems.push(`${name}: is required with LLM_PROVIDER=bedrock-anthropic`);
    if (!has('AWS_SECRET_ACCESS_KEY'))
      problems.push(`${required('AWS_SECRET_ACCESS_KEY')} with LLM_PROVIDER=bedrock-anthropic`);
  }
  return problems;
}
