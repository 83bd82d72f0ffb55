import OpenAI from 'openai';
import { z } from 'zod';
import type { LlmSettings } from '../config';
import { ModelOutputError, type ChatModel } from './chatModel';

/** Statuses after which the next configured key may succeed: revoked key, or this key's quota exhausted. */
const TRY_NEXT_KEY = new Set([401, 403, 429]);

function jsonSchemaFor(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return jsonSchema;
}

/**
 * OpenAI (or any OpenAI-compatible endpoint, Azure OpenAI's included through OPENAI_BASE_URL) with structured output.
 * Several keys may be configured: each is tried in turn when one is refused or rate-limited.
 */
export function createOpenAiChatModel(
  settings: LlmSettings,
  /** Comma-separated, as OPENAI_API_KEYS holds them. */
  apiKeys: string,
): ChatModel {
  const keys = apiKeys
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (keys.length === 0) throw new Error('OPENAI_API_KEYS: holds no key');
  const clients = keys.map(
    (apiKey) =>
      new OpenAI({
        apiKey,
        baseURL: settings.baseUrl,
        organization: settings.organization ?? null,
        project: settings.project ?? null,
        timeout: settings.timeoutMs,
        maxRetries: 2,
      }),
  );

  return {
    async completeStructured({ system, user, schema, schemaName }) {
      let lastError: unknown;
      for (const client of clients) {
        let content: string | null | undefined;
        try {
          const completion = await client.chat.completions.create({
            model: settings.model,
            temperature: 0,
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: user },
            ],
            response_format: {
              type: 'json_schema',
              json_schema: { name: schemaName, strict: true, schema: jsonSchemaFor(schema) },
            },
          });
          content = completion.choices[0]?.message?.content;
        } catch (error) {
          lastError = error;
          if (
            error instanceof OpenAI.APIError &&
            error.status !== undefined &&
            TRY_NEXT_KEY.has(error.status)
          )
            continue;
          throw error;
        }
        if (!content) throw new ModelOutputError('The model returned no content');
        let json: unknown;
        try {
          json = JSON.parse(content);
        } catch {
          throw new ModelOutputError(`The model's answer is not JSON: ${content.slice(0, 200)}`);
        }
        const parsed = schema.safeParse(json);
        if (!parsed.success) {
          throw new ModelOutputError(
            `The model's answer does not match ${schemaName}: ${parsed.error.message}`,
          );
        }
        return parsed.data;
      }
      throw lastError;
    },
  };
}
