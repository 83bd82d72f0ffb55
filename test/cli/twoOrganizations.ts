import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import {
  startManagedIdentityServer,
  type ManagedIdentityServer,
} from '../../dev/identity/managedIdentityServer';
import { AZURE_DEVOPS_SCOPE } from '../../shared/azure-devops/azureDevOpsCredential';

/**
 * Two organizations of the app's settings (AZURE_DEVOPS_ORGANIZATIONS) for the service-hook commands' tests: a fresh
 * Azure DevOps test server for each per test, contoso signed in to with a PAT and fabrikam with the app's managed
 * identity (the local managed-identity endpoint issues the tokens, fabrikam accepts only those), over real HTTP on
 * loopback. Call it at the top of a describe (or file): it registers the jest hooks that start and close them.
 */

/** The resource managed-identity tokens are issued for: Azure DevOps. */
export const AZURE_DEVOPS_RESOURCE = AZURE_DEVOPS_SCOPE.replace(/\/\.default$/, '');

export interface TwoOrganizations {
  identity: ManagedIdentityServer;
  contoso: AzureDevOpsTestServer;
  fabrikam: AzureDevOpsTestServer;
  /** AZURE_DEVOPS_ORGANIZATIONS naming contoso (with `contosoPat`) and fabrikam, then any `extra` entries. */
  settings(contosoPat?: string, extra?: object[]): string;
  /** Each server saw only its own organization's credential: contoso its PAT, fabrikam managed-identity tokens. */
  expectOwnCredentialsOnly(): void;
}

const basic = (token: string) => `Basic ${Buffer.from(`:${token}`).toString('base64')}`;

export function useTwoOrganizations(projects: { contoso: string[]; fabrikam: string[] }): TwoOrganizations {
  const servers = {
    settings: (contosoPat = servers.contoso.token, extra: object[] = []) =>
      JSON.stringify([
        { url: servers.contoso.orgUrl, auth: 'pat', token: contosoPat },
        { url: servers.fabrikam.orgUrl, auth: 'managed-identity' },
        ...extra,
      ]),
    expectOwnCredentialsOnly() {
      const { contoso, fabrikam, identity } = servers;
      expect(contoso.authorizations.length).toBeGreaterThan(0);
      expect(contoso.authorizations.every((header) => header === basic(contoso.token))).toBe(true);
      expect(fabrikam.authorizations.length).toBeGreaterThan(0);
      for (const header of fabrikam.authorizations) {
        expect(header).toMatch(/^Bearer /);
        expect(identity.isValid(header.slice('Bearer '.length), AZURE_DEVOPS_RESOURCE)).toBe(true);
      }
    },
  } as TwoOrganizations;

  beforeAll(async () => {
    // MSAL reads these once per process: set before the first managed-identity credential is built.
    servers.identity = await startManagedIdentityServer();
    process.env.IDENTITY_ENDPOINT = servers.identity.endpoint;
    process.env.IDENTITY_HEADER = servers.identity.header;
  });

  afterAll(async () => {
    await servers.identity?.close();
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
  });

  beforeEach(async () => {
    servers.contoso = await startAzureDevOpsServer({ organization: 'contoso' });
    servers.fabrikam = await startAzureDevOpsServer({
      organization: 'fabrikam',
      acceptsBearerToken: (token) => servers.identity.isValid(token, AZURE_DEVOPS_RESOURCE),
    });
    for (const name of projects.contoso) servers.contoso.createProject(name);
    for (const name of projects.fabrikam) servers.fabrikam.createProject(name);
  });

  afterEach(async () => {
    await servers.contoso.close();
    await servers.fabrikam.close();
  });

  return servers;
}
