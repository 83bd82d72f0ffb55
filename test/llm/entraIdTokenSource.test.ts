import { ManagedIdentityCredential } from '@azure/identity';
import { randomUUID } from 'node:crypto';
import {
  startManagedIdentityServer,
  type ManagedIdentityServer,
} from '../../dev/identity/managedIdentityServer';
import { getAzureCredential } from '../../shared/identity/azureCredential';
import { AZURE_OPENAI_SCOPE, createEntraIdTokenSource } from '../../shared/llm/entraIdTokenSource';

const RESOURCE = 'https://cognitiveservices.azure.com';
/** What the Functions host sets, and the variables that would make MSAL pick another managed-identity source. */
const IDENTITY_VARIABLES = [
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IDENTITY_SERVER_THUMBPRINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'IMDS_ENDPOINT',
  'AZURE_FEDERATED_TOKEN_FILE',
] as const;

// One server for the file: MSAL reads IDENTITY_ENDPOINT and IDENTITY_HEADER once per process.
let server: ManagedIdentityServer;
let savedEnvironment: Partial<Record<string, string>>;
/**
 * A fresh user-assigned identity per test: MSAL caches managed-identity tokens process-wide, keyed on the identity.
 */
let clientId: string;

beforeAll(async () => {
  server = await startManagedIdentityServer();
  savedEnvironment = Object.fromEntries(IDENTITY_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of IDENTITY_VARIABLES) delete process.env[name];
  process.env.IDENTITY_ENDPOINT = server.endpoint;
  process.env.IDENTITY_HEADER = server.header;
});
afterAll(async () => {
  for (const name of IDENTITY_VARIABLES) {
    if (savedEnvironment[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnvironment[name];
  }
  await server.close();
});
beforeEach(() => {
  clientId = randomUUID();
  server.attachUserAssignedIdentity(clientId);
  server.setExpiresIn(86_400);
});

/** The requests made for `identity` (this test's, unless another is named). */
const requestsFor = (identity = clientId) =>
  server.requests.filter((request) => request.clientId === identity);

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

test("the app's managed identity yields a token for Azure OpenAI, asked for once while it is fresh", async () => {
  const source = createEntraIdTokenSource({ credential: new ManagedIdentityCredential({ clientId }) });
  const token = await source.getToken();
  expect(server.isValid(token, RESOURCE)).toBe(true);
  expect(await source.getToken()).toBe(token);
  expect(requestsFor()).toEqual([
    { resource: RESOURCE, apiVersion: '2019-08-01', clientId, headerMatched: true, status: 200 },
  ]);
  expect(AZURE_OPENAI_SCOPE).toBe(`${RESOURCE}/.default`);
});

test("the process credential (DefaultAzureCredential) reaches the host's managed-identity endpoint", async () => {
  const source = createEntraIdTokenSource({ credential: getAzureCredential(clientId) });
  expect(server.isValid(await source.getToken(), RESOURCE)).toBe(true);
  expect(requestsFor()).toHaveLength(1);
});

test('a client id that is not one of the app identities is refused with the host answer', async () => {
  const unknown = randomUUID();
  const source = createEntraIdTokenSource({
    credential: new ManagedIdentityCredential({ clientId: unknown }),
  });
  await expect(source.getToken()).rejects.toThrow(
    /^Could not get an Entra ID token for https:\/\/cognitiveservices\.azure\.com\/\.default: .*Unable to load the proper Managed Identity/,
  );
  expect(requestsFor(unknown).map((request) => request.status)).toEqual([400]);
});

test('the managed-identity endpoint refuses a wrong identity header', async () => {
  const url = `${server.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent(RESOURCE)}&client_id=${clientId}`;
  const refused = await fetch(url, { headers: { 'x-identity-header': 'not-the-host-header' } });
  expect(refused.status).toBe(401);
  const answered = await fetch(url, { headers: { 'x-identity-header': server.header } });
  expect(answered.status).toBe(200);
  expect(requestsFor().map(({ headerMatched, status }) => ({ headerMatched, status }))).toEqual([
    { headerMatched: false, status: 401 },
    { headerMatched: true, status: 200 },
  ]);
});

test('a token that expires during the test is replaced by a fresh one', async () => {
  server.setExpiresIn(3);
  const source = createEntraIdTokenSource({ credential: new ManagedIdentityCredential({ clientId }) });
  const first = await source.getToken();
  expect(await source.getToken()).toBe(first);
  await sleep(3_000);
  expect(server.isValid(first)).toBe(false);
  const second = await source.getToken();
  expect(second).not.toBe(first);
  expect(server.isValid(second, RESOURCE)).toBe(true);
  expect(requestsFor()).toHaveLength(2);
});

test('invalidate makes the next call ask the managed identity again', async () => {
  // Under 5 minutes left: MSAL's own cache renews such tokens, so what is measured is this source's cache.
  server.setExpiresIn(240);
  const source = createEntraIdTokenSource({ credential: new ManagedIdentityCredential({ clientId }) });
  const refused = await source.getToken();
  expect(await source.getToken()).toBe(refused);
  expect(requestsFor()).toHaveLength(1);
  source.invalidate(refused);
  const fresh = await source.getToken();
  expect(fresh).not.toBe(refused);
  expect(requestsFor()).toHaveLength(2);
});

test('a token MSAL still holds comes back after invalidate: @azure/identity offers no forced refresh', async () => {
  // Documents the limit the caller's retry on 401 runs into (see entraIdTokenSource.ts); should a later
  // @azure/identity pass a forced refresh on, this fails and the comment there can go.
  server.setExpiresIn(3600);
  const source = createEntraIdTokenSource({ credential: new ManagedIdentityCredential({ clientId }) });
  const refused = await source.getToken();
  source.invalidate(refused);
  expect(await source.getToken()).toBe(refused);
  expect(requestsFor()).toHaveLength(1);
});
