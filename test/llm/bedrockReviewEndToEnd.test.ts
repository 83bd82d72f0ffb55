import {
  startBedrockServer,
  type BedrockTestServer,
  type ConverseAnswer,
  type ConverseRequest,
} from '../../dev/llm/bedrockServer';
import { scriptedReview } from '../../dev/llm/scriptedReviewer';
import { openSamplePullRequest, startSandbox, threadKind, type Sandbox } from '../../dev/sandbox/sandbox';

/**
 * A review through the app with LLM_PROVIDER=bedrock-anthropic: service hook → webhook → queue → review function
 * → the real BedrockRuntimeClient, signed with the configured key, against the Bedrock stand-in.
 */

const REGION = 'us-east-1';
const MODELS = {
  BEDROCK_LIGHT_MODEL: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
  BEDROCK_REASONING_MODEL: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
  BEDROCK_HEAVY_MODEL:
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0',
};
const KEY = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** The sandbox's scripted reviewer, asked through Converse: the forced tool's name and the prompt, answered as the tool's input. */
function scriptedConverse(request: ConverseRequest): ConverseAnswer {
  const toolName = request.body.toolConfig?.toolChoice?.tool?.name ?? '';
  const user = request.body.messages?.[0]?.content.map((block) => block.text ?? '').join('') ?? '';
  const content = scriptedReview({
    path: request.path,
    apiKey: undefined,
    body: {
      messages: [
        { role: 'system', content: request.body.system?.map((block) => block.text ?? '').join('') ?? '' },
        { role: 'user', content: user },
      ],
      response_format: { type: 'json_schema', json_schema: { name: toolName, schema: {} } },
    },
  });
  return { toolInput: JSON.parse(content) };
}

let bedrock: BedrockTestServer;
let sandbox: Sandbox;

beforeAll(async () => {
  bedrock = await startBedrockServer({
    region: REGION,
    credentials: [KEY],
    modelIds: Object.values(MODELS),
    responder: scriptedConverse,
  });
  sandbox = await startSandbox({
    retryDelayMs: 200,
    settings: {
      LLM_PROVIDER: 'bedrock-anthropic',
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.endpoint,
      ...MODELS,
    },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await bedrock?.close();
});

it('reviews a pull request through Bedrock: a summary and the inline findings, no OpenAI call', async () => {
  const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox);
  await sandbox.settled();

  const threads = sandbox.botThreads(repositoryId, pullRequestId);
  expect(threads.filter((thread) => threadKind(thread) === 'summary')).toHaveLength(1);
  expect(threads.filter((thread) => thread.threadContext?.filePath !== undefined)).toHaveLength(3);

  expect(sandbox.llm.requests).toHaveLength(0);
  expect(bedrock.requests.length).toBeGreaterThan(0);
  for (const sent of bedrock.requests) {
    expect(sent.scope).toEqual({ accessKeyId: KEY.accessKeyId, region: REGION, service: 'bedrock' });
    expect(Object.values(MODELS)).toContain(sent.modelId);
  }
  expect(bedrock.requests.map((sent) => sent.body.toolConfig?.toolChoice?.tool?.name)).toContain(
    'pull_request_review',
  );
});
