import type { z } from 'zod';
import { jsonSchemaOf } from './jsonSchemaOf';

/**
 * The JSON schema each OpenAI-style provider accepts in strict structured output. OpenAI takes zod's schema as it
 * is. Azure OpenAI's strict mode refuses the validation keywords below (400 "Invalid schema"), and zod 4 puts
 * `minimum`/`maximum` on every `.int()`: so they are dropped for Azure. The zod validation of the answer still
 * enforces every rule.
 */

export type SchemaDialect = 'openai' | 'azure-openai';

/** Per JSON type, the keywords Azure OpenAI's strict mode refuses. */
export const AZURE_REFUSED_KEYWORDS = {
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  array: ['minItems', 'maxItems', 'uniqueItems', 'contains'],
} as const;

const refused = new Set<string>(Object.values(AZURE_REFUSED_KEYWORDS).flat());

/** Keywords whose values are schemas, or maps or lists of schemas: walked, never taken for a keyword themselves. */
const SCHEMA_VALUED = new Set(['items', 'additionalProperties', 'not']);
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions']);
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);

function withoutRefusedKeywords(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRefusedKeywords);
  if (node === null || typeof node !== 'object') return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (refused.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === 'object') {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [name, withoutRefusedKeywords(schema)]),
      );
    } else if (SCHEMA_VALUED.has(key) || SCHEMA_LISTS.has(key)) {
      result[key] = withoutRefusedKeywords(value);
    } else {
      result[key] = value;
    }
  }
  return result;
}

export function strictJsonSchema(dialect: SchemaDialect, schema: z.ZodType): Record<string, unknown> {
  const jsonSchema = jsonSchemaOf(schema);
  return dialect === 'azure-openai'
    ? (withoutRefusedKeywords(jsonSchema) as Record<string, unknown>)
    : jsonSchema;
}
