import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { startEntraTokenServer, type EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { AZURE_DEVOPS_SCOPE } from '../../shared/azure-devops/azureDevOpsCredential';
import { createTopicPullRequest } from '../support/topicPullRequest';

/**
 * AZURE_DEVOPS_AUTH=service-principal end to end: the real settings parsing, azureDevOpsCredential.ts's real
 * ClientSecretCredential (MSAL) against the HTTPS Entra stand-in, and the platform against the Azure DevOps test
 * server, which accepts only tokens that stand-in issued for Azure DevOps. MSAL takes an https authority only and
 * Node reads extra CAs once at start, so the app's side runs in a child process with NODE_EXTRA_CA_CERTS — as a
 * deployment trusting a private authority would.
 */

const run = promisify(execFile);
const root = path.join(__dirname, '../..');
const TENANT = '8f0d3c2e-5b1a-4c47-9d2e-0a6b7c8d9e10';
const CLIENT_ID = '2c7e9a41-0f3b-4d6e-8a15-b3c4d5e6f708';
const CLIENT_SECRET = 'sp-secret-never-shown~Q8';

const script = `
const { parseAzureDevOpsConfig } = require('./shared/config/azureDevOpsSettings');
const { credentialFor } = require('./shared/azure-devops/azureDevOpsCredential');
const { createAzureDevOpsPlatform } = require('./shared/azure-devops/azureDevOpsPlatform');
(async () => {
  const [organization] = parseAzureDevOpsConfig(process.env).organizations;
  const platform = createAzureDevOpsPlatform(organization.url, await credentialFor(organization, undefined));
  const ref = JSON.parse(process.env.PULL_REQUEST_REF);
  const identityId = await platform.getOwnIdentityId();
  const iterations = (await platform.listIterations(ref)).length;
  return { mode: organization.auth.mode, identityId, iterations };
})().then(
  (result) => process.stdout.write('\\n' + JSON.stringify(result)),
  (error) => process.stdout.write('\\n' + JSON.stringify({ error: error.message })),
);`;

let entra: EntraTokenServer;
let devops: AzureDevOpsTestServer;
let caDirectory: string;
let caFile: string;
let ref: { projectId: string; repositoryId: string; pullRequestId: number };

beforeAll(async () => {
  entra = await startEntraTokenServer({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  caDirectory = await mkdtemp(path.join(tmpdir(), 'entra-ca-'));
  caFile = path.join(caDirectory, 'ca.pem');
  await writeFile(caFile, entra.caCertificate);
  devops = await startAzureDevOpsServer({
    organization: 'principal',
    acceptsBearerToken: (token) => entra.isValid(token, AZURE_DEVOPS_SCOPE.replace(/\/\.default$/, '')),
  });
  ({ ref } = await createTopicPullRequest(devops, {
    project: 'p',
    repository: 'r',
    mainFiles: { 'a.txt': 'a\n' },
    topicFiles: { 'b.txt': 'b\n' },
    title: 'service principal',
  }));
}, 60_000);

afterAll(async () => {
  await devops?.close();
  await entra?.close();
  if (caDirectory) await rm(caDirectory, { recursive: true, force: true });
});

async function runAsApp(clientSecret: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    process.execPath,
    ['-r', path.join(root, 'test/support/transpileOnRequire.js'), '-e', script],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_NO_WARNINGS: '1',
        NODE_EXTRA_CA_CERTS: caFile,
        AZURE_DEVOPS_ORG_URL: devops.orgUrl,
        AZURE_DEVOPS_AUTH: 'service-principal',
        AZURE_TENANT_ID: TENANT,
        AZURE_DEVOPS_CLIENT_ID: CLIENT_ID,
        AZURE_DEVOPS_CLIENT_SECRET: clientSecret,
        AZURE_AUTHORITY_HOST: entra.authorityHost,
        PULL_REQUEST_REF: JSON.stringify(ref),
      },
    },
  );
  return JSON.parse(stdout.split('\n').at(-1) as string) as Record<string, unknown>;
}

describe('service principal (client secret)', () => {
  it('signs in with a token from the authority and reads a pull request', async () => {
    const result = await runAsApp(CLIENT_SECRET);
    expect(result).toEqual({
      mode: 'service-principal',
      identityId: devops.botIdentity.id.toLowerCase(),
      iterations: 1,
    });
    expect(entra.requests).toContainEqual(
      expect.objectContaining({ tenant: TENANT, clientId: CLIENT_ID, status: 200 }),
    );
    expect(entra.requests.every((request) => request.scope?.includes(AZURE_DEVOPS_SCOPE))).toBe(true);
    expect(devops.authorizations.length).toBeGreaterThanOrEqual(2);
    expect(devops.authorizations.every((header) => /^Bearer /.test(header))).toBe(true);
    expect(devops.authorizations.every((header) => entra.isValid(header.slice('Bearer '.length)))).toBe(true);
  }, 60_000);

  it('fails with a clear error, without the secret, when the secret is wrong', async () => {
    const seen = devops.authorizations.length;
    const wrong = 'wrong-secret-never-shown~Z3';
    const result = await runAsApp(wrong);
    expect(result.error).toMatch(
      /^AZURE_DEVOPS_CLIENT_ID: could not get an Azure DevOps token \(service-principal\): .*AADSTS7000215: Invalid client secret/s,
    );
    expect(result.error).not.toContain(wrong);
    expect(result.error).not.toContain(CLIENT_SECRET);
    expect(entra.requests.at(-1)).toMatchObject({ status: 401, error: 'invalid_client' });
    // No request reached Azure DevOps without a token.
    expect(devops.authorizations.length).toBe(seen);
  }, 60_000);
});
