import {
  startManagedIdentityServer,
  type ManagedIdentityServer,
} from '../../dev/identity/managedIdentityServer';
import { openSamplePullRequest, startSandbox, threadKind, type Sandbox } from '../../dev/sandbox/sandbox';

/**
 * A full review with LLM_PROVIDER=azure-openai and no key: Entra ID tokens from the app's managed identity (the App
 * Service identity endpoint's stand-in, IDENTITY_ENDPOINT / IDENTITY_HEADER, as Azure Functions sets them), sent as
 * the bearer token on the api-version path `/openai/deployments/{name}/chat/completions?api-version=…`.
 */

const RESOURCE = 'https://cognitiveservices.azure.com';
let identity: ManagedIdentityServer;
let sandbox: Sandbox;

beforeAll(async () => {
  identity = await startManagedIdentityServer();
  sandbox = await startSandbox({
    retryDelayMs: 200,
    llmServer: {
      deployments: { 'review-o3': { reasoning: true }, 'review-mini': { reasoning: false } },
      authorize: ({ apiKey, bearerToken }) =>
        apiKey === undefined && bearerToken !== undefined && identity.isValid(bearerToken, RESOURCE),
    },
    modelSettings: (llm) => ({
      LLM_PROVIDER: 'azure-openai',
      AZURE_OPENAI_ENDPOINT: llm.url,
      AZURE_OPENAI_API_VERSION: '2024-10-21',
      AZURE_O3_DEPLOYMENT_NAME: 'review-o3',
      AZURE_GPT41MINI_DEPLOYMENT_NAME: 'review-mini',
      IDENTITY_ENDPOINT: identity.endpoint,
      IDENTITY_HEADER: identity.header,
    }),
  });
});
afterAll(async () => {
  await sandbox?.close();
  await identity?.close();
  delete process.env.IDENTITY_ENDPOINT;
  delete process.env.IDENTITY_HEADER;
});

it('reviews with a managed-identity token on the api-version path', async () => {
  const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox);
  await sandbox.settled();

  const threads = sandbox.botThreads(repositoryId, pullRequestId);
  expect(threads.filter((thread) => threadKind(thread) === 'finding')).toHaveLength(3);
  const [review] = sandbox.llm.requests;
  expect(review).toMatchObject({
    path: '/openai/deployments/review-o3/chat/completions',
    apiVersion: '2024-10-21',
    apiKeyHeader: undefined,
  });
  expect(identity.isValid(review.bearerToken as string, RESOURCE)).toBe(true);
  // No o4-mini or o3-mini deployment: the reasoning tier goes on to o3 (heavy's), before the light models.
  expect(review.body).toMatchObject({ reasoning_effort: 'medium' });
  expect(identity.requests.filter((request) => request.status === 200)).toHaveLength(1);
  expect(identity.requests[0]).toMatchObject({ resource: RESOURCE, headerMatched: true });
});
