import { z } from 'zod';
import { reviewAnswerSchema } from '../../shared/review/pipeline/prompt';
import { AZURE_REFUSED_KEYWORDS, strictJsonSchema } from '../../shared/llm/strictJsonSchema';

const refused = new Set<string>(Object.values(AZURE_REFUSED_KEYWORDS).flat());

/** Every key used as a keyword anywhere in a schema (property names are not keywords). */
function keywordsOf(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((child) => keywordsOf(child, found));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties') Object.values(value as object).forEach((child) => keywordsOf(child, found));
      else {
        found.add(key);
        keywordsOf(value, found);
      }
    }
  }
  return found;
}

const constrained = z.object({
  count: z.number().int().min(1).max(10).multipleOf(1),
  ratio: z.number().gt(0).lt(1),
  name: z
    .string()
    .min(2)
    .max(20)
    .regex(/^[a-z]+$/),
  email: z.email(),
  tags: z.array(z.string().min(1)).min(1).max(3),
  nested: z.object({ pattern: z.string().max(3), minimum: z.number().int() }),
  either: z.union([z.string().max(5), z.number().min(0)]),
  maybe: z.string().length(4).nullable(),
});

describe('strictJsonSchema', () => {
  it('gives OpenAI the schema as zod writes it', () => {
    const schema = strictJsonSchema('openai', constrained);
    for (const keyword of ['minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems'])
      expect(keywordsOf(schema).has(keyword)).toBe(true);
    expect(schema.$schema).toBeUndefined();
  });

  it('drops every keyword Azure refuses, at any depth, and keeps the structure', () => {
    const schema = strictJsonSchema('azure-openai', constrained);
    expect([...keywordsOf(schema)].filter((keyword) => refused.has(keyword))).toEqual([]);
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    // Properties named like keywords are still there.
    expect(Object.keys((properties.nested.properties as object) ?? {})).toEqual(['pattern', 'minimum']);
    expect(properties.count).toEqual({ type: 'integer' });
    expect(properties.tags).toEqual({ type: 'array', items: { type: 'string' } });
    expect(schema.required).toEqual(Object.keys(constrained.shape));
    expect(schema.additionalProperties).toBe(false);
  });

  it("makes today's review schema acceptable to Azure, where zod's own is not", () => {
    const raw = keywordsOf(strictJsonSchema('openai', reviewAnswerSchema));
    expect(raw.has('minimum')).toBe(true);
    const azure = keywordsOf(strictJsonSchema('azure-openai', reviewAnswerSchema));
    expect([...azure].filter((keyword) => refused.has(keyword))).toEqual([]);
  });
});
