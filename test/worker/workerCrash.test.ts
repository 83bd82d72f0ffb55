import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startAzurite, type Azurite } from '../../dev/azurite/azurite';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { startLlmServer, type LlmTestServer } from '../../dev/llm/llmServer';
import { threadKind, type Json } from '../../dev/sandbox/sandbox';
import { scriptedReview } from '../../dev/llm/scriptedReviewer';
import { createTopicPullRequest, flaggedFiles } from '../support/topicPullRequest';

/**
 * A worker killed (SIGKILL) part-way through posting a review: the app runs in a separate process under the stand-in
 * host; once the queue message's lease runs out another worker process picks the job up again and finishes it from the
 * saved plan, without posting anything twice.
 */

const root = path.join(__dirname, '../..');
let azurite: Azurite;
let devops: AzureDevOpsTestServer;
let llm: LlmTestServer;
const workers: ChildProcess[] = [];
const WEBHOOK = { username: 'azure-devops', password: 'crash-test-password' };

async function startWorker(): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      path.join(root, 'test/support/transpileOnRequire.js'),
      path.join(root, 'test/support/hostProcess.ts'),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_NO_WARNINGS: '1',
        HOST_LEASE_SECONDS: '3',
        AZURE_DEVOPS_ORG_URL: devops.orgUrl,
        AZURE_DEVOPS_BOT_TOKEN: devops.token,
        OPENAI_API_KEYS: 'sk-crash-test',
        OPENAI_BASE_URL: llm.baseUrl,
        WEBHOOK_USERNAME: WEBHOOK.username,
        WEBHOOK_PASSWORD: WEBHOOK.password,
        AzureWebJobsStorage: azurite.connectionString,
        REVIEW_QUEUE_NAME: 'review-jobs',
        REVIEW_BUSY_RETRY_SECONDS: '1',
      },
    },
  );
  workers.push(child);
  child.stderr?.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before listening`)));
  });
  return { process: child, url };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  azurite = await startAzurite();
  devops = await startAzureDevOpsServer({ organization: 'crash' });
  llm = await startLlmServer({ apiKeys: ['sk-crash-test'], responder: scriptedReview });
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await Promise.all([devops?.close(), llm?.close()]);
  await azurite?.stop();
});

it('a worker killed while posting leaves exactly one set of threads after another worker takes over', async () => {
  const first = await startWorker();
  devops.setSubscriber({ url: `${first.url}/azure_webhooks`, ...WEBHOOK });

  const files = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts'];
  let threadPosts = 0;
  // The moment the second thread is being posted, the worker process dies.
  devops.dropRequests((method, requestPath) => {
    if (method !== 'POST' || !/\/threads$/.test(requestPath) || ++threadPosts !== 2) return false;
    first.process.kill('SIGKILL');
    return true;
  });

  const { ref } = await createTopicPullRequest(devops, {
    project: 'demo',
    repository: 'crash',
    mainFiles: { 'README.md': 'x\n' },
    topicFiles: flaggedFiles(files),
    title: 'crash',
  });
  await waitFor(
    () => (first.process.exitCode !== null || first.process.signalCode !== null ? true : undefined),
    30_000,
  );
  const ownThreads = () =>
    (devops.threads(ref.repositoryId, ref.pullRequestId) as Json[]).filter(
      (thread) => thread.comments?.[0]?.author?.id === devops.botIdentity.id,
    );
  expect(ownThreads()).toHaveLength(1);

  // Deliveries now go to a new worker; the job itself comes back from the queue when its lease expires.
  const second = await startWorker();
  devops.setSubscriber({ url: `${second.url}/azure_webhooks`, ...WEBHOOK });
  await waitFor(() => {
    const statuses = devops.statuses(ref.repositoryId, ref.pullRequestId) as Json[];
    return statuses.at(-1)?.state === 'succeeded' ? true : undefined;
  }, 60_000);
  await devops.settled();

  const threads = ownThreads();
  const findings = threads.filter((thread) => threadKind(thread) === 'finding');
  const fingerprints = new Set(
    findings.map((thread) => thread.properties['ado-reviewer.fingerprint'].$value),
  );
  expect(findings).toHaveLength(files.length);
  expect(fingerprints.size).toBe(files.length);
  expect(threads.filter((thread) => threadKind(thread) === 'summary')).toHaveLength(1);
  expect(llm.requests).toHaveLength(1);
}, 120_000);
