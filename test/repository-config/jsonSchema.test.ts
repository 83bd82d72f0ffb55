import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_SCHEMA_PATH, repositoryConfigJsonSchema } from '../../shared/repository-config';

describe('docs/ado-reviewer.schema.json', () => {
  const committed: unknown = JSON.parse(readFileSync(join(__dirname, '..', '..', JSON_SCHEMA_PATH), 'utf8'));

  it('is the schema generated from the zod schema (run npm run schema after changing it)', () => {
    expect(committed).toEqual(repositoryConfigJsonSchema());
  });

  it('describes every key an editor should offer, with its default', () => {
    const schema = repositoryConfigJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
    };
    expect(Object.keys(schema.properties)).toEqual([
      'language',
      'tone_instructions',
      'reviews',
      'chat',
      'knowledge_base',
    ]);
    expect(schema.properties.reviews.properties?.profile.default).toBe('chill');
    expect(Object.keys(schema.properties.reviews.properties ?? {})).toContain('status_policy');
  });
});
