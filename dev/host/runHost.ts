import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startFunctionsHost } from './functionsHost';

/**
 * `npm run host`: the app under the stand-in Functions host, configured from the environment as `func start` would
 * be — a development aid where Azure Functions Core Tools are not installed. Production runs on Azure Functions.
 */
async function main() {
  const projectRoot = path.resolve(__dirname, '../../..');
  const { main: entryGlob } = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    main: string;
  };
  const directory = path.join(projectRoot, path.dirname(entryGlob));
  const pattern = new RegExp(`^${path.basename(entryGlob).replace('.', '\\.').replace('*', '.*')}$`);
  const entryModules = readdirSync(directory)
    .filter((file) => pattern.test(file))
    .map((file) => path.join(directory, file));

  const host = await startFunctionsHost({
    appRoot: projectRoot,
    entryModules,
    port: Number(process.env.PORT ?? 7071),
    onLog: (entry) => console.log(`[${entry.functionName}] ${entry.level}: ${entry.message}`),
  });
  console.log(`ado-reviewer development host: ${host.url} (functions: ${host.functions.join(', ')})`);
  const stop = () => {
    void host.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
