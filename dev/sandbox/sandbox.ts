import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startAzurite, type Azurite } from '../azurite/azurite';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../azure-devops/azureDevOpsServer';
import { startFunctionsHost, type FunctionsHost, type HostLogEntry } from '../host/functionsHost';
import { startLlmServer, type LlmServerOptions, type LlmTestServer, type Responder } from '../llm/llmServer';
import { scriptedReview } from '../llm/scriptedReviewer';

/**
 * Everything the app talks to, on this machine: Azurite, the Azure DevOps test server, the LLM test server, and the
 * app itself under the stand-in Functions host, wired together with fresh random credentials. Used by the tests,
 * `npm run sandbox` and `npm run demo`.
 */

export const SAMPLE_MAIN: Record<string, string> = {
  'README.md': '# Web shop\n\nA tiny shop used to demonstrate ado-reviewer.\n',
  'src/cart.ts': [
    "import { priceOf } from '../../test/support/catalog';",
    '',
    'export interface CartLine {',
    '  sku: string;',
    '  quantity: number;',
    '}',
    '',
    'export function total(lines: CartLine[]): number {',
    '  let sum = 0;',
    '  for (const line of lines) {',
    '    sum += priceOf(line.sku) * line.quantity;',
    '  }',
    '  return sum;',
    '}',
    '',
  ].join('\n'),
  'src/catalog.ts': [
    'const prices: Record<string, number> = { apple: 3, pear: 4 };',
    '',
    'export function priceOf(sku: string): number {',
    '  return prices[sku] ?? 0;',
    '}',
    '',
  ].join('\n'),
  'src/legacy/oldPricing.ts': 'export const LEGACY_MARKUP = 1.2;\n',
};

/** The sample PR: an edit, an added file and a deleted file, with a few smells the scripted reviewer flags. */
export const SAMPLE_FEATURE: Record<string, string | null> = {
  'src/cart.ts': [
    "import { priceOf } from '../../test/support/catalog';",
    "import { discountFor } from '../../test/support/discounts';",
    '',
    'export interface CartLine {',
    '  sku: string;',
    '  quantity: number;',
    '}',
    '',
    'export function total(lines: CartLine[], coupon?: string): number {',
    '  let sum = 0;',
    '  for (const line of lines) {',
    '    sum += priceOf(line.sku) * line.quantity;',
    '  }',
    '  if (coupon == undefined) return sum;',
    '  return sum - discountFor(coupon, sum);',
    '}',
    '',
  ].join('\n'),
  'src/discounts.ts': [
    'export function discountFor(coupon: string, sum: number): number {',
    '  const rules = eval(coupon);',
    '  console.log("applying", rules);',
    '  return Math.min(sum, rules.amount);',
    '}',
    '',
  ].join('\n'),
  'src/legacy/oldPricing.ts': null,
};

export interface Sandbox {
  azurite: Azurite;
  devops: AzureDevOpsTestServer;
  /** With `secondOrganization`: the second organization's own test server (its own PAT). */
  secondDevops?: AzureDevOpsTestServer;
  llm: LlmTestServer;
  host: FunctionsHost;
  webhook: { url: string; username: string; password: string };
  /** Resolves once deliveries and queue work are quiet (bot comments fire events that are queue jobs too). */
  settled(timeoutMs?: number): Promise<void>;
  /**
   * The threads the app posted on a pull request (first comment by its identity), as the REST API returns them;
   * on `server` (default `devops`).
   */
  botThreads(repositoryId: string, pullRequestId: number, server?: AzureDevOpsTestServer): Json[];
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** What the app marked a thread as (`summary`, `finding`) in its properties. */
export const threadKind = (thread: Json): string | undefined =>
  thread.properties?.['ado-reviewer.kind']?.$value;

export interface SandboxOptions {
  /** The app's function entry points: TypeScript sources under jest, compiled files otherwise. */
  entryModules?: string[];
  responder?: Responder;
  /** The LLM stand-in's deployments (or models) and how it authorizes requests; any model and its key by default. */
  llmServer?: Pick<LlmServerOptions, 'deployments' | 'authorize'>;
  /**
   * The model settings, in place of the default (LLM_PROVIDER=openai at the stand-in's `/v1` with `apiKey`): e.g.
   * Azure OpenAI at `llm.url`, or another provider's stand-in.
   */
  modelSettings?: (llm: LlmTestServer, apiKey: string) => Record<string, string>;
  /**
   * A second organization, on a second Azure DevOps test server with its own PAT: the app is then configured with
   * AZURE_DEVOPS_ORGANIZATIONS listing both, and both deliver to it.
   */
  secondOrganization?: string;
  /** Extra app settings (e.g. a shorter timeout). */
  settings?: Record<string, string>;
  retryDelayMs?: number;
  onLog?: (entry: HostLogEntry) => void;
  hostPort?: number;
}

/** This file runs from the sources (jest) or compiled into dist/ (`npm run sandbox`, `npm run demo`). */
const codeRoot = path.resolve(__dirname, '../..');
const compiled = path.basename(codeRoot) === 'dist';
/** The folder holding host.json and package.json. */
export const projectRoot = compiled ? path.dirname(codeRoot) : codeRoot;

/** The app's function entry points, as the Functions host loads them (package.json `main`). */
export function defaultEntryModules(): string[] {
  return ['webhook', 'health', 'reviewJob', 'reviewJobPoison', 'keyVaultSecretEvents'].map((name) =>
    path.join(codeRoot, 'functions', name + (compiled ? '.js' : '.ts')),
  );
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const secret = () => randomBytes(12).toString('hex');
  const webhookUser = 'azure-devops';
  const webhookPassword = secret();
  const openAiKey = `sk-local-${secret()}`;

  const azurite = await startAzurite();
  const devops = await startAzureDevOpsServer({ organization: 'sandbox', token: secret() });
  const secondDevops =
    options.secondOrganization === undefined
      ? undefined
      : await startAzureDevOpsServer({ organization: options.secondOrganization, token: secret() });
  const servers = secondDevops === undefined ? [devops] : [devops, secondDevops];
  const azureDevOpsSettings =
    secondDevops === undefined
      ? { AZURE_DEVOPS_ORG_URL: devops.orgUrl, AZURE_DEVOPS_BOT_TOKEN: devops.token }
      : {
          AZURE_DEVOPS_ORGANIZATIONS: JSON.stringify(
            servers.map((server) => ({ url: server.orgUrl, auth: 'pat', token: server.token })),
          ),
        };
  const llm = await startLlmServer({
    apiKeys: [openAiKey],
    responder: options.responder ?? scriptedReview,
    ...options.llmServer,
  });
  const modelSettings = options.modelSettings?.(llm, openAiKey) ?? {
    LLM_PROVIDER: 'openai',
    OPENAI_API_KEYS: openAiKey,
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_MODEL: 'local-stand-in',
  };

  Object.assign(process.env, {
    ...azureDevOpsSettings,
    ...modelSettings,
    WEBHOOK_USERNAME: webhookUser,
    WEBHOOK_PASSWORD: webhookPassword,
    AzureWebJobsStorage: azurite.connectionString,
    REVIEW_QUEUE_NAME: 'review-jobs',
    REVIEW_BUSY_RETRY_SECONDS: '1',
    ...options.settings,
  });
  const host = await startFunctionsHost({
    appRoot: projectRoot,
    entryModules: options.entryModules ?? defaultEntryModules(),
    retryDelayMs: options.retryDelayMs ?? 500,
    pollIntervalMs: 100,
    onLog: options.onLog,
    port: options.hostPort,
  });
  const webhookUrl = `${host.url}/azure_webhooks`;
  for (const server of servers)
    server.setSubscriber({ url: webhookUrl, username: webhookUser, password: webhookPassword });

  return {
    azurite,
    devops,
    secondDevops,
    llm,
    host,
    webhook: { url: webhookUrl, username: webhookUser, password: webhookPassword },
    async settled(timeoutMs = 120_000) {
      for (let round = 0; round < 3; round++) {
        await Promise.all(servers.map((server) => server.settled()));
        await host.settled(timeoutMs);
      }
    },
    botThreads(repositoryId, pullRequestId, server = devops) {
      return (server.threads(repositoryId, pullRequestId) as Json[]).filter(
        (thread) => thread.comments?.[0]?.author?.id === server.botIdentity.id,
      );
    },
    async close() {
      await host.close();
      await Promise.all([...servers.map((server) => server.close()), llm.close()]);
      await azurite.stop();
    },
  };
}

/**
 * Creates the sample repository and opens the sample pull request (which delivers `git.pullrequest.created`), on
 * `server` (default the sandbox's first).
 */
export async function openSamplePullRequest(
  sandbox: Sandbox,
  repositoryName = 'webshop',
  server: AzureDevOpsTestServer = sandbox.devops,
) {
  const repository = await server.createRepository({
    project: 'demo',
    name: repositoryName,
    files: SAMPLE_MAIN,
  });
  await server.push({
    repositoryId: repository.id,
    branch: 'feature/discounts',
    baseBranch: 'main',
    files: SAMPLE_FEATURE,
    message: 'Add coupon discounts',
  });
  const pullRequest = await server.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'feature/discounts',
    targetBranch: 'main',
    title: 'Add coupon discounts',
    description: 'Customers can enter a coupon at checkout.',
  });
  const project = repository.project as { id: string; name: string };
  return { repositoryId: repository.id, project, pullRequestId: pullRequest.pullRequestId };
}
