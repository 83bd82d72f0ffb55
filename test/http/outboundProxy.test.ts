import http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { SecretClient } from '@azure/keyvault-secrets';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { getPersonalAccessTokenHandler, WebApi } from 'azure-devops-node-api';
import OpenAI from 'openai';
import { type AzureDevOpsTestServer, startAzureDevOpsServer } from '../../dev/azure-devops/azureDevOpsServer';
import { startKeyVaultServer, type KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import { startLlmServer, type LlmTestServer } from '../../dev/llm/llmServer';
import { startConnectProxy, type ProxyTestServer } from '../../dev/proxy/connectProxy';
import { parseProxySettings } from '../../shared/config/proxySettings';
import { azureDevOpsProxy, createProxyFetch } from '../../shared/http/outboundProxy';
import { ProxyRoutingAgent } from '../../shared/http/proxyRoutingAgent';

/**
 * Every outbound client, through its real library, sends its requests through the stand-in proxy when the settings
 * name one, and straight to the target when NO_PROXY names the target. The settings are parsed from environment
 * objects built here, so process.env (and other tests) are untouched. Nothing special-cases loopback: undici,
 * https-proxy-agent and typed-rest-client proxy 127.0.0.1 like any host, and the bypassed server listens on a second
 * loopback address, 127.0.0.2, so that NO_PROXY can name it apart from the proxied ones.
 */

const PROXY_USER = 'proxy-user';
const PROXY_PASSWORD = 'p@ss: word';
const TOKEN = 'test-pat-proxy';
const VAULT_HOST = 'ado-reviewer-test.vault.azure.net';

interface PlainServer {
  url: string;
  target: string;
  paths: string[];
  close(): Promise<void>;
}

/** A plain HTTP server that answers every request with `{"ok":true}` and records its path. */
async function startPlainServer(host: string): Promise<PlainServer> {
  const paths: string[] = [];
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? '');
    request.resume();
    request.on('end', () =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const target = `${host}:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${target}`,
    target,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let proxy: ProxyTestServer;
let llm: LlmTestServer;
let azureDevOps: AzureDevOpsTestServer;
let vault: KeyVaultTestServer;
let direct: PlainServer;
let proxied: PlainServer;

beforeAll(async () => {
  [proxy, llm, azureDevOps, vault, direct, proxied] = await Promise.all([
    startConnectProxy({
      credentials: { username: PROXY_USER, password: PROXY_PASSWORD },
      hosts: { [VAULT_HOST]: '127.0.0.1' },
    }),
    startLlmServer({ apiKeys: ['llm-key'], responder: () => 'proxied answer' }),
    startAzureDevOpsServer({ token: TOKEN }),
    startKeyVaultServer(),
    startPlainServer('127.0.0.2'),
    startPlainServer('127.0.0.1'),
  ]);
});

afterAll(async () => {
  await Promise.all([proxy, llm, azureDevOps, vault, direct, proxied].map((server) => server?.close()));
});

/** Settings as the environment would give them: mixed case, credentials in the proxy URL. */
const settingsThrough = (proxyUrl: string, noProxy = '') =>
  parseProxySettings({ http_proxy: proxyUrl, HTTPS_PROXY: proxyUrl, NO_PROXY: noProxy });

const seen = (target: string) => proxy.requests.filter((entry) => entry.target === target).length;

test('the openai SDK sends chat completions through the proxy, with its credentials', async () => {
  const target = new URL(llm.url).host;
  const before = proxy.forwards(target);
  const client = new OpenAI({
    apiKey: 'llm-key',
    baseURL: llm.baseUrl,
    maxRetries: 0,
    fetch: createProxyFetch(settingsThrough(proxy.urlWithCredentials)),
  });

  const completion = await client.chat.completions.create({
    model: 'test-model',
    messages: [{ role: 'user', content: 'hello' }],
  });

  expect(completion.choices[0].message.content).toBe('proxied answer');
  expect(proxy.forwards(target) - before).toBe(1);
});

test('without the proxy credentials the proxy refuses the openai request (the check is real)', async () => {
  const target = new URL(llm.url).host;
  const refused = () => proxy.requests.filter((entry) => entry.target === target && !entry.authorized).length;
  const [requestsBefore, refusedBefore] = [llm.requests.length, refused()];
  const client = new OpenAI({
    apiKey: 'llm-key',
    baseURL: llm.baseUrl,
    maxRetries: 0,
    fetch: createProxyFetch(settingsThrough(proxy.url)),
  });

  // undici turns the proxy's 407 into a failed fetch, which the SDK reports as a connection error.
  await expect(
    client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'hello' }] }),
  ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  expect(refused() - refusedBefore).toBe(1);
  expect(llm.requests.length).toBe(requestsBefore);
});

test('azure-devops-node-api tunnels through the proxy given its proxy option', async () => {
  const target = new URL(azureDevOps.orgUrl).host;
  const before = proxy.tunnels(target);
  const settings = settingsThrough(proxy.urlWithCredentials);
  const connection = new WebApi(azureDevOps.orgUrl, getPersonalAccessTokenHandler(TOKEN), {
    proxy: azureDevOpsProxy(settings, azureDevOps.orgUrl),
  });

  const data = await connection.connect();

  expect(data.authenticatedUser?.id).toBe(azureDevOps.botIdentity.id);
  expect(proxy.tunnels(target) - before).toBeGreaterThanOrEqual(1);
});

test('azure-devops-node-api goes direct to a NO_PROXY host:port', async () => {
  const target = new URL(azureDevOps.orgUrl).host;
  const before = seen(target);
  const settings = settingsThrough(proxy.urlWithCredentials, `localhost,${target}`);
  const connection = new WebApi(azureDevOps.orgUrl, getPersonalAccessTokenHandler(TOKEN), {
    proxy: azureDevOpsProxy(settings, azureDevOps.orgUrl),
  });

  const data = await connection.connect();

  expect(data.authenticatedUser?.id).toBe(azureDevOps.botIdentity.id);
  expect(seen(target)).toBe(before);
});

test('the Key Vault SDK reads a secret through a CONNECT tunnel', async () => {
  vault.setSecret('proxied-secret', 'secret value');
  const target = `${VAULT_HOST}:${new URL(vault.vaultUri).port}`;
  const before = proxy.tunnels(target);
  // The test vault's own agent trusts its self-signed certificate; ours must too, inside the tunnel.
  const { ca } = (vault.clientOptions.agent as https.Agent).options;
  const agent = new ProxyRoutingAgent(settingsThrough(proxy.urlWithCredentials), { ca });
  try {
    const client = new SecretClient(vault.vaultUri, vault.credential, {
      agent,
      retryOptions: { maxRetries: 0 },
    });

    const secret = await client.getSecret('proxied-secret');

    expect(secret.value).toBe('secret value');
    expect(proxy.tunnels(target) - before).toBeGreaterThanOrEqual(1);
    expect(vault.secretReads('proxied-secret')).toBe(1);
  } finally {
    agent.destroy();
  }
});

test("the AWS SDK's NodeHttpHandler with the agent forwards Bedrock calls through the proxy", async () => {
  const before = proxy.forwards(proxied.target);
  const agent = new ProxyRoutingAgent(settingsThrough(proxy.urlWithCredentials));
  const client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: proxied.url,
    credentials: { accessKeyId: 'test-key', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent, httpsAgent: agent }),
  });
  try {
    const answer = await client.send(
      new InvokeModelCommand({ modelId: 'test-model', contentType: 'application/json', body: '{}' }),
    );

    expect(Buffer.from(answer.body).toString('utf8')).toBe('{"ok":true}');
    expect(proxied.paths.at(-1)).toBe('/model/test-model/invoke');
    expect(proxy.forwards(proxied.target) - before).toBe(1);
  } finally {
    client.destroy();
    agent.destroy();
  }
});

test('a NO_PROXY host is reached directly by the fetch and the agent, while other hosts still use the proxy', async () => {
  const settings = settingsThrough(proxy.urlWithCredentials, ' example.invalid, 127.0.0.2 ');
  const proxyFetch = createProxyFetch(settings);
  const agent = new ProxyRoutingAgent(settings);
  const get = (url: string) =>
    new Promise<number>((resolve, reject) => {
      http
        .get(url, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        })
        .on('error', reject);
    });
  const proxiedBefore = proxy.forwards(proxied.target);
  try {
    expect((await proxyFetch(`${direct.url}/by-fetch`)).status).toBe(200);
    expect(await get(`${direct.url}/by-agent`)).toBe(200);
    expect((await proxyFetch(`${proxied.url}/by-fetch`)).status).toBe(200);
    expect(await get(`${proxied.url}/by-agent`)).toBe(200);
  } finally {
    agent.destroy();
  }

  expect(direct.paths).toEqual(['/by-fetch', '/by-agent']);
  expect(seen(direct.target)).toBe(0);
  expect(proxy.forwards(proxied.target) - proxiedBefore).toBe(2);
});
