import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import type { RequestRecord, RequestSummary } from '../../dev/azure-devops/faultInjection';
import {
  createAzureDevOpsPlatform,
  type AzureDevOpsPlatform,
} from '../../shared/azure-devops/azureDevOpsPlatform';
import type { RequestPolicyOptions } from '../../shared/azure-devops/azureDevOpsRequests';
import type { PullRequestRef } from '../../shared/review/domain/platform';
import { createTopicPullRequest } from '../support/topicPullRequest';

/**
 * The Azure DevOps platform against the test server over real HTTP, with faults injected: what a transient failure
 * is retried into, what never becomes file content, and the limits every call runs under.
 */

let devops: AzureDevOpsTestServer;
let ref: PullRequestRef;
let commitId: string;
const FILE = 'export const answer = 42;\n';
const BIG_BYTES = 50 * 1024 * 1024;

beforeAll(async () => {
  devops = await startAzureDevOpsServer({ organization: 'faults' });
  ({ ref, topicCommitId: commitId } = await createTopicPullRequest(devops, {
    project: 'demo',
    repository: 'faults',
    mainFiles: { 'README.md': 'x\n' },
    topicFiles: { 'src/answer.ts': FILE, 'big.bin': Buffer.alloc(BIG_BYTES, 0x61) },
    title: 'faults',
  }));
}, 60_000);

afterAll(async () => {
  await devops?.close();
});

beforeEach(() => {
  devops.faults.clear();
  devops.faults.resetCounts();
});

/** A fresh platform: quick backoff so the tests wait only where a header says so. */
const platform = (options: RequestPolicyOptions = {}): AzureDevOpsPlatform =>
  createAzureDevOpsPlatform(devops.orgUrl, devops.token, { baseDelayMs: 50, ...options });

const isItemRead = ({ method, path }: RequestSummary) => method === 'GET' && /\/items$/.test(path);
const itemReads = (): RequestRecord[] =>
  devops.faults.requests.filter((record) => /\/items\?/.test(record.url));
const read = (target: AzureDevOpsPlatform, path = '/src/answer.ts', maxBytes = 1024 * 1024) =>
  target.getFileContent(ref, path, commitId, maxBytes);
const text = (content: Awaited<ReturnType<typeof read>>) =>
  content?.kind === 'content' ? Buffer.from(content.bytes).toString('utf8') : content;

describe('a file read', () => {
  it('answered 429 is retried no sooner than Retry-After (seconds), and the content is the file', async () => {
    devops.faults.inject({ matches: isItemRead, times: 1, status: 429, headers: { 'Retry-After': '1' } });
    expect(text(await read(platform()))).toBe(FILE);
    const [limited, retried] = itemReads();
    expect([limited.status, retried.status]).toEqual([429, 200]);
    const waited = retried.arrivedAt - limited.arrivedAt;
    console.log(`429 Retry-After: 1 → retried after ${Math.round(waited)} ms`);
    expect(waited).toBeGreaterThanOrEqual(1000);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const until = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
    devops.faults.inject({
      matches: isItemRead,
      times: 1,
      status: 503,
      headers: { 'Retry-After': until.toUTCString() },
    });
    expect(text(await read(platform()))).toBe(FILE);
    const [, retried] = itemReads();
    expect(performance.timeOrigin + retried.arrivedAt).toBeGreaterThanOrEqual(until.getTime());
  });

  it('answered 500 twice is retried with backoff and never read as content', async () => {
    devops.faults.inject({ matches: isItemRead, times: 2, status: 500 });
    expect(text(await read(platform()))).toBe(FILE);
    expect(itemReads().map((record) => record.status)).toEqual([500, 500, 200]);
  });

  it('answered 203 with a sign-in page fails with that cause, once, and is never content', async () => {
    devops.faults.inject({ matches: isItemRead, status: 203, body: 'signInPage' });
    await expect(read(platform())).rejects.toThrow(/answered 203 with text\/html.*sign-in page/);
    expect(itemReads()).toHaveLength(1);
  });

  it('that hangs is cut off by the request timeout and retried', async () => {
    devops.faults.inject({ matches: isItemRead, times: 1, hang: true });
    const started = performance.now();
    expect(text(await read(platform({ requestTimeoutMs: 400 })))).toBe(FILE);
    const [hung, retried] = itemReads();
    console.log(`hanging read cut off and retried after ${Math.round(performance.now() - started)} ms`);
    expect(hung.status).toBeUndefined();
    expect(retried.status).toBe(200);
    // Timers may fire up to a millisecond early against performance.now().
    expect(retried.arrivedAt - started).toBeGreaterThanOrEqual(399);
  });

  it('of a missing file is undefined, not its 404 body', async () => {
    await expect(read(platform(), '/no/such/file.ts')).resolves.toBeUndefined();
  });

  it('of a 50 MB file is reported too large from Content-Length without downloading it', async () => {
    await expect(read(platform(), '/big.bin', 512 * 1024)).resolves.toEqual({
      kind: 'tooLarge',
      size: BIG_BYTES,
    });
    const [record] = itemReads();
    console.log(
      `50 MB file, Content-Length: ${record.bytesSent} bytes written by the server before the client hung up`,
    );
    expect(record.bytesSent).toBeLessThan(BIG_BYTES / 4);
  });

  it('of a 50 MB file sent chunked stops at the limit', async () => {
    devops.faults.inject({ matches: isItemRead, chunked: true });
    await expect(read(platform(), '/big.bin', 512 * 1024)).resolves.toEqual({ kind: 'tooLarge' });
    const [record] = itemReads();
    console.log(`50 MB file, chunked: ${record.bytesSent} bytes written before the client hung up`);
    expect(record.bytesSent).toBeLessThan(BIG_BYTES / 4);
  });
});

describe('every call', () => {
  it('keeps at most the concurrency limit of requests in flight for the organization', async () => {
    devops.faults.inject({ matches: isItemRead, delayMs: 50 });
    const target = platform({ concurrency: 8 });
    await target.listIterations(ref); // discovery first, so only the reads below overlap
    devops.faults.resetCounts();
    const contents = await Promise.all(Array.from({ length: 40 }, () => read(target)));
    expect(contents.every((content) => text(content) === FILE)).toBe(true);
    expect(itemReads()).toHaveLength(40);
    console.log(`40 parallel reads: at most ${devops.faults.maxInFlight} in flight`);
    expect(devops.faults.maxInFlight).toBeLessThanOrEqual(8);
    expect(devops.faults.maxInFlight).toBeGreaterThan(1);
  });

  it('slows down as X-RateLimit-Remaining reaches 0, until X-RateLimit-Reset', async () => {
    const target = platform();
    await target.listIterations(ref);
    const reset = Math.ceil(Date.now() / 1000) + 2;
    devops.faults.inject({
      matches: isItemRead,
      times: 1,
      headers: {
        'X-RateLimit-Resource': 'Core',
        'X-RateLimit-Delay': '0.5',
        'X-RateLimit-Limit': '200',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String(reset),
      },
    });
    await read(target);
    await read(target);
    const [, second] = itemReads();
    expect(performance.timeOrigin + second.arrivedAt).toBeGreaterThanOrEqual(reset * 1000);
  });

  it('counts the requests it sends, retries and discovery included', async () => {
    const target = platform();
    devops.faults.inject({ matches: isItemRead, times: 1, status: 503 });
    await target.listIterations(ref);
    await read(target);
    expect(target.requestCount()).toBe(devops.faults.requests.length);
    expect(target.requestCount()).toBeGreaterThanOrEqual(3);
  });

  it('retries an idempotent write (a status) and never a thread creation', async () => {
    const target = platform();
    const isPost = (suffix: RegExp) => (request: RequestSummary) =>
      request.method === 'POST' && suffix.test(request.path);
    devops.faults.inject({ matches: isPost(/\/statuses$/), times: 1, status: 503 });
    await target.setStatus(ref, {
      state: 'pending',
      description: 'x',
      genre: 'ado-reviewer',
      name: 'review',
    });
    devops.faults.inject({ matches: isPost(/\/threads$/), times: 1, status: 503 });
    await expect(
      target.createThread(ref, { content: 'x', properties: {}, status: 'active' }),
    ).rejects.toThrow(/answered 503/);
    const posts = devops.faults.requests.filter((record) => record.method === 'POST');
    expect(posts.map((record) => `${record.url.split('/').at(-1)?.split('?')[0]} ${record.status}`)).toEqual([
      'statuses 503',
      'statuses 200',
      'threads 503',
    ]);
  });

  it('gives up when the deadline leaves no room for the wait Retry-After asks for', async () => {
    devops.faults.inject({ matches: isItemRead, status: 429, headers: { 'Retry-After': '30' } });
    const started = performance.now();
    await expect(read(platform({ deadline: Date.now() + 2000 }))).rejects.toThrow(/no time left to retry/);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(itemReads()).toHaveLength(1);
  });
});
