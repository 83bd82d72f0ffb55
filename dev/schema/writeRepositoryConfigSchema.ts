import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { JSON_SCHEMA_PATH, repositoryConfigJsonSchema } from '../../shared/repository-config';

/**
 * `npm run schema`: rewrites docs/ado-reviewer.schema.json from the zod schema (run from the project root), formatted
 * as `npm run lint` checks it.
 */
async function writeRepositoryConfigSchema(): Promise<void> {
  const target = join(process.cwd(), JSON_SCHEMA_PATH);
  const options = (await resolveConfig(target)) ?? {};
  const text = await format(JSON.stringify(repositoryConfigJsonSchema()), { ...options, filepath: target });
  await writeFile(target, text);
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
}

writeRepositoryConfigSchema().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
