import { QueueClient } from '@azure/storage-queue';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startAzurite } from '../azurite/azurite';
import { startFunctionsHost } from '../host/functionsHost';

/**
 * Webhook acknowledgement latency under concurrent deliveries (stand-in host + Azurite), next to a bare
 * `sendMessage` round trip measured in the same run; and the module load time of each function's entry point next
 * to a bare `node -e 0`. Prints figures; asserts nothing.
 */

const root = path.join(__dirname, '../../..');
const DELIVERIES = 600;
const CONCURRENCY = 20;
const LOAD_RUNS = 9;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timeConcurrently(count: number, concurrency: number, task: (index: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const begin = performance.now();
        await task(index);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

const format = (label: string, run: { latencies: number[]; seconds: number }) =>
  `${label.padEnd(34)} p50 ${percentile(run.latencies, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(
    run.latencies,
    99,
  )
    .toFixed(1)
    .padStart(6)} ms   ${(run.latencies.length / run.seconds).toFixed(0).padStart(5)} req/s`;

function median(values: number[]): number {
  return percentile(values, 50);
}

/** Spawns a fresh Node process that requires the module and reports how long the require took. */
function loadTimes(modulePath: string | undefined) {
  const inProcess: number[] = [];
  const wall: number[] = [];
  for (let run = 0; run < LOAD_RUNS; run++) {
    const script =
      modulePath === undefined
        ? '0'
        : `const t=process.hrtime.bigint();require(${JSON.stringify(modulePath)});` +
          'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
    const begin = performance.now();
    const output = execFileSync(process.execPath, ['-e', script], {
      cwd: root,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      // @azure/functions warns that no Functions runtime is present: expected here, and not a figure.
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    wall.push(performance.now() - begin);
    if (modulePath !== undefined) inProcess.push(Number(String(output).trim().split('\n').pop()));
  }
  return { require: inProcess.length > 0 ? median(inProcess) : 0, wall: median(wall) };
}

export async function runWebhookBench(): Promise<void> {
  const azurite = await startAzurite();
  Object.assign(process.env, {
    AZURE_DEVOPS_ORG_URL: 'https://dev.azure.com/ttchong',
    AZURE_DEVOPS_BOT_TOKEN: 'bench-token',
    OPENAI_API_KEYS: 'bench-key',
    WEBHOOK_USERNAME: 'bench',
    WEBHOOK_PASSWORD: 'bench-password-0000',
    AzureWebJobsStorage: azurite.connectionString,
    REVIEW_QUEUE_NAME: 'bench-jobs',
  });
  const host = await startFunctionsHost({
    appRoot: root,
    entryModules: [path.join(root, 'dist/functions/webhook.js')],
  });
  const body = readFileSync(
    path.join(root, 'test/fixtures/service-hooks/zulip__git.pullrequest.created__opened.json'),
    'utf8',
  );
  const authorization = `Basic ${Buffer.from('bench:bench-password-0000').toString('base64')}`;
  const queue = new QueueClient(azurite.connectionString, 'bench-jobs');
  await queue.createIfNotExists();
  try {
    // Warm both paths so the figures are steady-state, not first-connection.
    for (let i = 0; i < 20; i++) {
      await fetch(`${host.url}/azure_webhooks`, { method: 'POST', headers: { authorization }, body });
      await queue.sendMessage('d2FybQ==');
    }
    const webhook = await timeConcurrently(DELIVERIES, CONCURRENCY, async () => {
      const response = await fetch(`${host.url}/azure_webhooks`, {
        method: 'POST',
        headers: { authorization },
        body,
      });
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
      await response.arrayBuffer();
    });
    const send = await timeConcurrently(DELIVERIES, CONCURRENCY, async () => {
      await queue.sendMessage(Buffer.from(body).toString('base64'));
    });
    console.log(
      `Webhook acknowledgement, ${DELIVERIES} deliveries, ${CONCURRENCY} concurrent (Azurite queue):`,
    );
    console.log(format('  POST /azure_webhooks → 202', webhook));
    console.log(format('  bare QueueClient.sendMessage', send));
  } finally {
    await host.close();
    await azurite.stop();
  }

  console.log(`\nModule load time, median of ${LOAD_RUNS} fresh processes:`);
  const bare = loadTimes(undefined);
  console.log(`  ${'node -e 0'.padEnd(32)} process ${bare.wall.toFixed(0).padStart(4)} ms`);
  for (const entry of ['webhook', 'health', 'reviewJob']) {
    const times = loadTimes(path.join(root, `dist/functions/${entry}.js`));
    console.log(
      `  ${`functions/${entry}`.padEnd(32)} process ${times.wall.toFixed(0).padStart(4)} ms   require ${times.require
        .toFixed(1)
        .padStart(6)} ms`,
    );
  }
  const review = loadTimes(path.join(root, 'dist/shared/worker/runReviewJob.js'));
  console.log(
    `  ${'review stack (runReviewJob)'.padEnd(32)} process ${review.wall.toFixed(0).padStart(4)} ms   require ${review.require
      .toFixed(1)
      .padStart(6)} ms`,
  );
}

if (require.main === module) {
  runWebhookBench().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
