import { QueueClient } from '@azure/storage-queue';
import path from 'node:path';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { freePort, startAzurite, type Azurite } from '../../dev/azurite/azurite';
import { startFunctionsHost, type FunctionsHost } from '../../dev/host/functionsHost';
import { organizationKey } from '../../shared/azure-devops-url/repositoryUrl';

/**
 * /health's Azure DevOps section under the stand-in host, against real test servers: one organization whose PAT is
 * right, one whose PAT is wrong, one on a closed port. The section is for authenticated callers only, does not
 * change the status, and is cached: a second call within the interval makes no request.
 */

const USER = 'azure-devops';
const PASSWORD = 'hook-password-health';
const WRONG_PAT = 'wrong-pat-never-shown';
const headers = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };

let azurite: Azurite;
let host: FunctionsHost;
let good: AzureDevOpsTestServer;
let refusing: AzureDevOpsTestServer;
let closedUrl: string;

beforeAll(async () => {
  azurite = await startAzurite();
  // The review queue, which /health checks is there (the webhook creates it on first use).
  await new QueueClient(azurite.connectionString, 'health-test-jobs').create();
  good = await startAzureDevOpsServer({ organization: 'good' });
  refusing = await startAzureDevOpsServer({ organization: 'refusing' });
  closedUrl = `http://127.0.0.1:${await freePort()}/gone`;
  Object.assign(process.env, {
    AZURE_DEVOPS_ORGANIZATIONS: JSON.stringify([
      { url: good.orgUrl, token: good.token },
      { url: refusing.orgUrl, token: WRONG_PAT },
      { url: closedUrl, token: 'unused-pat' },
    ]),
    OPENAI_API_KEYS: 'sk-never-logged',
    WEBHOOK_USERNAME: USER,
    WEBHOOK_PASSWORD: PASSWORD,
    AzureWebJobsStorage: azurite.connectionString,
    REVIEW_QUEUE_NAME: 'health-test-jobs',
  });
  host = await startFunctionsHost({
    appRoot: path.join(__dirname, '../..'),
    entryModules: [require.resolve('../../functions/health')],
  });
}, 60_000);

afterAll(async () => {
  await host?.close();
  await good?.close();
  await refusing?.close();
  await azurite?.stop();
});

const connectionDataCalls = (server: AzureDevOpsTestServer) =>
  server.faults.requests.filter((request) => /\/_apis\/connectionData$/.test(request.url.split('?')[0]))
    .length;

describe('GET /health: Azure DevOps', () => {
  it('answers an unauthenticated caller only its status, asking no organization', async () => {
    const response = await fetch(`${host.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'healthy' });
    expect(good.faults.requests).toHaveLength(0);
    expect(refusing.faults.requests).toHaveLength(0);
  });

  it('reports ok, refused and unreachable per organization, without changing the status or showing a token', async () => {
    const response = await fetch(`${host.url}/health`, { headers });
    const text = await response.text();
    expect(response.status).toBe(200);
    const body = JSON.parse(text) as { status: string; azureDevOps: Record<string, string> };
    expect(body.status).toBe('healthy');
    expect(body.azureDevOps).toEqual({
      [organizationKey(good.orgUrl)]: 'ok',
      [organizationKey(refusing.orgUrl)]: 'refused',
      [organizationKey(closedUrl)]: 'unreachable',
    });
    expect(connectionDataCalls(good)).toBe(1);
    expect(connectionDataCalls(refusing)).toBe(1);
    expect(refusing.faults.requests.map((request) => request.status)).toEqual([401]);

    const warnings = host.logs.filter((entry) => entry.level === 'warning').map((entry) => entry.message);
    expect(warnings).toEqual(
      expect.arrayContaining([
        `Health check: Azure DevOps ${refusing.orgUrl}: refused (HTTP 401)`,
        `Health check: Azure DevOps ${closedUrl}: unreachable (ECONNREFUSED)`,
      ]),
    );
    const logged = host.logs.map((entry) => entry.message).join('\n');
    for (const secret of [good.token, WRONG_PAT, PASSWORD]) {
      expect(text).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });

  it('answers from the cache within the interval: no request reaches Azure DevOps', async () => {
    const before = [good.faults.requests.length, refusing.faults.requests.length];
    const responses = await Promise.all(
      [1, 2, 3].map(() => fetch(`${host.url}/health`, { headers }).then((r) => r.json())),
    );
    for (const body of responses)
      expect((body as { azureDevOps: Record<string, string> }).azureDevOps).toMatchObject({
        [organizationKey(good.orgUrl)]: 'ok',
        [organizationKey(refusing.orgUrl)]: 'refused',
      });
    expect([good.faults.requests.length, refusing.faults.requests.length]).toEqual(before);
  });
});
