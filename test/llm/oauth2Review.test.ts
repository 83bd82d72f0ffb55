import { startOAuth2TokenServer, type OAuth2TokenServer } from '../../dev/identity/oauth2TokenServer';
import { openSamplePullRequest, startSandbox, threadKind, type Sandbox } from '../../dev/sandbox/sandbox';

/**
 * Full reviews with LLM_PROVIDER=openai behind an OAuth2 gateway: no API key, the client-credentials token as the
 * bearer token. The token lives four seconds: a review after it expired gets a new one before it calls the model.
 */

let tokens: OAuth2TokenServer;
let sandbox: Sandbox;

beforeAll(async () => {
  tokens = await startOAuth2TokenServer({
    clientId: 'ado-reviewer',
    clientSecret: 'gateway-client-secret',
    scope: 'api://llm-gateway/.default',
    expiresInSeconds: 4,
  });
  sandbox = await startSandbox({
    retryDelayMs: 200,
    llmServer: { authorize: ({ bearerToken }) => bearerToken !== undefined && tokens.isValid(bearerToken) },
    modelSettings: (llm) => ({
      LLM_PROVIDER: 'openai',
      OPENAI_API_KEYS: '',
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_MODEL: 'gateway-model',
      OAUTH2_ENDPOINT: tokens.endpoint,
      OAUTH2_CLIENT_ID: 'ado-reviewer',
      OAUTH2_CLIENT_SECRET: 'gateway-client-secret',
      OAUTH2_SCOPE: 'api://llm-gateway/.default',
    }),
  });
});
afterAll(async () => {
  await sandbox?.close();
  await tokens?.close();
});

it('reviews with the gateway token, and with a fresh one once it has expired', async () => {
  const first = await openSamplePullRequest(sandbox, 'first');
  await sandbox.settled();
  expect(
    sandbox.botThreads(first.repositoryId, first.pullRequestId).filter((t) => threadKind(t) === 'finding'),
  ).toHaveLength(3);
  expect(tokens.requests.map((request) => [request.status, request.scope])).toEqual([
    [200, 'api://llm-gateway/.default'],
  ]);

  await new Promise((resolve) => setTimeout(resolve, 4_500));
  const second = await openSamplePullRequest(sandbox, 'second');
  await sandbox.settled();
  expect(
    sandbox.botThreads(second.repositoryId, second.pullRequestId).filter((t) => threadKind(t) === 'finding'),
  ).toHaveLength(3);
  expect(tokens.requests).toHaveLength(2);
  const used = new Set(sandbox.llm.requests.map((sent) => sent.bearerToken));
  expect(used.size).toBe(2);
  // Every request carried a token valid when sent: none was refused.
  expect(sandbox.llm.requests).toHaveLength(2);
});
