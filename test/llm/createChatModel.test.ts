import { z } from 'zod';
import { startOAuth2TokenServer, type OAuth2TokenServer } from '../../dev/identity/oauth2TokenServer';
import { startLlmServer, type LlmTestServer } from '../../dev/llm/llmServer';
import { parseLocalReviewConfig } from '../../shared/config';
import type { ModelUsage } from '../../shared/llm/chatModel';
import { createChatModel } from '../../shared/llm/createChatModel';
import { createSecretReader } from '../../shared/secrets/readSecret';

/**
 * The OpenAI and Azure OpenAI providers through the real openai SDK against the stand-in, configured from
 * environment settings as the app reads them.
 */

const answerSchema = z.object({ verdict: z.string(), line: z.number().int() });
const request = { system: 'You review.', user: 'Review this.', schema: answerSchema, schemaName: 'verdict' };
const answer = JSON.stringify({ verdict: 'fine', line: 3 });
const AZURE_KEY = 'azure-key-1';

const deployments = {
  'mini-prod': { reasoning: false },
  'o4mini-prod': { reasoning: true },
  'gpt41-prod': { reasoning: false },
};

let server: LlmTestServer;
let oauth2: OAuth2TokenServer;
let clock = Date.now();

beforeAll(async () => {
  oauth2 = await startOAuth2TokenServer({
    clientId: 'reviewer',
    clientSecret: 'oauth2-secret',
    expiresInSeconds: 3600,
    now: () => clock,
  });
  server = await startLlmServer({
    apiKeys: [],
    deployments,
    authorize: ({ apiKey, bearerToken }) =>
      apiKey === AZURE_KEY || (bearerToken !== undefined && oauth2.isValid(bearerToken)),
    responder: () => answer,
  });
});
afterAll(async () => {
  await Promise.all([server?.close(), oauth2?.close()]);
});
beforeEach(() => {
  server.requests.length = 0;
  oauth2.requests.length = 0;
  server.respondWith(() => answer);
});

const azure = (settings: Record<string, string> = {}) => ({
  LLM_PROVIDER: 'azure-openai',
  AZURE_OPENAI_ENDPOINT: server.url,
  AZURE_OPENAI_API_KEY: AZURE_KEY,
  AZURE_GPT41MINI_DEPLOYMENT_NAME: 'mini-prod',
  AZURE_O4MINI_DEPLOYMENT_NAME: 'o4mini-prod',
  ...settings,
});

async function modelFrom(env: Record<string, string>, usage: ModelUsage[] = []) {
  const { llm } = parseLocalReviewConfig(env);
  return createChatModel(llm, {
    readSecret: createSecretReader(undefined),
    onUsage: (figures) => usage.push(figures),
    retry: { maxRetries: 2, waitBudgetMs: 2_000 },
    now: () => clock,
  });
}

describe('azure-openai', () => {
  it('v1 API: the deployment as model, the key as api-key, a schema Azure accepts, usage reported', async () => {
    const usage: ModelUsage[] = [];
    const model = await modelFrom(azure(), usage);
    await expect(model.completeStructured({ ...request, tier: 'light' })).resolves.toEqual({
      verdict: 'fine',
      line: 3,
    });
    const [sent] = server.requests;
    expect(sent).toMatchObject({
      path: '/openai/v1/chat/completions',
      apiVersion: undefined,
      deployment: 'mini-prod',
      apiKeyHeader: AZURE_KEY,
      bearerToken: undefined,
    });
    expect(sent.body).toMatchObject({ temperature: 0, max_tokens: 16384 });
    expect(sent.body.response_format?.json_schema).toMatchObject({ name: 'verdict', strict: true });
    expect(JSON.stringify(sent.body.response_format)).not.toMatch(/minimum|maximum/);
    expect(usage).toEqual([
      expect.objectContaining({
        provider: 'azure-openai',
        tier: 'light',
        model: 'mini-prod',
        inputTokens: expect.any(Number),
      }),
    ]);
    expect(usage[0].outputTokens).toBeGreaterThan(0);
  });

  it('api-version set: the deployments path with api-version, as AzureOpenAI sends it', async () => {
    const model = await modelFrom(azure({ AZURE_OPENAI_API_VERSION: '2024-10-21' }));
    await model.completeStructured({ ...request, tier: 'light' });
    expect(server.requests[0]).toMatchObject({
      path: '/openai/deployments/mini-prod/chat/completions',
      apiVersion: '2024-10-21',
      apiKeyHeader: AZURE_KEY,
    });
  });

  it('a reasoning deployment gets max_completion_tokens and reasoning_effort, never temperature or max_tokens', async () => {
    const model = await modelFrom(azure({ LLM_MAX_OUTPUT_TOKENS: '2000' }));
    await model.completeStructured(request);
    const { body, deployment } = server.requests[0];
    expect(deployment).toBe('o4mini-prod');
    expect(body).toMatchObject({ max_completion_tokens: 2000, reasoning_effort: 'medium' });
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('falls back from a deployment that does not exist to the next of the tier', async () => {
    const usage: ModelUsage[] = [];
    // o3 is named but not deployed: heavy goes on to gpt-4.1, the general fallback.
    const model = await modelFrom(
      azure({ AZURE_O3_DEPLOYMENT_NAME: 'o3-missing', AZURE_GPT41_DEPLOYMENT_NAME: 'gpt41-prod' }),
      usage,
    );
    await expect(model.completeStructured({ ...request, tier: 'heavy' })).resolves.toEqual({
      verdict: 'fine',
      line: 3,
    });
    expect(server.requests.map((sent) => sent.deployment)).toEqual(['o3-missing', 'gpt41-prod']);
    expect(server.requests[1].body).toMatchObject({ temperature: 0 });
    expect(usage.map((figures) => figures.model)).toEqual(['gpt41-prod']);
  });

  it('waits for retry-after-ms on 429, then falls back once the retries are spent', async () => {
    let calls = 0;
    server.respondWith((sent) =>
      sent.deployment === 'o4mini-prod'
        ? (calls++,
          { status: 429, error: 'Rate limit reached', code: '429', headers: { 'retry-after-ms': '20' } })
        : answer,
    );
    const model = await modelFrom(azure({ AZURE_GPT41_DEPLOYMENT_NAME: 'gpt41-prod' }));
    await expect(model.completeStructured(request)).resolves.toEqual({ verdict: 'fine', line: 3 });
    expect(calls).toBe(3);
    expect(server.requests.map((sent) => sent.deployment)).toEqual([
      'o4mini-prod',
      'o4mini-prod',
      'o4mini-prod',
      'gpt41-prod',
    ]);
  });

  it('does not fall back on a request the service refuses (400): the error names the reason', async () => {
    server.respondWith(() => ({ status: 400, error: 'The prompt was filtered', code: 'content_filter' }));
    const model = await modelFrom(azure({ AZURE_GPT41_DEPLOYMENT_NAME: 'gpt41-prod' }));
    await expect(model.completeStructured(request)).rejects.toThrow(/filtered/);
    expect(server.requests).toHaveLength(1);
  });

  it('the stand-in refuses the schema zod writes for Azure, as Azure does', async () => {
    const { default: OpenAI } = await import('openai');
    const raw = new OpenAI({
      apiKey: 'unused',
      baseURL: `${server.url}/openai/v1`,
      defaultHeaders: { 'api-key': AZURE_KEY },
    });
    const refused = raw.chat.completions.create({
      model: 'mini-prod',
      messages: [{ role: 'user', content: 'x' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'verdict',
          strict: true,
          schema: z.toJSONSchema(answerSchema),
        },
      },
    });
    await expect(refused).rejects.toMatchObject({ status: 400, param: 'response_format' });
    await expect(refused).rejects.toThrow(/'minimum' is not permitted/);
  });
});

describe('OAuth2 in front of the model endpoint', () => {
  const withOAuth2 = () =>
    azure({
      AZURE_OPENAI_API_KEY: '',
      OAUTH2_ENDPOINT: oauth2.endpoint,
      OAUTH2_CLIENT_ID: 'reviewer',
      OAUTH2_CLIENT_SECRET: 'oauth2-secret',
    });

  it('one token request for many concurrent calls; a new one once it expires', async () => {
    const model = await modelFrom(withOAuth2());
    await Promise.all(
      Array.from({ length: 8 }, () => model.completeStructured({ ...request, tier: 'light' })),
    );
    expect(oauth2.requests).toHaveLength(1);
    const first = server.requests[0].bearerToken;
    expect(
      server.requests.every((sent) => sent.bearerToken === first && sent.apiKeyHeader === undefined),
    ).toBe(true);

    clock += 3600_000;
    await Promise.all(
      Array.from({ length: 4 }, () => model.completeStructured({ ...request, tier: 'light' })),
    );
    expect(oauth2.requests).toHaveLength(2);
    expect(server.requests.at(-1)?.bearerToken).not.toBe(first);
  });

  it('a token the endpoint refuses (401) is dropped and the call sent once more with a new one', async () => {
    const model = await modelFrom(withOAuth2());
    await model.completeStructured({ ...request, tier: 'light' });
    let refusals = 0;
    server.respondWith((sent) =>
      refusals++ === 0 ? { status: 401, error: `token ${sent.bearerToken?.slice(0, 4)} revoked` } : answer,
    );
    const before = oauth2.requests.length;
    await expect(model.completeStructured({ ...request, tier: 'light' })).resolves.toEqual({
      verdict: 'fine',
      line: 3,
    });
    expect(oauth2.requests.length).toBe(before + 1);
    const [refused, resent] = server.requests.slice(-2);
    expect(resent.bearerToken).not.toBe(refused.bearerToken);
  });
});

describe('openai', () => {
  it('the model per tier, each key in turn when one is refused', async () => {
    const keyServer = await startLlmServer({
      apiKeys: ['sk-good'],
      deployments: {
        'gpt-4.1-mini': { reasoning: false },
        'o4-mini': { reasoning: true },
        o3: { reasoning: true },
      },
      responder: () => answer,
    });
    try {
      const model = await modelFrom({
        OPENAI_API_KEYS: 'sk-revoked, sk-good',
        OPENAI_BASE_URL: keyServer.baseUrl,
      });
      for (const tier of ['light', 'reasoning', 'heavy'] as const)
        await model.completeStructured({ ...request, tier });
      expect(keyServer.requests.map((sent) => [sent.deployment, sent.apiKey])).toEqual([
        ['gpt-4.1-mini', 'sk-revoked'],
        ['gpt-4.1-mini', 'sk-good'],
        ['o4-mini', 'sk-revoked'],
        ['o4-mini', 'sk-good'],
        ['o3', 'sk-revoked'],
        ['o3', 'sk-good'],
      ]);
      expect(keyServer.requests[5].body).toMatchObject({
        reasoning_effort: 'high',
        max_completion_tokens: 16384,
      });
      // OpenAI accepts zod's schema as it is.
      expect(JSON.stringify(keyServer.requests[0].body.response_format)).toMatch(/"minimum"/);
    } finally {
      await keyServer.close();
    }
  });
});
