import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import {
  startManagedIdentityServer,
  type ManagedIdentityServer,
} from '../../dev/identity/managedIdentityServer';
import { AZURE_DEVOPS_SCOPE, credentialFor } from '../../shared/azure-devops/azureDevOpsCredential';
import { createAzureDevOpsPlatform } from '../../shared/azure-devops/azureDevOpsPlatform';
import { parseConfig } from '../../shared/config';
import type { AzureDevOpsOrganization } from '../../shared/config/azureDevOpsSettings';
import type { PullRequestRef } from '../../shared/review/domain/platform';
import { createTopicPullRequest } from '../support/topicPullRequest';

/**
 * Signing in to Azure DevOps without a PAT, through the real azure-devops-node-api and @azure/identity clients over
 * real HTTP: the app's managed identity (the local managed-identity endpoint issues the tokens, the Azure DevOps test
 * server accepts only those it says are valid, so an expired one is refused), and an Azure DevOps Server collection
 * whose routes answer api-version 7.0 at most.
 */

const RESOURCE = AZURE_DEVOPS_SCOPE.replace(/\/\.default$/, '');
let identity: ManagedIdentityServer;

beforeAll(async () => {
  // MSAL reads these once per process: set before the first managed-identity credential is built.
  identity = await startManagedIdentityServer({ expiresInSeconds: 2 });
  process.env.IDENTITY_ENDPOINT = identity.endpoint;
  process.env.IDENTITY_HEADER = identity.header;
});

afterAll(async () => {
  await identity?.close();
  delete process.env.IDENTITY_ENDPOINT;
  delete process.env.IDENTITY_HEADER;
});

async function openPullRequest(server: AzureDevOpsTestServer): Promise<PullRequestRef> {
  const { ref } = await createTopicPullRequest(server, {
    project: 'demo project',
    repository: 'service',
    mainFiles: { 'README.md': 'x\n' },
    topicFiles: { 'src/a.ts': 'export const a = 1;\n' },
    title: 'identity',
  });
  return ref;
}

const managedIdentity = (server: AzureDevOpsTestServer): AzureDevOpsOrganization =>
  parseConfig({
    AZURE_DEVOPS_ORG_URL: server.orgUrl,
    AZURE_DEVOPS_AUTH: 'managed-identity',
    OPENAI_API_KEYS: 'unused',
    WEBHOOK_AUTH_DISABLED: 'true',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  }).azureDevOps.organizations[0];

describe('managed identity', () => {
  let devops: AzureDevOpsTestServer;
  let ref: PullRequestRef;

  beforeAll(async () => {
    devops = await startAzureDevOpsServer({
      organization: 'identity',
      acceptsBearerToken: (token) => identity.isValid(token, RESOURCE),
    });
    ref = await openPullRequest(devops);
  }, 60_000);

  afterAll(() => devops?.close());

  it('signs every call with a token for Azure DevOps and keeps working across its expiry', async () => {
    const organization = managedIdentity(devops);
    expect(organization.auth).toEqual({ mode: 'managed-identity', clientId: undefined });
    const platform = createAzureDevOpsPlatform(
      organization.url,
      await credentialFor(organization, undefined),
    );
    expect(await platform.getOwnIdentityId()).toBe(devops.botIdentity.id.toLowerCase());
    expect((await platform.getPullRequest(ref)).title).toBe('identity');
    const [first] = devops.authorizations;
    expect(first).toMatch(/^Bearer /);
    expect(identity.requests.at(-1)).toMatchObject({ resource: RESOURCE, status: 200 });

    await new Promise((resolve) => setTimeout(resolve, 2200));
    // The token the calls started with has expired: the server refuses it now ...
    const stale = await fetch(`${devops.orgUrl}/_apis/connectionData`, { headers: { authorization: first } });
    expect(stale.status).toBe(401);
    // ... and the platform, which took a fresh one before the call, is not refused.
    expect((await platform.listIterations(ref)).length).toBe(1);
    const tokens = new Set(devops.authorizations.filter((header) => header.startsWith('Bearer ')));
    expect(tokens.size).toBeGreaterThanOrEqual(2);
    expect(devops.authorizations.every((header) => header.startsWith('Bearer '))).toBe(true);
  }, 30_000);

  it('drops a refused token and tries once more with a new one', async () => {
    const organization = managedIdentity(devops);
    const platform = createAzureDevOpsPlatform(
      organization.url,
      await credentialFor(organization, undefined),
    );
    devops.faults.inject({
      matches: ({ method, path }) => method === 'GET' && /\/iterations$/.test(path),
      times: 1,
      status: 401,
    });
    const before = identity.requests.length;
    const seen = devops.faults.requests.length;
    expect((await platform.listIterations(ref)).length).toBe(1);
    expect(identity.requests.length).toBeGreaterThan(before);
    expect(
      devops.faults.requests
        .slice(seen)
        .filter((request) => /\/iterations/.test(request.url))
        .map((r) => r.status),
    ).toEqual([401, 200]);
  }, 30_000);
});

describe('Azure DevOps Server collection', () => {
  let server: AzureDevOpsTestServer;
  let ref: PullRequestRef;

  beforeAll(async () => {
    server = await startAzureDevOpsServer({
      organization: 'tfs/DefaultCollection',
      server: { apiVersion: '7.0' },
    });
    ref = await openPullRequest(server);
  }, 60_000);

  afterAll(() => server?.close());

  it('refuses api-versions above 7.0', async () => {
    const refused = await fetch(`${server.orgUrl}/_apis/connectionData?api-version=7.1`, {
      headers: { authorization: `Basic ${Buffer.from(`:${server.token}`).toString('base64')}` },
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/out of range for this server/);
  });

  it('serves every call of a review at the collection URL with the negotiated api-version 7.0', async () => {
    expect(server.orgUrl).toMatch(/\/tfs\/DefaultCollection$/);
    const platform = createAzureDevOpsPlatform(server.orgUrl, server.token);
    expect(await platform.getOwnIdentityId()).toBe(server.botIdentity.id.toLowerCase());
    const [iteration] = await platform.listIterations(ref);
    const changes = await platform.listIterationChanges(ref, iteration.id);
    expect(changes.map((change) => change.path)).toEqual(['/src/a.ts']);
    const file = await platform.getFileContent(ref, '/src/a.ts', iteration.sourceCommitId, 1024);
    expect(file).toBeDefined();
    const thread = await platform.createThread(ref, {
      content: 'hello',
      status: 'active',
      properties: { k: 'v' },
    });
    await platform.setStatus(ref, {
      state: 'pending',
      description: 'x',
      genre: 'ado-reviewer',
      name: 'review',
    });
    expect(server.threads(ref.repositoryId, ref.pullRequestId).map((t) => t.id)).toContain(thread.id);
    // The library asks for 7.1 or 7.2-preview; the server answers above 7.0 with 400, so every write landing
    // means each was sent with the version the OPTIONS discovery offered.
    expect(server.writes.length).toBeGreaterThanOrEqual(2);
    expect(server.writes.every((write) => write.status !== undefined && write.status < 300)).toBe(true);
  }, 30_000);
});
