import { z } from 'zod';
import { REPOSITORY_CONFIG_FILE, repositoryConfigSchema } from './repositoryConfigSchema';

/** Where the schema is committed; `npm run schema` rewrites it, a test checks it is current. */
export const JSON_SCHEMA_PATH = 'docs/ado-reviewer.schema.json';

/**
 * The JSON Schema editors validate `.ado-reviewer.yaml` against, from the zod schema the app parses with. Input form:
 * every key optional (each has a default). Other keys are allowed, as the app allows CodeRabbit's.
 */
export function repositoryConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(repositoryConfigSchema, { io: 'input' }),
    title: REPOSITORY_CONFIG_FILE,
  };
}
