import {
  startBedrockServer,
  type BedrockTestServer,
  type ConverseRequest,
} from '../../dev/llm/bedrockServer';
import type { ChatRequest } from '../../dev/llm/llmServer';
import { scriptedReview } from '../../dev/llm/scriptedReviewer';
import { openSamplePullRequest, startSandbox, threadKind, type Sandbox } from '../../dev/sandbox/sandbox';

/**
 * A full review with LLM_PROVIDER=bedrock-anthropic: createBedrockChatModel through the AWS SDK, SigV4-signed, against
 * the Bedrock Runtime stand-in, answered by the same scripted reviewer as the OpenAI stand-in.
 */

const REGION = 'eu-central-1';
const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'bedrock-secret-key-for-the-test',
};
const SONNET = 'eu.anthropic.claude-sonnet-4-20250514-v1:0';
const HAIKU = 'eu.anthropic.claude-3-5-haiku-20241022-v1:0';

/** The Converse request as the scripted reviewer reads chat requests: the user text and the schema's name. */
function asChatRequest(request: ConverseRequest): ChatRequest {
  const tool = request.body.toolConfig?.tools?.[0]?.toolSpec;
  const user = request.body.messages?.[0]?.content.map((block) => block.text ?? '').join('') ?? '';
  return {
    path: request.path,
    apiKey: undefined,
    body: {
      messages: [{ role: 'user', content: user }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: tool?.name ?? '', schema: tool?.inputSchema?.json },
      },
    },
  };
}

let bedrock: BedrockTestServer;
let sandbox: Sandbox;

beforeAll(async () => {
  bedrock = await startBedrockServer({
    region: REGION,
    credentials: [CREDENTIALS],
    modelIds: [SONNET, HAIKU],
    responder: (request) => ({ toolInput: JSON.parse(scriptedReview(asChatRequest(request))) }),
  });
  sandbox = await startSandbox({
    retryDelayMs: 200,
    modelSettings: () => ({
      LLM_PROVIDER: 'bedrock-anthropic',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.endpoint,
      BEDROCK_LIGHT_MODEL: HAIKU,
      BEDROCK_REASONING_MODEL: SONNET,
      BEDROCK_HEAVY_MODEL: SONNET,
    }),
  });
});
afterAll(async () => {
  await sandbox?.close();
  await bedrock?.close();
});

it('reviews the pull request through Bedrock Converse with the reasoning tier model', async () => {
  const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox);
  await sandbox.settled();
  const threads = sandbox.botThreads(repositoryId, pullRequestId);
  expect(threads.filter((thread) => threadKind(thread) === 'summary')).toHaveLength(1);
  expect(threads.filter((thread) => threadKind(thread) === 'finding')).toHaveLength(3);
  expect(bedrock.requests.map((request) => [request.modelId, request.scope?.region])).toEqual([
    [SONNET, REGION],
  ]);
  expect(bedrock.requests[0].body.inferenceConfig).toMatchObject({ maxTokens: 16384 });
  expect(sandbox.llm.requests).toHaveLength(0);
});
