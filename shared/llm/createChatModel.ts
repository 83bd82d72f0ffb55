import OpenAI, { AzureOpenAI } from 'openai';
import type { LlmConfig, SecretSource } from '../config';
import { getProxySettings } from '../config/proxySettings';
import { getProxyAgent, getProxyFetch } from '../http/outboundProxy';
import { getAzureCredential } from '../identity/azureCredential';
import { readRequiredSecret, type SecretReader } from '../secrets/readSecret';
import { fixedSecret, type RefreshingSecret } from '../secrets/refreshingSecret';
import type { BearerTokenSource } from './bearerToken';
import type { ChatModel, UsageSink } from './chatModel';
import { createEntraIdTokenSource } from './entraIdTokenSource';
import { createOAuth2TokenSource } from './oauth2TokenSource';
import { createOpenAiCompatibleChatModel } from './openAiChatModel';
import { askingOnceMore, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retryPolicy';

interface ChatModelDependencies {
  /** Resolves the model's secrets: literals, or Key Vault secrets through the process's cache. */
  readSecret: SecretReader;
  /**
   * Reads a secret the client sends with every request (an API key) so that it can be read again when the provider
   * refuses it (shared/secrets/refreshingSecret.ts); without it the value is read once.
   */
  openSecret?: (source: SecretSource, setting: string) => Promise<RefreshingSecret>;
  /** Re-reads a Key Vault secret after the OAuth2 endpoint refused it (`invalid_client`), within the store's limits. */
  rereadSecret?: (name: string) => Promise<void>;
  onUsage?: UsageSink;
  retry?: RetryPolicy;
  /** Called before a call is asked once more (askingOnceMore); throwing stops it, as the job's deadline does. */
  beforeRetry?: () => void;
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

async function openKey(deps: ChatModelDependencies, source: SecretSource, setting: string) {
  return deps.openSecret === undefined
    ? fixedSecret(await required(deps, source, setting))
    : deps.openSecret(source, setting);
}

/**
 * A model built from a key that may be rotated: when the provider refuses the key (401), the key is read again once
 * and, if Key Vault now holds another value, the call is made once more with a model built from it.
 */
function withKeyRefresh(key: RefreshingSecret, build: (value: string) => ChatModel): ChatModel {
  let sent = key.value();
  let model = build(sent);
  return {
    async completeStructured(request) {
      try {
        return await model.completeStructured(request);
      } catch (error) {
        const refused = error instanceof OpenAI.APIError && error.status === 401;
        if (!refused || !(await key.refresh(sent))) throw error;
        if (key.value() !== sent) {
          sent = key.value();
          model = build(sent);
        }
        return model.completeStructured(request);
      }
    },
  };
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
      onInvalidClient: async () => {
        if (secret !== undefined && 'keyVaultSecret' in secret)
          await deps.rereadSecret?.(secret.keyVaultSecret);
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
  return askingOnceMore(await createProviderModel(config, deps), deps.beforeRetry);
}

async function createProviderModel(config: LlmConfig, deps: ChatModelDependencies): Promise<ChatModel> {
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
    const build = (apiKeys: string) => {
      const clients = apiKeys
        .split(',')
        .map((key) => key.trim())
        .filter((key) => key !== '')
        .map(
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
    };
    if (config.secrets.apiKeys === undefined) return build(NO_KEY);
    return withKeyRefresh(await openKey(deps, config.secrets.apiKeys, 'OPENAI_API_KEYS'), build);
  }

  // Keyless: Entra ID, through the app's managed identity in Azure (developer sign-ins locally).
  const build = (apiKey: string | undefined) => {
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
    return createOpenAiCompatibleChatModel({
      ...common,
      bearer,
      provider: 'azure-openai',
      clients: [client],
    });
  };
  if (config.secrets.azureApiKey === undefined) return build(undefined);
  return withKeyRefresh(await openKey(deps, config.secrets.azureApiKey, 'AZURE_OPENAI_API_KEY'), build);
}
