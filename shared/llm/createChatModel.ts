import OpenAI, { AzureOpenAI } from 'openai';
import type { LlmConfig, SecretSource } from '../config';
import { getProxySettings } from '../config/proxySettings';
import { getProxyAgent, getProxyFetch } from '../http/outboundProxy';
import { getAzureCredential } from '../identity/azureCredential';
import { readRequiredSecret, type SecretReader } from '../secrets/readSecret';
import type { BearerTokenSource } from './bearerToken';
import type { ChatModel, UsageSink } from './chatModel';
import { createEntraIdTokenSource } from './entraIdTokenSource';
import { createOAuth2TokenSource } from './oauth2TokenSource';
import { createOpenAiCompatibleChatModel } from './openAiChatModel';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retryPolicy';

export interface ChatModelDependencies {
  /** Resolves the model's secrets: literals, or Key Vault secrets through the process's cache. */
  readSecret: SecretReader;
  /** Drops a cached Key Vault secret, so that a rotated OAuth2 client secret is read anew. */
  invalidateSecret?: (name: string) => void;
  onUsage?: UsageSink;
  retry?: RetryPolicy;
  /** The clock tokens expire by; for tests. */
  now?: () => number;
}

/**
 * The SDK insists on a key; with a bearer token or an `api-key` header this placeholder is replaced (or removed) by
 * the request's own headers, so it is never what authenticates.
 */
const NO_KEY = 'unused';

/**
 * Token sources live as long as the process, so that every job (and every concurrent call) shares one cached token
 * and one request in flight for it.
 */
const tokenSources = new Map<string, BearerTokenSource>();

function tokenSource(key: string, create: () => BearerTokenSource): BearerTokenSource {
  let source = tokenSources.get(key);
  if (source === undefined) {
    source = create();
    tokenSources.set(key, source);
  }
  return source;
}

async function required(deps: ChatModelDependencies, source: SecretSource | undefined, setting: string) {
  if (source === undefined) throw new Error(`${setting}: is required`);
  return readRequiredSecret(deps.readSecret, source, setting);
}

function oauth2Bearer(config: LlmConfig, deps: ChatModelDependencies): BearerTokenSource | undefined {
  if (config.provider === 'bedrock-anthropic' || config.oauth2 === undefined) return undefined;
  const { endpoint, clientId, scope } = config.oauth2;
  const secret = config.secrets.oauth2ClientSecret;
  return tokenSource(`oauth2 ${endpoint} ${clientId} ${scope ?? ''}`, () =>
    createOAuth2TokenSource({
      endpoint,
      clientId,
      scope,
      clientSecret: () => required(deps, secret, 'OAUTH2_CLIENT_SECRET'),
      onInvalidClient: () => {
        if (secret !== undefined && 'keyVaultSecret' in secret)
          deps.invalidateSecret?.(secret.keyVaultSecret);
      },
      timeoutMs: config.timeoutMs,
      fetch: getProxyFetch(),
      now: deps.now,
    }),
  );
}

async function createBedrockModel(
  config: Extract<LlmConfig, { provider: 'bedrock-anthropic' }>,
  deps: ChatModelDependencies,
) {
  // Loaded only for this provider: the AWS SDK is large.
  const { createBedrockChatModel } = await import('./bedrockChatModel');
  const proxy = getProxySettings();
  // The SDK's HTTP/2 handler ignores agents: through a proxy, HTTP/1.1 with the proxy-routing agent.
  const requestHandler =
    proxy.httpsProxy !== undefined || proxy.httpProxy !== undefined
      ? new (await import('@smithy/node-http-handler')).NodeHttpHandler({
          httpAgent: getProxyAgent(),
          httpsAgent: getProxyAgent(),
          throwOnRequestTimeout: true,
        })
      : undefined;
  return createBedrockChatModel({
    region: config.region,
    endpoint: config.endpoint,
    credentials: async () => ({
      accessKeyId: config.accessKeyId,
      secretAccessKey: await required(deps, config.secrets.awsSecretAccessKey, 'AWS_SECRET_ACCESS_KEY'),
      sessionToken: config.sessionToken,
    }),
    models: {
      light: config.tiers.light[0].name,
      reasoning: config.tiers.reasoning[0].name,
      heavy: config.tiers.heavy[0].name,
    },
    timeoutMs: config.timeoutMs,
    maxOutputTokens: config.maxOutputTokens,
    requestHandler,
    onUsage: deps.onUsage,
  });
}

/**
 * The configured provider's ChatModel: each call names a tier and goes to that tier's models, with fallbacks (see
 * shared/config/llmSettings.ts for the tier map). Secrets are read now (API keys) or per token request (OAuth2 client
 * secret, AWS secret key), through `deps.readSecret`, so Key Vault rotation works as for the other secrets.
 */
export async function createChatModel(config: LlmConfig, deps: ChatModelDependencies): Promise<ChatModel> {
  if (config.provider === 'bedrock-anthropic') return createBedrockModel(config, deps);

  const clientOptions = { timeout: config.timeoutMs, maxRetries: 0, fetch: getProxyFetch() };
  const common = {
    tiers: config.tiers,
    maxOutputTokens: config.maxOutputTokens,
    retry: deps.retry ?? DEFAULT_RETRY_POLICY,
    onUsage: deps.onUsage,
    bearer: oauth2Bearer(config, deps),
  };

  if (config.provider === 'openai') {
    const keys =
      config.secrets.apiKeys === undefined
        ? [NO_KEY]
        : (await required(deps, config.secrets.apiKeys, 'OPENAI_API_KEYS'))
            .split(',')
            .map((key) => key.trim())
            .filter((key) => key !== '');
    const clients = keys.map(
      (apiKey) =>
        new OpenAI({
          ...clientOptions,
          apiKey,
          baseURL: config.baseUrl,
          organization: config.organization ?? null,
          project: config.project ?? null,
        }),
    );
    return createOpenAiCompatibleChatModel({ ...common, provider: 'openai', clients });
  }

  const apiKey =
    config.secrets.azureApiKey === undefined
      ? undefined
      : await required(deps, config.secrets.azureApiKey, 'AZURE_OPENAI_API_KEY');
  // Keyless: Entra ID, through the app's managed identity in Azure (developer sign-ins locally).
  const bearer =
    common.bearer ??
    (apiKey === undefined
      ? tokenSource(`entra ${config.managedIdentityClientId ?? ''}`, () =>
          createEntraIdTokenSource({ credential: getAzureCredential(config.managedIdentityClientId) }),
        )
      : undefined);
  // The key goes in `api-key`; Authorization only carries a token, set per request.
  const defaultHeaders = { 'api-key': apiKey ?? null, Authorization: null };
  const client =
    config.apiVersion === undefined
      ? new OpenAI({
          ...clientOptions,
          apiKey: NO_KEY,
          baseURL: `${config.endpoint}/openai/v1`,
          defaultHeaders,
        })
      : // The deployments API: AzureOpenAI moves `model` into `/openai/deployments/{name}/…?api-version=…`.
        new AzureOpenAI({
          ...clientOptions,
          apiKey: apiKey ?? NO_KEY,
          endpoint: config.endpoint,
          apiVersion: config.apiVersion,
          defaultHeaders,
        });
  return createOpenAiCompatibleChatModel({ ...common, bearer, provider: 'azure-openai', clients: [client] });
}
