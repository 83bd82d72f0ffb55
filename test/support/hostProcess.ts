import { startFunctionsHost } from '../../dev/host/functionsHost';
import { defaultEntryModules, projectRoot } from '../../dev/sandbox/sandbox';

/**
 * The stand-in host in a process of its own, configured from the environment, so a test can kill it mid-job the way
 * a worker crashes (`node -r ./test/support/transpileOnRequire.js test/support/hostProcess.ts`). It prints one JSON
 * line with its URL once it is listening.
 */
startFunctionsHost({
  appRoot: projectRoot,
  entryModules: defaultEntryModules(),
  leaseSeconds: Number(process.env.HOST_LEASE_SECONDS ?? 600),
  retryDelayMs: 200,
  pollIntervalMs: 100,
  onLog: (entry) => process.stderr.write(`[${entry.functionName}] ${entry.level}: ${entry.message}\n`),
}).then(
  (host) => process.stdout.write(`${JSON.stringify({ url: host.url })}\n`),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
