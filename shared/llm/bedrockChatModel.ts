import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import type { DocumentType } from '@smithy/types';
import type { ModelTier } from '../model-tiers/modelTiers';
import { ModelOutputError, type ChatModel, type UsageSink } from './chatModel';
import { jsonSchemaOf } from './jsonSchemaOf';

export interface BedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface BedrockChatModelOptions {
  region: string;
  /**
   * Asked before every request, so a key rotated in Key Vault is used without a restart: the caller caches (the
   * SDK would otherwise keep the first answer for the life of the process).
   */
  credentials: () => Promise<BedrockCredentials>;
  /** Per tier: a model id, an inference-profile id (`us.anthropic.…`) or an ARN, sent as given. */
  models: Record<ModelTier, string>;
  /** Replaces the regional endpoint (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`). */
  endpoint?: string;
  /** For each attempt. */
  timeoutMs: number;
  maxOutputTokens: number;
  /**
   * The SDK's HTTP/2 handler when not given. To go through a proxy: `new NodeHttpHandler({ httpsAgent,
   * throwOnRequestTimeout: true })` — an instance, since handler options alone would still build the HTTP/2 handler
   * (which ignores agents), and without `throwOnRequestTimeout` an HTTP/1.1 timeout only logs a warning.
   */
  requestHandler?: NodeHttpHandler | NodeHttp2Handler;
  /** Told the tokens and latency Converse reports for every answered call. */
  onUsage?: UsageSink;
}

/** Throttling (429), 5xx and timeouts are retried by the SDK's standard strategy, with back-off, up to this. */
const MAX_ATTEMPTS = 3;

/**
 * Amazon Bedrock through the Converse API, one interface for Anthropic's and the other hosted models. Structured
 * output is a forced tool call: the schema is the tool's input schema and the answer is the tool's input.
 */
export function createBedrockChatModel(options: BedrockChatModelOptions): ChatModel {
  const client = new BedrockRuntimeClient({
    region: options.region,
    endpoint: options.endpoint,
    // Already expired to the SDK's eye, so it asks again for each request rather than memoizing the first answer.
    credentials: async () => ({ ...(await options.credentials()), expiration: new Date(0) }),
    // Signed with these credentials even if AWS_BEARER_TOKEN_BEDROCK is set, which the SDK would otherwise prefer.
    authSchemePreference: ['sigv4'],
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: options.requestHandler,
  });

  return {
    async completeStructured({ system, user, schema, schemaName, tier = 'reasoning' }) {
      const startedAt = Date.now();
      const response = await client.send(
        new ConverseCommand({
          modelId: options.models[tier],
          system: [{ text: system }],
          messages: [{ role: 'user', content: [{ text: user }] }],
          inferenceConfig: { maxTokens: options.maxOutputTokens, temperature: 0 },
          toolConfig: {
            tools: [
              {
                toolSpec: {
                  name: schemaName,
                  description: `Records the answer, as ${schemaName}.`,
                  inputSchema: { json: jsonSchemaOf(schema) as DocumentType },
                },
              },
            ],
            toolChoice: { tool: { name: schemaName } },
          },
        }),
        { requestTimeout: options.timeoutMs },
      );
      options.onUsage?.({
        provider: 'bedrock-anthropic',
        tier,
        model: options.models[tier],
        latencyMs: Date.now() - startedAt,
        inputTokens: response.usage?.inputTokens,
        outputTokens: response.usage?.outputTokens,
      });
      const toolUse = response.output?.message?.content?.find(
        (block) => block.toolUse?.name === schemaName,
      )?.toolUse;
      if (toolUse === undefined) {
        throw new ModelOutputError(
          `The model did not answer through ${schemaName} (stop reason: ${response.stopReason})`,
        );
      }
      const parsed = schema.safeParse(toolUse.input);
      if (!parsed.success) {
        throw new ModelOutputError(
          `The model's answer does not match ${schemaName} (stop reason: ${response.stopReason}): ${parsed.error.message}`,
        );
      }
      return parsed.data;
    },
  };
}
