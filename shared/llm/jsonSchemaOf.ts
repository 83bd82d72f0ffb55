import { z } from 'zod';

/**
 * The JSON schema providers are given for a zod schema. `$schema` is dropped: the providers take the schema body
 * as a document of its own (OpenAI's response format, a Bedrock tool's input schema), not as a standalone file.
 */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return jsonSchema;
}
