import { QueueClient } from '@azure/storage-queue';
import fc from 'fast-check';
import path from 'node:path';
import { startAzurite, type Azurite } from '../../dev/azurite/azurite';
import { startFunctionsHost, type FunctionsHost } from '../../dev/host/functionsHost';
import { createWebhookHandler } from '../../functions/webhook';
import { parseReviewJob } from '../../shared/queue/reviewJob';
import { testSeed, withSeed } from '../support/testSeed';
import {
  basic,
  createdSample,
  goodHeaders,
  HEADER_NAME,
  InMemoryJobQueue,
  loggedContext,
  PASSWORD,
  percentile,
  samples,
  USER,
  webhookEnvironment,
  webhookRequest,
} from './webhookHarness';

/**
 * Generated deliveries through the real webhook handler (real HttpRequest from @azure/functions, in-memory queue),
 * then a smaller run over HTTP through the stand-in host and Azurite. Whatever comes in: never a 500, never an
 * unhandled rejection, a 2xx "accepted" only with exactly one valid message, and every message far below 64 KB.
 */

const ALLOWED = new Set([202, 400, 401, 408, 413, 503]);
const QUEUE_MESSAGE_LIMIT = 64 * 1024;

const jsonValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('../../azure-webjobs-secrets/x', '..%2f..%2fx', '', ' ', '\u0000', 'a'.repeat(70_000)),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, [], {}, -1, 0, 2 ** 31, 2 ** 53, Number.MAX_VALUE),
  fc.uuid(),
);

const paths = [
  ['id'],
  ['eventType'],
  ['resource'],
  ['resource', 'repository', 'id'],
  ['resource', 'repository', 'project', 'id'],
  ['resource', 'repository', 'url'],
  ['resource', 'pullRequestId'],
  ['resource', 'status'],
  ['resource', 'createdBy', 'id'],
  ['resource', 'pullRequest', 'repository', 'id'],
  ['resource', 'pullRequest', 'repository', 'project', 'id'],
  ['resource', 'comment', 'id'],
  ['resource', 'comment', 'author', 'id'],
  ['resource', 'comment', '_links', 'threads', 'href'],
  ['resourceContainers', 'project', 'baseUrl'],
];

function withValue(body: string, at: string[], value: unknown): string {
  const delivery = JSON.parse(body.replace(/^\uFEFF/, ''));
  let node = delivery;
  for (const key of at.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return JSON.stringify(delivery);
    node[key] ??= {};
    node = node[key];
  }
  if (typeof node === 'object' && node !== null) node[at.at(-1) as string] = value;
  return JSON.stringify(delivery);
}

const mutatedSample = fc
  .tuple(fc.constantFrom(...samples, createdSample), fc.array(fc.tuple(fc.constantFrom(...paths), jsonValue)))
  .map(([body, edits]) => edits.reduce((text, [at, value]) => withValue(text, at, value), body));

const bodies = fc.oneof(
  { weight: 4, arbitrary: mutatedSample },
  { weight: 1, arbitrary: fc.constantFrom(...samples) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom(...samples).map((body) => body.slice(0, body.length / 2)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
);

const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,80}$/);
const authorizations = fc.oneof(
  { weight: 6, arbitrary: fc.constant(goodHeaders.authorization) },
  {
    weight: 1,
    arbitrary: fc.tuple(headerValue, headerValue).map(([user, password]) => basic(user, password)),
  },
  { weight: 1, arbitrary: headerValue },
  { weight: 1, arbitrary: fc.constant(basic(USER, `${PASSWORD}x`)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const headerSecrets = fc.oneof(
  { weight: 6, arbitrary: fc.constant(goodHeaders[HEADER_NAME.toLowerCase()]) },
  { weight: 1, arbitrary: headerValue },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const deliveries = fc.record({
  body: bodies,
  authorization: authorizations,
  headerSecret: headerSecrets,
  contentLength: fc.option(fc.constantFrom('0', '5', '1048577', '99999999999', 'abc', '-1'), { freq: 8 }),
});
type GeneratedDelivery = typeof deliveries extends fc.Arbitrary<infer T> ? T : never;

function headersOf(delivery: GeneratedDelivery): Record<string, string> {
  const headers: Record<string, string> = {};
  if (delivery.authorization !== undefined) headers.authorization = delivery.authorization;
  if (delivery.headerSecret !== undefined) headers[HEADER_NAME.toLowerCase()] = delivery.headerSecret;
  if (delivery.contentLength !== null) headers['x-declared-length'] = delivery.contentLength;
  return headers;
}

let unhandled = 0;
const countUnhandled = () => unhandled++;
let azurite: Azurite;

// One environment for the file: the configuration is read once per process.
beforeAll(async () => {
  process.on('unhandledRejection', countUnhandled);
  azurite = await startAzurite();
  Object.assign(process.env, webhookEnvironment({ AzureWebJobsStorage: azurite.connectionString }));
});

afterAll(async () => {
  process.off('unhandledRejection', countUnhandled);
  await azurite?.stop();
});

describe('webhook handler under generated deliveries', () => {
  const RUNS = 10_000;

  it(`answers ${RUNS} generated requests without a 500, and queues only valid, small jobs`, async () => {
    const queue = new InMemoryJobQueue();
    const handle = createWebhookHandler({ createQueue: () => queue, secretStore: () => undefined });
    const durations: number[] = [];
    const statuses = new Map<number, number>();
    const seed = testSeed();

    await withSeed(seed, () =>
      fc.assert(
        fc.asyncProperty(deliveries, async (delivery) => {
          const headers = headersOf(delivery);
          // Content-Length is the host's to set from the body; a declared length is what the sender claims.
          if (headers['x-declared-length'] !== undefined)
            headers['content-length'] = headers['x-declared-length'];
          const request = webhookRequest(delivery.body, headers);
          const before = queue.messages.length;
          const { context } = loggedContext();
          const started = performance.now();
          const response = await handle(request, context);
          durations.push(performance.now() - started);
          const status = response.status ?? 200;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);

          expect(ALLOWED).toContain(status);
          const accepted = (response.jsonBody as { accepted?: boolean }).accepted === true;
          const queued = queue.messages.slice(before);
          expect(queued).toHaveLength(accepted ? 1 : 0);
          if (accepted) expect(status).toBe(202);
          for (const message of queued) {
            expect(message.length).toBeLessThan(QUEUE_MESSAGE_LIMIT);
            const job = parseReviewJob(Buffer.from(message, 'base64').toString('utf8'));
            expect(job.repositoryId).toMatch(/^[0-9a-f-]{36}$/i);
            expect(job.projectId).toMatch(/^[0-9a-f-]{36}$/i);
          }
        }),
        { numRuns: RUNS, seed },
      ),
    );

    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toBe(0);
    console.log(
      `webhook fuzz (handler): ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `${queue.messages.length} queued, handling p50 ${percentile(durations, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(durations, 99).toFixed(2)} ms, max ${Math.max(...durations).toFixed(2)} ms, ` +
        `unhandled rejections ${unhandled}`,
    );
  });
});

describe('the same through the stand-in host and Azurite', () => {
  const RUNS = 300;
  let host: FunctionsHost;

  beforeAll(async () => {
    host = await startFunctionsHost({
      appRoot: path.join(__dirname, '../..'),
      entryModules: [require.resolve('../../functions/webhook')],
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  it(`answers ${RUNS} generated deliveries over HTTP without a 500; accepted ones are on the queue`, async () => {
    const queue = new QueueClient(azurite.connectionString, 'hardening-jobs');
    await queue.createIfNotExists();
    const statuses = new Map<number, number>();
    const durations: number[] = [];
    // One delivery known to be queued, so that the count below means something whatever the generator drew.
    const known = await fetch(`${host.url}/azure_webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...goodHeaders },
      body: createdSample,
    });
    expect(known.status).toBe(202);
    let accepted = 1;
    const seed = testSeed();
    await withSeed(seed, () =>
      fc.assert(
        fc.asyncProperty(deliveries, async (delivery) => {
          const started = performance.now();
          const response = await fetch(`${host.url}/azure_webhooks`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headersOf(delivery) },
            body: delivery.body,
          });
          const answer = (await response.json()) as { accepted?: boolean };
          durations.push(performance.now() - started);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(ALLOWED).toContain(response.status);
          if (answer.accepted === true) accepted++;
        }),
        { numRuns: RUNS, seed },
      ),
    );
    const { approximateMessagesCount } = await queue.getProperties();
    expect(approximateMessagesCount).toBe(accepted);
    expect(host.logs.filter((entry) => entry.level === 'error')).toEqual([]);
    console.log(
      `webhook fuzz (host + Azurite): ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `${accepted} queued, round trip p50 ${percentile(durations, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(durations, 99).toFixed(1)} ms`,
    );
  });
});
