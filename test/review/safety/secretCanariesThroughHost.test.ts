import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { startOAuth2TokenServer, type OAuth2TokenServer } from '../../../dev/identity/oauth2TokenServer';
import {
  SAMPLE_FEATURE,
  SAMPLE_MAIN,
  startSandbox,
  threadKind,
  type Json,
  type Sandbox,
} from '../../../dev/sandbox/sandbox';
import { canariesWith, LLM_KEY, OAUTH_SECRET, WEBHOOK_PASSWORD } from '../../support/secretCanaries';

/**
 * The in-memory canary scan (secretCanaries.test.ts), through the stand-in host against Azurite, the Azure DevOps
 * test server and the LLM stand-in: the app really authenticates with a canary PAT, a canary Azure OpenAI key (in
 * `api-key`) together with an OAuth2 gateway token got with a canary client secret (Authorization), and receives
 * deliveries under a canary webhook password. The same values are also in the pull request (a diff, its
 * description, a mention) and in a model error. After a review, a mention answer and a review that ends on the
 * poison queue, no log entry, queue message, state blob, prompt, thread or status holds any of them.
 */

// Shapes secretScan.ts recognises, so that the copies in the diff, description and mention are masked in prompts:
// a 52-character base32 PAT, an `sk-proj-` key, a `…Password: "…"` value and an Entra client secret.
const PAT = `patcanary${'q7z'.repeat(15)}ab2c`.slice(0, 52);
const { canaries: CANARIES, settingsFile: SETTINGS_FILE } = canariesWith(PAT);
const GATEWAY_CLIENT = 'ado-reviewer';
const GATEWAY_SCOPE = 'api://llm-gateway/.default';
const STATE_CONTAINER = 'ado-reviewer-state';

const DESCRIPTION =
  `Wires the checkout settings. token=${PAT} apiKey=${LLM_KEY} ` +
  `password=${WEBHOOK_PASSWORD} clientSecret=${OAUTH_SECRET}`;

/** The collections scanned, each with the texts it held: an empty one fails the test (no vacuous pass). */
type Scanned = Record<string, string[]>;
const hitsIn = (scanned: Scanned) =>
  Object.entries(scanned).flatMap(([collection, texts]) =>
    texts.flatMap((text) =>
      CANARIES.filter((canary) => text.includes(canary)).map((canary) => `${collection}: ${canary}`),
    ),
  );

let tokens: OAuth2TokenServer;
let sandbox: Sandbox;
/** Records every message anyone sent to a queue (the webhook's jobs, the host's poison moves), and sends it. */
let sendMessage: jest.SpiedFunction<QueueClient['sendMessage']>;

beforeAll(async () => {
  // The host consumes the review queue and its poison queue within 100 ms, so reading them afterwards would find
  // them empty: the messages are recorded as they are sent instead (app and host run in this process).
  sendMessage = jest.spyOn(QueueClient.prototype, 'sendMessage');

  tokens = await startOAuth2TokenServer({
    clientId: GATEWAY_CLIENT,
    clientSecret: OAUTH_SECRET,
    scope: GATEWAY_SCOPE,
  });
  sandbox = await startSandbox({
    retryDelayMs: 200,
    // Both credentials are required, so a review that got through used the canary key and the canary secret.
    llmServer: {
      authorize: ({ apiKey, bearerToken }) =>
        apiKey === LLM_KEY && bearerToken !== undefined && tokens.isValid(bearerToken),
    },
    modelSettings: (llm) => ({
      LLM_PROVIDER: 'azure-openai',
      AZURE_OPENAI_ENDPOINT: llm.url,
      AZURE_OPENAI_API_KEY: LLM_KEY,
      AZURE_GPT41MINI_DEPLOYMENT_NAME: 'review-mini',
      OAUTH2_ENDPOINT: tokens.endpoint,
      OAUTH2_CLIENT_ID: GATEWAY_CLIENT,
      OAUTH2_CLIENT_SECRET: OAUTH_SECRET,
      OAUTH2_SCOPE: GATEWAY_SCOPE,
    }),
    settings: { AZURE_DEVOPS_BOT_TOKEN: PAT, WEBHOOK_PASSWORD },
  });
  // The sandbox made its own PAT and webhook password: the test server now accepts the canaries in their place.
  sandbox.devops.rotateToken(PAT);
  sandbox.devops.setSubscriber({ ...sandbox.webhook, password: WEBHOOK_PASSWORD });
}, 120_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await sandbox?.close();
  await tokens?.close();
});

async function openCanaryPullRequest(name: string) {
  const repository = await sandbox.devops.createRepository({ project: 'demo', name, files: SAMPLE_MAIN });
  await sandbox.devops.push({
    repositoryId: repository.id,
    branch: 'feature/settings',
    baseBranch: 'main',
    files: { ...SAMPLE_FEATURE, 'src/settings.ts': SETTINGS_FILE },
    message: 'Add checkout settings',
  });
  const pullRequest = await sandbox.devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'feature/settings',
    targetBranch: 'main',
    title: 'Add checkout settings',
    description: DESCRIPTION,
  });
  return { repositoryId: repository.id, pullRequestId: pullRequest.pullRequestId };
}

async function stateBlobs(): Promise<string[]> {
  const container = BlobServiceClient.fromConnectionString(
    sandbox.azurite.connectionString,
  ).getContainerClient(STATE_CONTAINER);
  const texts: string[] = [];
  for await (const blob of container.listBlobsFlat())
    texts.push((await container.getBlobClient(blob.name).downloadToBuffer()).toString('utf8'));
  return texts;
}

it('plants a PAT, an LLM key, the webhook password and an OAuth2 client secret; none leaks anywhere', async () => {
  const reviewed = await openCanaryPullRequest('canary-review');
  await sandbox.settled();
  const findings = sandbox
    .botThreads(reviewed.repositoryId, reviewed.pullRequestId)
    .filter((thread) => threadKind(thread) === 'finding');
  expect(findings.map((thread) => String(thread.comments[0].content))).toContainEqual(
    expect.stringContaining('**Possible credential**'),
  );

  const mention = `@<${sandbox.devops.botIdentity.id}> is it fine to keep token=${PAT} here?`;
  await sandbox.devops.addComment({
    pullRequestId: reviewed.pullRequestId,
    threadId: findings[0].id as number,
    content: mention,
  });
  await sandbox.settled();
  const replyPrompts = sandbox.llm.requests.filter(
    (request) => request.body.response_format?.json_schema?.name === 'thread_reply',
  );
  expect(replyPrompts).toHaveLength(1);

  // A provider whose error quotes the key, as some echo a rejected one: every try fails, the job goes to poison.
  sandbox.llm.respondWith(() => ({ status: 400, error: `Unsupported parameter (api-key ${LLM_KEY})` }));
  const failed = await openCanaryPullRequest('canary-poison');
  await sandbox.settled();
  expect(sandbox.host.logs.some((entry) => entry.functionName === 'reviewJobPoison')).toBe(true);
  expect(sandbox.devops.statuses(failed.repositoryId, failed.pullRequestId).at(-1)).toMatchObject({
    state: 'error',
  });

  const pullRequests = [reviewed, failed];
  const scanned: Scanned = {
    'host log entries': sandbox.host.logs.map((entry) => entry.message),
    // The host's queues are base64-encoded (host.json): both the sent text and its decoding are scanned.
    'queue messages': sendMessage.mock.calls.flatMap(([text]) => [
      text,
      Buffer.from(text, 'base64').toString('utf8'),
    ]),
    'state blobs': await stateBlobs(),
    prompts: sandbox.llm.requests.flatMap((request) =>
      request.body.messages.map((message) => message.content),
    ),
    // The app's threads and every comment it wrote (the planted mention is the developer's, so it holds the PAT).
    'threads and comments': pullRequests.flatMap(({ repositoryId, pullRequestId }) =>
      (sandbox.devops.threads(repositoryId, pullRequestId) as Json[]).flatMap((thread) =>
        (thread.comments as Json[])
          .filter((comment) => comment.author?.id === sandbox.devops.botIdentity.id)
          .map((comment) => `${JSON.stringify(thread.properties ?? {})}\n${String(comment.content)}`),
      ),
    ),
    statuses: pullRequests.flatMap(({ repositoryId, pullRequestId }) =>
      (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[]).map((status) =>
        JSON.stringify(status),
      ),
    ),
  };
  // An empty collection would pass the scan without proving anything: the failure names it.
  expect(Object.entries(scanned).filter(([, texts]) => texts.length === 0)).toEqual([]);
  // The Functions host (the stand-in as the real one) logs what the function throws, on each of the 5 tries: a
  // provider's message quoting the key must not be what is thrown.
  const hostFailureLines = sandbox.host.logs
    .map((entry) => entry.message)
    .filter((message) => /^Function reviewJob failed \(try \d\): /.test(message));
  expect(hostFailureLines).toHaveLength(5);
  expect(hitsIn(scanned)).toEqual([]);
}, 180_000);
