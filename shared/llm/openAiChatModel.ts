import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import type { ModelChoice, TierMap } from '../config';
import type { BearerTokenSource } from './bearerToken';
import type { ModelTier } from '../model-tiers/modelTiers';
import { ModelOutputError, type ChatModel, type UsageSink } from './chatModel';
import { retryWait, sleep, type RetryPolicy } from './retryPolicy';
import { strictJsonSchema, type SchemaDialect } from './strictJsonSchema';

/** Statuses after which the next configured key may succeed: revoked key, or this key's quota exhausted. */
const TRY_NEXT_KEY = new Set([401, 403, 429]);

/** Reasoning effort per tier, for the models that take one. */
const REASONING_EFFORT: Record<ModelTier, 'low' | 'medium' | 'high'> = {
  light: 'low',
  reasoning: 'medium',
  heavy: 'high',
};

interface OpenAiCompatibleModelOptions {
  provider: SchemaDialect;
  /**
   * The SDK clients (built with `maxRetries: 0`: the retries are this model's, bounded), one per API key, tried in
   * turn when one is refused or rate-limited. One client when there is no key or a single one.
   */
  clients: OpenAI[];
  /** Sent as `Authorization: Bearer` on every request; a 401 drops it and the request goes once more. */
  bearer?: BearerTokenSource;
  tiers: TierMap;
  maxOutputTokens: number;
  retry: RetryPolicy;
  onUsage?: UsageSink;
}

/**
 * Whether the next model of the tier may answer where this one did not: the deployment or model does not exist
 * (404, Azure's DeploymentNotFound), it stayed rate-limited through the retries (429), or it failed (5xx).
 */
function fallsBack(error: unknown): boolean {
  if (!(error instanceof OpenAI.APIError) || error.status === undefined) return false;
  return error.status === 404 || error.status === 429 || error.status >= 500;
}

/** The body for `choice`: reasoning models refuse `temperature` and `max_tokens`, the others `reasoning_effort`. */
function chatRequestBody(
  choice: ModelChoice,
  tier: ModelTier,
  maxOutputTokens: number,
  prompt: { system: string; user: string; schemaName: string; schema: Record<string, unknown> },
): ChatCompletionCreateParamsNonStreaming {
  const limits = choice.reasoning
    ? { max_completion_tokens: maxOutputTokens, reasoning_effort: REASONING_EFFORT[tier] }
    : { temperature: 0, max_tokens: maxOutputTokens };
  return {
    model: choice.name,
    messages: [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ],
    response_format: {
      type: 'json_schema',
      json_schema: { name: prompt.schemaName, strict: true, schema: prompt.schema },
    },
    ...limits,
  };
}

/**
 * OpenAI and Azure OpenAI (or any OpenAI-compatible endpoint) with strict structured output. A call tries its
 * tier's models in order (see `fallsBack`); each with every key in turn; each attempt retried on 429 and 5xx after
 * the wait the service asks for (`retry-after-ms`, `Retry-After`), within the retry policy's budget.
 */
export function createOpenAiCompatibleChatModel(options: OpenAiCompatibleModelOptions): ChatModel {
  if (options.clients.length === 0) throw new Error('OPENAI_API_KEYS: holds no key');
  const { bearer, retry } = options;

  async function send(
    client: OpenAI,
    body: ChatCompletionCreateParamsNonStreaming,
    budget: { waitedMs: number },
  ): Promise<ChatCompletion> {
    for (let attempt = 0, tokenRenewed = false; ; attempt++) {
      const token = await bearer?.getToken();
      try {
        return await client.chat.completions.create(body, {
          headers: token === undefined ? undefined : { Authorization: `Bearer ${token}` },
        });
      } catch (error) {
        if (
          token !== undefined &&
          error instanceof OpenAI.APIError &&
          error.status === 401 &&
          !tokenRenewed
        ) {
          bearer?.invalidate(token);
          tokenRenewed = true;
          continue;
        }
        const wait = retryWait(error, attempt, retry, budget.waitedMs);
        if (wait === undefined) throw error;
        budget.waitedMs += wait;
        await (retry.sleep ?? sleep)(wait);
      }
    }
  }

  return {
    async completeStructured({ system, user, schema, schemaName, tier = 'reasoning' }) {
      const choices = options.tiers[tier];
      if (choices.length === 0) throw new Error(`No model is configured for the ${tier} tier`);
      const prompt = { system, user, schemaName, schema: strictJsonSchema(options.provider, schema) };
      const startedAt = Date.now();
      const budget = { waitedMs: 0 };
      let lastError: unknown;
      for (const choice of choices) {
        const body = chatRequestBody(choice, tier, options.maxOutputTokens, prompt);
        let completion: ChatCompletion | undefined;
        for (const client of options.clients) {
          try {
            completion = await send(client, body, budget);
            break;
          } catch (error) {
            lastError = error;
            const status: unknown = error instanceof OpenAI.APIError ? error.status : undefined;
            if (typeof status === 'number' && TRY_NEXT_KEY.has(status)) continue;
            if (fallsBack(error)) break;
            throw error;
          }
        }
        if (completion === undefined) {
          if (fallsBack(lastError)) continue;
          throw lastError;
        }
        options.onUsage?.({
          provider: options.provider,
          tier,
          model: choice.name,
          latencyMs: Date.now() - startedAt,
          inputTokens: completion.usage?.prompt_tokens,
          outputTokens: completion.usage?.completion_tokens,
          reasoningTokens: completion.usage?.completion_tokens_details?.reasoning_tokens,
        });
        return parseAnswer(completion, schema, schemaName);
      }
      throw lastError;
    },
  };
}

function parseAnswer<T>(
  completion: ChatCompletion,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: Error } },
  schemaName: string,
): T {
  const choice = completion.choices[0];
  const content = choice?.message?.content;
  if (!content) {
    const refusal = choice?.message?.refusal;
    throw new ModelOutputError(
      refusal
        ? `The model refused: ${refusal}`
        : `The model returned no content (finish reason: ${choice?.finish_reason})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new ModelOutputError(
      `The model's answer is not JSON (finish reason: ${choice.finish_reason}): ${content.slice(0, 200)}`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ModelOutputError(`The model's answer does not match ${schemaName}: ${parsed.error.message}`);
  }
  return parsed.data;
}
