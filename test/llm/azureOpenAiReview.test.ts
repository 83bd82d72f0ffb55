import { openSamplePullRequest, startSandbox, threadKind, type Sandbox } from '../../dev/sandbox/sandbox';

/**
 * A full review with LLM_PROVIDER=azure-openai, through the host and the stand-ins: the v1 API with the key in
 * `api-key`, the reasoning tier's first deployment missing (DeploymentNotFound) so the next one answers, and that one a
 * reasoning deployment that would refuse temperature and max_tokens.
 */

let sandbox: Sandbox;
const AZURE_KEY = 'azure-openai-key-for-the-test';

beforeAll(async () => {
  sandbox = await startSandbox({
    retryDelayMs: 200,
    llmServer: {
      deployments: { 'prod-o3-mini': { reasoning: true }, 'prod-gpt-41-mini': { reasoning: false } },
      authorize: ({ apiKey }) => apiKey === AZURE_KEY,
    },
    modelSettings: (llm) => ({
      LLM_PROVIDER: 'azure-openai',
      AZURE_OPENAI_ENDPOINT: llm.url,
      AZURE_OPENAI_API_KEY: AZURE_KEY,
      AZURE_O4MINI_DEPLOYMENT_NAME: 'prod-o4-mini-not-deployed',
      AZURE_O3MINI_DEPLOYMENT_NAME: 'prod-o3-mini',
      AZURE_GPT41MINI_DEPLOYMENT_NAME: 'prod-gpt-41-mini',
    }),
  });
});
afterAll(async () => {
  await sandbox?.close();
});

it('reviews the pull request, falling back from the missing deployment to the next reasoning one', async () => {
  const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox);
  await sandbox.settled();

  const threads = sandbox.botThreads(repositoryId, pullRequestId);
  expect(threads.filter((thread) => threadKind(thread) === 'summary')).toHaveLength(1);
  expect(threads.filter((thread) => threadKind(thread) === 'finding')).toHaveLength(3);

  const reviews = sandbox.llm.requests.filter(
    (sent) => sent.body.response_format?.json_schema?.name === 'pull_request_review',
  );
  expect(reviews.map((sent) => sent.deployment)).toEqual(['prod-o4-mini-not-deployed', 'prod-o3-mini']);
  for (const sent of reviews) {
    expect(sent).toMatchObject({
      path: '/openai/v1/chat/completions',
      apiKeyHeader: AZURE_KEY,
      bearerToken: undefined,
    });
    expect(sent.body).toMatchObject({ reasoning_effort: 'medium', max_completion_tokens: 16384 });
    expect(sent.body).not.toHaveProperty('temperature');
    expect(sent.body).not.toHaveProperty('max_tokens');
    // Azure's strict mode would refuse zod's integer bounds: none are sent.
    expect(JSON.stringify(sent.body.response_format)).not.toMatch(/"(minimum|maximum)"/);
  }
});

it('answers a mention with the light tier', async () => {
  const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox, 'mentions');
  await sandbox.settled();
  const summary = sandbox
    .botThreads(repositoryId, pullRequestId)
    .find((thread) => threadKind(thread) === 'summary');
  await sandbox.devops.addComment({
    pullRequestId,
    threadId: summary?.id as number,
    content: `@<${sandbox.devops.botIdentity.id}> why?`,
  });
  await sandbox.settled();
  const replies = sandbox.llm.requests.filter(
    (sent) => sent.body.response_format?.json_schema?.name === 'thread_reply',
  );
  expect(replies.map((sent) => [sent.deployment, sent.body.temperature])).toEqual([['prod-gpt-41-mini', 0]]);
});
