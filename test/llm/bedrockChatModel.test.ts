import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { startBedrockServer, type BedrockTestServer, type ConverseAnswer } from '../../dev/llm/bedrockServer';
import {
  createBedrockChatModel,
  type BedrockChatModelOptions,
  type BedrockCredentials,
} from '../../shared/llm/bedrockChatModel';
import { ModelOutputError, type ModelUsage } from '../../shared/llm/chatModel';

const REGION = 'eu-west-1';
const KEY: BedrockCredentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const ROTATED_KEY: BedrockCredentials = {
  accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'session-token-of-the-rotated-key',
};
const MODELS = {
  light: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  reasoning: 'eu.anthropic.claude-sonnet-4-20250514-v1:0',
  heavy:
    'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-20250514-v1:0',
};

const verdict = z.object({
  summary: z.string(),
  findings: z.array(z.object({ line: z.number().int(), comment: z.string() })),
});
const answer = { summary: 'One issue.', findings: [{ line: 3, comment: 'Loose equality.' }] };
const request = {
  system: 'You review pull requests.',
  user: 'Review this diff.',
  schema: verdict,
  schemaName: 'pull_request_review',
};

let server: BedrockTestServer;

beforeAll(async () => {
  server = await startBedrockServer({
    region: REGION,
    credentials: [KEY, ROTATED_KEY],
    modelIds: Object.values(MODELS),
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.respondWith(() => ({ toolInput: answer }));
});

function model(overrides: Partial<BedrockChatModelOptions> = {}) {
  return createBedrockChatModel({
    region: REGION,
    credentials: async () => KEY,
    models: MODELS,
    endpoint: server.endpoint,
    timeoutMs: 5_000,
    maxOutputTokens: 4_096,
    ...overrides,
  });
}

/** What the call was rejected with, to look at more than its message. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('Bedrock chat model (Converse through the SDK, against the stand-in)', () => {
  it('forces the schema as a tool and returns its validated input', async () => {
    await expect(model().completeStructured(request)).resolves.toEqual(answer);

    const [sent] = server.requests;
    expect(sent.httpVersion).toBe('2.0');
    expect(sent.body.system).toEqual([{ text: request.system }]);
    expect(sent.body.messages).toEqual([{ role: 'user', content: [{ text: request.user }] }]);
    expect(sent.body.inferenceConfig?.maxTokens).toBe(4_096);
    expect(sent.body.toolConfig?.toolChoice).toEqual({ tool: { name: 'pull_request_review' } });
    const toolSpec = sent.body.toolConfig?.tools?.[0]?.toolSpec;
    expect(toolSpec?.name).toBe('pull_request_review');
    expect(toolSpec?.inputSchema?.json).toMatchObject({
      type: 'object',
      required: ['summary', 'findings'],
      properties: { findings: { type: 'array' } },
    });
    expect(toolSpec?.inputSchema?.json).not.toHaveProperty('$schema');
  });

  it('asks the model of the tier, reasoning by default, and sends profile ids and ARNs as given', async () => {
    const chat = model();
    await chat.completeStructured({ ...request, tier: 'light' });
    await chat.completeStructured(request);
    await chat.completeStructured({ ...request, tier: 'heavy' });

    expect(server.requests.map((sent) => sent.modelId)).toEqual([
      MODELS.light,
      MODELS.reasoning,
      MODELS.heavy,
    ]);
    expect(server.requests[1].path).toBe(`/model/${encodeURIComponent(MODELS.reasoning)}/converse`);
    expect(server.requests[2].path).toBe(`/model/${encodeURIComponent(MODELS.heavy)}/converse`);
  });

  it('reports the tokens Converse answered with, per call, with the tier and model', async () => {
    const usage: ModelUsage[] = [];
    const chat = model({ onUsage: (figures) => usage.push(figures) });
    await chat.completeStructured({ ...request, tier: 'light' });
    await chat.completeStructured(request);

    expect(usage.map(({ latencyMs: _latency, ...figures }) => figures)).toEqual(
      server.requests.map((sent, index) => ({
        provider: 'bedrock-anthropic',
        tier: index === 0 ? 'light' : 'reasoning',
        model: sent.modelId,
        inputTokens: sent.usage?.inputTokens,
        outputTokens: sent.usage?.outputTokens,
      })),
    );
    expect(usage.every((figures) => (figures.inputTokens ?? 0) > 0 && figures.latencyMs >= 0)).toBe(true);
  });

  it('signs with SigV4 for bedrock in the configured region, and the stand-in verifies the signature', async () => {
    await model().completeStructured(request);

    const [sent] = server.requests;
    expect(sent.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/\\d{8}/${REGION}/bedrock/aws4_request, SignedHeaders=[^,]*x-amz-date[^,]*, Signature=[0-9a-f]{64}$`,
      ),
    );
    expect(sent.scope).toEqual({ accessKeyId: KEY.accessKeyId, region: REGION, service: 'bedrock' });
    expect(sent.authorization).not.toContain(KEY.secretAccessKey);
  });

  it('refuses a request signed with the wrong secret for a known key id', async () => {
    const wrongSecret = { ...KEY, secretAccessKey: 'not-the-secret-of-this-key-id' };
    const error = await rejectionOf(
      model({ credentials: async () => wrongSecret }).completeStructured(request),
    );
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/signature we calculated does not match/);
  });

  it('asks for the credentials on every request, so a rotated key is used at once', async () => {
    let current = KEY;
    const chat = model({ credentials: async () => current });
    await chat.completeStructured(request);
    current = ROTATED_KEY;
    await chat.completeStructured(request);

    expect(server.requests.map((sent) => sent.scope?.accessKeyId)).toEqual([
      KEY.accessKeyId,
      ROTATED_KEY.accessKeyId,
    ]);
  });

  it('fails clearly on an unknown model id', async () => {
    const error = await rejectionOf(
      model({ models: { ...MODELS, reasoning: 'anthropic.claude-unknown-v9:0' } }).completeStructured(
        request,
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toContain('anthropic.claude-unknown-v9:0');
  });

  it('fails clearly on an unknown key, without the secret in the error', async () => {
    const unknownKey = {
      accessKeyId: 'AKIAUNKNOWNEXAMPLE00',
      secretAccessKey: 'secret-that-must-not-leak-123',
    };
    const error = await rejectionOf(
      model({ credentials: async () => unknownKey }).completeStructured(request),
    );
    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.message).toBe('The security token included in the request is invalid.');
    const shown = `${String(error)} ${error.stack} ${JSON.stringify(error)}`;
    expect(shown).not.toContain(unknownKey.secretAccessKey);
    expect(server.requests).toHaveLength(1);
  });

  it('retries throttling and then succeeds', async () => {
    const answers: ConverseAnswer[] = [
      {
        status: 429,
        errorType: 'ThrottlingException',
        message: 'Too many requests, please wait before trying again.',
      },
      { toolInput: answer },
    ];
    server.respondWith(
      () => answers.shift() ?? { status: 500, errorType: 'InternalServerException', message: '' },
    );

    await expect(model().completeStructured(request)).resolves.toEqual(answer);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up on a failing service after a bounded number of attempts', async () => {
    server.respondWith(() => ({
      status: 503,
      errorType: 'ServiceUnavailableException',
      message: 'The service is unavailable.',
    }));

    const error = await rejectionOf(model().completeStructured(request));
    expect(error.name).toBe('ServiceUnavailableException');
    expect(server.requests).toHaveLength(3);
  });

  it('times out a request that gets no answer, per attempt', async () => {
    server.respondWith(
      () => new Promise((resolve) => setTimeout(() => resolve({ toolInput: answer }), 3_000)),
    );

    const startedAt = Date.now();
    const error = await rejectionOf(model({ timeoutMs: 200 }).completeStructured(request));
    expect(error.name).toBe('TimeoutError');
    expect(server.requests).toHaveLength(3);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it('rejects an answer that does not match the schema, or that is not a tool call', async () => {
    server.respondWith(() => ({ toolInput: { summary: 'No findings field.' } }));
    await expect(model().completeStructured(request)).rejects.toThrow(ModelOutputError);

    server.respondWith(() => ({ text: 'I would rather chat.' }));
    await expect(model().completeStructured(request)).rejects.toThrow(
      /did not answer through pull_request_review \(stop reason: end_turn\)/,
    );
  });

  it('speaks HTTP/1.1 through a NodeHttpHandler, the way a proxy agent is given', async () => {
    const requestHandler = new NodeHttpHandler({ throwOnRequestTimeout: true });
    await expect(model({ requestHandler }).completeStructured(request)).resolves.toEqual(answer);
    expect(server.requests[0].httpVersion).toBe('1.1');
    requestHandler.destroy();
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_BEDROCK_RUNTIME, and signs even with a Bedrock bearer token set', async () => {
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = server.endpoint;
    process.env.AWS_BEARER_TOKEN_BEDROCK = 'bearer-token-that-must-not-be-used';
    try {
      await expect(model({ endpoint: undefined }).completeStructured(request)).resolves.toEqual(answer);
    } finally {
      process.env = saved;
    }
    expect(server.requests[0].scope?.accessKeyId).toBe(KEY.accessKeyId);
  });
});
