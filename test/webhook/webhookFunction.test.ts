import { QueueClient } from '@azure/storage-queue';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { startAzurite, type Azurite } from '../../dev/azurite/azurite';
import { startFunctionsHost, type FunctionsHost } from '../../dev/host/functionsHost';
import {
  basic,
  createdSample,
  goodHeaders,
  HEADER_SECRET,
  PASSWORD,
  PREVIOUS_PASSWORD,
  USER,
  webhookEnvironment,
} from './webhookHarness';

/**
 * The webhook and health functions as Azure Functions runs them: real registrations under the stand-in host, real
 * Storage queue (Azurite), real HTTP requests shaped like Azure DevOps deliveries.
 */

const samples = path.join(__dirname, '../fixtures/service-hooks');

let azurite: Azurite;
let host: FunctionsHost;
let queue: QueueClient;

const sample = (file: string) => readFileSync(path.join(samples, file), 'utf8');

function withRepositoryUrl(url: string): string {
  const delivery = JSON.parse(createdSample);
  delivery.resource.repository.url = url;
  return JSON.stringify(delivery);
}

async function deliver(body: string, headers: Record<string, string> = goodHeaders) {
  const response = await fetch(`${host.url}/azure_webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => undefined)) as Record<string, unknown>,
  };
}

async function drainQueue(): Promise<unknown[]> {
  const jobs: unknown[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return jobs;
    for (const message of receivedMessageItems) {
      jobs.push(JSON.parse(Buffer.from(message.messageText, 'base64').toString('utf8')));
      await queue.deleteMessage(message.messageId, message.popReceipt);
    }
  }
}

beforeAll(async () => {
  azurite = await startAzurite();
  Object.assign(
    process.env,
    webhookEnvironment({
      AzureWebJobsStorage: azurite.connectionString,
      REVIEW_QUEUE_NAME: 'webhook-test-jobs',
      // The samples' organization is the real dev.azure.com: the authenticated /health checks it, and nothing here
      // may leave the machine. Through a proxy on a closed loopback port, that check can only answer unreachable.
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1',
    }),
  );
  host = await startFunctionsHost({
    appRoot: path.join(__dirname, '../..'),
    entryModules: [require.resolve('../../functions/webhook'), require.resolve('../../functions/health')],
  });
  queue = new QueueClient(azurite.connectionString, 'webhook-test-jobs');
});

afterAll(async () => {
  await host?.close();
  await azurite?.stop();
});

let queueDown = false;

afterEach(async () => {
  if (!queueDown) await drainQueue();
});

describe('POST /azure_webhooks', () => {
  it('enqueues a compact, base64-encoded job for a real PR-created delivery and answers 202', async () => {
    const response = await deliver(createdSample);
    expect(response).toEqual({
      status: 202,
      body: { accepted: true, reason: 'queued for review', eventId: 'd1e96858-24cd-4064-9e08-0c55db2ff3fa' },
    });
    const jobs = await drainQueue();
    expect(jobs).toEqual([
      {
        version: 1,
        eventId: 'd1e96858-24cd-4064-9e08-0c55db2ff3fa',
        eventType: 'git.pullrequest.created',
        kind: 'pullRequest',
        projectId: '068d2409-14eb-4d8a-88bf-c8a9e7f5b4e2',
        repositoryId: '98f0ce59-a912-43d5-96d2-bc0942a03f7b',
        pullRequestId: 1,
      },
    ]);
  });

  it.each([
    ['no credentials', {}],
    ['a wrong user name', { ...goodHeaders, authorization: basic('someone-else', PASSWORD) }],
    ['a wrong password', { ...goodHeaders, authorization: basic(USER, 'not-the-password') }],
    ['no header secret', { authorization: basic(USER, PASSWORD) }],
    ['a wrong header secret', { ...goodHeaders, 'x-ado-reviewer-secret': 'nope' }],
  ])('answers 401 to %s and enqueues nothing', async (_name, headers) => {
    const response = await deliver(createdSample, headers);
    expect(response.status).toBe(401);
    expect(await drainQueue()).toEqual([]);
  });

  it('accepts the previous password so a rotation drops nothing', async () => {
    const response = await deliver(createdSample, {
      ...goodHeaders,
      authorization: basic(USER, PREVIOUS_PASSWORD),
    });
    expect(response.status).toBe(202);
    expect(await drainQueue()).toHaveLength(1);
  });

  it.each([
    ['malformed JSON', '{"id": "x", ', /^body is not valid JSON at position 12 \(line 1, column 13\)$/],
    ['a body that is not an envelope', JSON.stringify({ hello: 'world' }), /not a service-hook event/],
    [
      'a subscribed event with a broken resource',
      createdSample.replace('"status": "active"', '"status": 7'),
      /resource.status/,
    ],
  ])('answers 400 with a one-line reason to %s', async (_name, body, reason) => {
    const response = await deliver(body);
    expect(response.status).toBe(400);
    expect(response.body.reason).toMatch(reason);
    expect(String(response.body.reason)).not.toContain('\n');
    expect(await drainQueue()).toEqual([]);
  });

  it.each([
    ['another event type', sample('zulip__git.pullrequest.merged__completed_succeeded.json'), /not handled/],
    [
      'a completed pull request',
      sample('tingle-dependabot__git.pullrequest.updated__completed_vote10_messages_null.json').replace(
        /dependabot\//g,
        'ttchong/',
      ),
      /is completed/,
    ],
    [
      'another organization',
      createdSample.replace(/dev\.azure\.com\/ttchong/g, 'dev.azure.com/evil'),
      /organization/,
    ],
    [
      'a repository URL pointing elsewhere',
      withRepositoryUrl('https://attacker.example/_apis/git/repositories/r'),
      /organization/,
    ],
  ])('answers 202 without enqueueing for %s', async (_name, body, reason) => {
    const response = await deliver(body);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ accepted: false, reason: expect.stringMatching(reason) });
    expect(await drainQueue()).toEqual([]);
  });

  it('never logs a credential', () => {
    const logged = host.logs.map((entry) => entry.message).join('\n');
    expect(logged).toMatch(/Rejected delivery/);
    for (const secret of [
      PASSWORD,
      PREVIOUS_PASSWORD,
      HEADER_SECRET,
      'pat-never-logged',
      'sk-never-logged',
      'not-the-password',
    ]) {
      expect(logged).not.toContain(secret);
    }
  });
});

/**
 * Sends the headers and `firstBytes` of a body, then nothing more, and resolves with the answer (or rejects after
 * `waitMs`): with HTTP streams on, the function answers without waiting for a body it will not read.
 */
function stalledDelivery(
  headers: Record<string, string>,
  firstBytes: string,
  waitMs: number,
): Promise<{ status: number; body: Record<string, unknown>; afterMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const url = new URL(`${host.url}/azure_webhooks`);
    const request = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '5000', ...headers },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer within ${waitMs} ms`));
    }, waitMs);
    request.on('error', () => undefined);
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          afterMs: Date.now() - started,
        });
      });
    });
    request.flushHeaders();
    request.write(firstBytes);
  });
}

describe('reading the body', () => {
  it('answers 401 from the headers alone, without waiting for (or reading) the body', async () => {
    const answer = await stalledDelivery({ authorization: basic(USER, 'not-the-password') }, '{"id":', 3_000);
    expect(answer.status).toBe(401);
    expect(await drainQueue()).toEqual([]);
  });

  it('answers 413 to an authenticated body over 1 MiB, declared or not, and queues nothing', async () => {
    const declared = await stalledDelivery(
      { ...goodHeaders, 'content-length': String(1024 * 1024 + 1) },
      '{"id":',
      3_000,
    );
    expect(declared).toMatchObject({
      status: 413,
      body: { accepted: false, reason: 'body over 1048576 bytes' },
    });

    const oversized = createdSample.replace('"description": "', `"description": "${'x'.repeat(1024 * 1024)}`);
    const response = await deliver(oversized);
    expect(response.status).toBe(413);
    expect(await drainQueue()).toEqual([]);
  });

  it('answers 408 (which Azure DevOps retries) when an authenticated body stalls', async () => {
    const answer = await stalledDelivery(goodHeaders, '{"id": "d1e96858', 20_000);
    expect(answer.status).toBe(408);
    // The limit is 10 s: generous margins either side.
    expect(answer.afterMs).toBeGreaterThanOrEqual(9_000);
    expect(answer.afterMs).toBeLessThan(15_000);
    expect(await drainQueue()).toEqual([]);
  });

  it('says where a body stops being JSON, never what it says', async () => {
    const response = await deliver('{"id": "d1e96858", "secret": "hunter2-hunter2", oops}');
    expect(response).toEqual({
      status: 400,
      body: { accepted: false, reason: 'body is not valid JSON at position 48 (line 1, column 49)' },
    });
    expect(host.logs.map((entry) => entry.message).join('\n')).not.toContain('hunter2');
  });
});

describe('GET /health', () => {
  it('answers only healthy to a caller without the webhook credentials', async () => {
    const response = await fetch(`${host.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'healthy' });
  });

  it('reports valid configuration and a reachable queue to the webhook credentials, without values', async () => {
    const response = await fetch(`${host.url}/health`, { headers: goodHeaders });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      status: 'healthy',
      configuration: { valid: true },
      queue: { name: 'webhook-test-jobs', reachable: true },
      webhookSecrets: { expiringSoon: [] },
      model: {
        provider: 'openai',
        endpointHost: 'api.openai.com',
        tiers: { light: ['gpt-4.1-mini'], reasoning: ['o4-mini'], heavy: ['o3'] },
      },
      // ok and refused are test/functions/healthAzureDevOps.test.ts's, against the Azure DevOps test server.
      azureDevOps: { 'dev.azure.com/ttchong': 'unreachable' },
    });
    expect(text).not.toMatch(
      new RegExp([PASSWORD, HEADER_SECRET, 'pat-never-logged', 'sk-never-logged'].join('|')),
    );
  });
});

describe('when the queue is down', () => {
  it('answers 503 so Azure DevOps retries, and health says unhealthy', async () => {
    await azurite.stop();
    queueDown = true;
    const response = await deliver(createdSample);
    expect(response.status).toBe(503);
    expect(response.body.reason).toMatch(/retry/);
    const health = await fetch(`${host.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unhealthy' });
    const detailed = await fetch(`${host.url}/health`, { headers: goodHeaders });
    expect(await detailed.json()).toMatchObject({ status: 'unhealthy', queue: { reachable: false } });
  });
});
