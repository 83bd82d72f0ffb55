import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretClient } from '@azure/keyvault-secrets';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { startKeyVaultServer, type KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import { runRotateWebhookPasswordCommand } from '../../shared/cli/rotateWebhookPasswordCommand';
import { runSetupHooksCommand } from '../../shared/cli/setupHooksCommand';
import { isAppWebhook } from '../../shared/service-hooks/subscriptionPlanner';
import { capturedOutput } from '../support/capturedOutput';

/**
 * `rotate-webhook-password` writes the new password only into subscriptions that deliver to the app's own webhook
 * URL: one carrying the app's marker header but delivering elsewhere keeps what it had (as the Azure DevOps test
 * server stores it), is reported, and the rotation still completes.
 */

const PASSWORD_SECRET = 'webhook-password';
const PREVIOUS_SECRET = 'webhook-previous-password';
const OLD = 'old-webhook-password-0123456789abcdef';
const FOREIGN_PASSWORD = 'the-other-hosts-own-password-0123';
const USER = 'ado-hooks';

let vault: KeyVaultTestServer;
let devops: AzureDevOpsTestServer;
let app: Server;
let appUrl: string;
let projectId: string;

beforeEach(async () => {
  vault = await startKeyVaultServer();
  vault.setSecret(PASSWORD_SECRET, OLD);
  devops = await startAzureDevOpsServer({ organization: 'targets' });
  projectId = (devops.createProject('demo') as { id: string }).id;
  // Stands in for the app: accepts the rotation's probe.
  app = createServer((_request, response) => {
    response.statusCode = 202;
    response.end();
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/app`;
}, 30_000);

afterEach(async () => {
  await new Promise((resolve) => app.close(resolve));
  await devops.close();
  await vault.close();
});

const ports = {
  secretClient: (uri: string) => new SecretClient(uri, vault.credential, vault.clientOptions),
  stdin: process.stdin,
  sleep: () => Promise.resolve(),
};

interface StoredSubscription {
  id: string;
  eventType: string;
  consumerInputs: Record<string, string>;
}
const stored = () => devops.serviceHookSubscriptions() as unknown as StoredSubscription[];

async function createSubscription(
  eventType: string,
  consumerInputs: Record<string, string>,
): Promise<string> {
  const response = await fetch(`${devops.orgUrl}/_apis/hooks/subscriptions?api-version=7.1`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`:${devops.token}`).toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      publisherId: 'tfs',
      eventType,
      consumerId: 'webHooks',
      consumerActionId: 'httpRequest',
      publisherInputs: { projectId },
      consumerInputs,
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

type Command = (args: string[], io: { env: NodeJS.ProcessEnv } & Streams) => Promise<number>;
type Streams = { out: NodeJS.WritableStream; err: NodeJS.WritableStream };
const rotate: Command = (args, io) => runRotateWebhookPasswordCommand(args, io, ports);

async function run(command: Command, args: string[], env: NodeJS.ProcessEnv) {
  const [out, err] = [capturedOutput(), capturedOutput()];
  const code = await command(args, { env, out: out.stream, err: err.stream });
  return { code, out: out.text(), err: err.text() };
}

describe('rotate-webhook-password and subscriptions that deliver elsewhere', () => {
  it("leaves a marked subscription on another host or path untouched, and rotates the app's own", async () => {
    const env = { AZURE_DEVOPS_PAT: devops.token, WEBHOOK_USERNAME: USER };
    const target = ['--org', devops.orgUrl, '--project', 'demo', '--url', appUrl];
    const setup = await run(runSetupHooksCommand, target, { ...env, WEBHOOK_PASSWORD: OLD });
    expect(setup.code).toBe(0);
    const own = stored();
    expect(own).toHaveLength(3);
    const markerHeader = own[0].consumerInputs.httpHeaders;
    expect(markerHeader).toMatch(/^X-Ado-Reviewer-Hook:/);

    // Our marker, but delivering to someone else: another host, and another path on the app's host.
    const foreignInputs = {
      url: 'https://attacker.example.com/azure_webhooks',
      basicAuthUsername: 'someone-else',
      basicAuthPassword: FOREIGN_PASSWORD,
      httpHeaders: `X-Other:1\n${markerHeader}`,
    };
    const foreign = await createSubscription('git.pullrequest.created', foreignInputs);
    const otherPathInputs = { ...foreignInputs, url: `${new URL(appUrl).origin}/other/azure_webhooks` };
    const otherPath = await createSubscription('git.pullrequest.updated', otherPathInputs);
    // The app's own URL written differently (upper-case scheme, trailing slash): still the app's.
    const sameApp = await createSubscription('ms.vss-code.git-pullrequest-comment-event', {
      url: `${appUrl.replace('http://', 'HTTP://')}/azure_webhooks/`,
      basicAuthUsername: USER,
      basicAuthPassword: OLD,
      httpHeaders: markerHeader,
    });

    const rotation = await run(
      rotate,
      [...target, '--vault', vault.vaultUri, '--finish', '--timeout', '5'],
      env,
    );

    expect(rotation.code).toBe(0);
    const fresh = (await ports.secretClient(vault.vaultUri).getSecret(PASSWORD_SECRET)).value as string;
    expect(fresh).not.toBe(OLD);
    const byId = new Map(stored().map((subscription) => [subscription.id, subscription]));
    expect(byId.get(foreign)?.consumerInputs).toEqual(foreignInputs);
    expect(byId.get(otherPath)?.consumerInputs).toEqual(otherPathInputs);
    for (const id of [...own.map((subscription) => subscription.id), sameApp])
      expect(byId.get(id)?.consumerInputs.basicAuthPassword).toBe(fresh);
    expect(rotation.err).toContain(
      "warning: left alone: attacker.example.com is not this app's webhook " +
        `(${appUrl}/azure_webhooks): subscription ${foreign} (git.pullrequest.created demo) keeps its password`,
    );
    expect(rotation.err).toContain(
      `warning: left alone: ${new URL(appUrl).origin}/other/azure_webhooks is not this app's webhook`,
    );
    expect(rotation.out.match(/^updated /gm)).toHaveLength(4);
    expect(rotation.out).toMatch(/rotation [0-9a-f-]+ is finished/);
    expect(vault.versions(PREVIOUS_SECRET).at(-1)?.enabled).toBe(false);
    expect(rotation.out + rotation.err).not.toContain(fresh);
  }, 60_000);
});

describe('isAppWebhook', () => {
  const app = new URL('https://reviewer.example.net/api/azure_webhooks');

  it.each([
    'https://reviewer.example.net/api/azure_webhooks',
    'https://REVIEWER.Example.NET/api/azure_webhooks',
    'https://reviewer.example.net:443/api/azure_webhooks',
    'https://reviewer.example.net/api/azure_webhooks/',
    'https://reviewer.example.net/api/azure_webhooks?source=ado',
  ])('%s is the app', (url) => expect(isAppWebhook(url, app)).toBe(true));

  it.each([
    'http://reviewer.example.net/api/azure_webhooks',
    'https://reviewer.example.net:8443/api/azure_webhooks',
    'https://reviewer.example.net.attacker.example/api/azure_webhooks',
    'https://attacker.example@reviewer.example.net/api/azure_webhooks',
    'https://reviewer.example.net/other/azure_webhooks',
    'https://reviewer.example.net/API/azure_webhooks',
    'not a url',
  ])('%s is not', (url) => expect(isAppWebhook(url, app)).toBe(false));

  it('needs the same query when the app has one', () => {
    const keyed = new URL('https://reviewer.example.net/api/azure_webhooks?code=abc');
    expect(isAppWebhook('https://reviewer.example.net/api/azure_webhooks/?code=abc', keyed)).toBe(true);
    expect(isAppWebhook('https://reviewer.example.net/api/azure_webhooks?code=xyz', keyed)).toBe(false);
    expect(isAppWebhook('https://reviewer.example.net/api/azure_webhooks', keyed)).toBe(false);
  });
});
