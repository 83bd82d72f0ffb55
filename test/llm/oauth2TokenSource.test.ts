import { startOAuth2TokenServer, type OAuth2TokenServer } from '../../dev/identity/oauth2TokenServer';
import { createOAuth2TokenSource, type OAuth2TokenSourceOptions } from '../../shared/llm/oauth2TokenSource';
import { ManualClock } from '../support/manualClock';

const CLIENT_ID = 'ado-reviewer-gateway-client';
const SECRET = 'first-secret-value-8f3a';
const ROTATED_SECRET = 'rotated-secret-value-71bc';
const SCOPE = 'api://model-gateway/.default';

let clock: ManualClock;
let server: OAuth2TokenServer;
const now = () => clock.now().getTime();

beforeEach(async () => {
  clock = new ManualClock();
  server = await startOAuth2TokenServer({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    scope: SCOPE,
    expiresInSeconds: 120,
    now,
  });
});
afterEach(() => server.close());

const tokenSource = (options: Partial<OAuth2TokenSourceOptions> = {}) =>
  createOAuth2TokenSource({
    endpoint: server.endpoint,
    clientId: CLIENT_ID,
    clientSecret: async () => SECRET,
    scope: SCOPE,
    now,
    ...options,
  });

test('a token is served from the cache until shortly before it expires, then replaced by a fresh one', async () => {
  const source = tokenSource();
  const first = await source.getToken();
  expect(server.isValid(first)).toBe(true);
  expect(server.requests).toEqual([
    { grantType: 'client_credentials', clientId: CLIENT_ID, scope: SCOPE, status: 200, error: undefined },
  ]);

  // 120 s lifetime: replaced 12 s (10 %) before it expires.
  clock.advance(107_000);
  expect(await source.getToken()).toBe(first);
  expect(server.requests).toHaveLength(1);

  clock.advance(2_000);
  const second = await source.getToken();
  expect(second).not.toBe(first);
  expect(server.requests).toHaveLength(2);

  clock.advance(12_000);
  expect(server.isValid(first)).toBe(false);
  expect(server.isValid(second)).toBe(true);
  expect(await source.getToken()).toBe(second);
});

test('long-lived tokens are replaced at most a minute before they expire', async () => {
  server.setExpiresIn(3600);
  const source = tokenSource();
  const first = await source.getToken();
  clock.advance(3539_000);
  expect(await source.getToken()).toBe(first);
  clock.advance(2_000);
  expect(await source.getToken()).not.toBe(first);
  expect(server.requests).toHaveLength(2);
});

test('50 callers waiting at once, some arriving while the request is in flight, cause one token request', async () => {
  const source = tokenSource();
  const held = server.holdNextRequest();
  const early = Array.from({ length: 25 }, () => source.getToken());
  await held.arrived;
  const late = Array.from({ length: 25 }, () => source.getToken());
  held.release();
  const tokens = await Promise.all([...early, ...late]);
  expect(new Set(tokens).size).toBe(1);
  expect(server.requests).toHaveLength(1);
});

test('invalidate drops the refused token: one new request, however many callers were refused with it', async () => {
  const source = tokenSource();
  const refused = await source.getToken();
  source.invalidate(refused);
  source.invalidate(refused);
  const [fresh, again] = await Promise.all([source.getToken(), source.getToken()]);
  expect(fresh).not.toBe(refused);
  expect(again).toBe(fresh);
  // A caller that was refused with the old token after the refresh does not drop the fresh one.
  source.invalidate(refused);
  expect(await source.getToken()).toBe(fresh);
  expect(server.requests).toHaveLength(2);
});

test('a wrong secret fails with the host and the OAuth2 error code, and never the secret', async () => {
  const wrongSecret = 'wrong-secret-value-0d2e';
  const source = tokenSource({ clientSecret: async () => wrongSecret });
  const error = (await source.getToken().catch((caught: unknown) => caught)) as Error;
  expect(error).toBeInstanceOf(Error);
  const { host } = new URL(server.endpoint);
  expect(error.message).toBe(
    `OAuth2 token request to ${host} failed: HTTP 401 invalid_client (Client authentication failed)`,
  );
  expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(wrongSecret);
  // The secret was read once more in case it had been rotated; it had not, so no second request was sent.
  expect(server.requests.map((request) => request.error)).toEqual(['invalid_client']);
  // A failure is not cached: the next call asks again.
  await expect(source.getToken()).rejects.toThrow('invalid_client');
  expect(server.requests).toHaveLength(2);
});

test('after invalid_client the secret is read once more: a rotated secret succeeds', async () => {
  // The secret as Key Vault holds it, and the caller's cached copy of it, dropped by onInvalidClient.
  let vault = SECRET;
  let cachedCopy: string | undefined;
  let vaultReads = 0;
  const source = tokenSource({
    clientSecret: async () => {
      if (cachedCopy === undefined) vaultReads += 1;
      cachedCopy ??= vault;
      return cachedCopy;
    },
    onInvalidClient: () => {
      cachedCopy = undefined;
    },
  });
  expect(server.isValid(await source.getToken())).toBe(true);

  vault = ROTATED_SECRET;
  server.setClientSecret(ROTATED_SECRET);
  clock.advance(120_000);
  expect(server.isValid(await source.getToken())).toBe(true);
  expect(vaultReads).toBe(2);
  expect(server.requests.map((request) => request.status)).toEqual([200, 401, 200]);
});

test('an unknown scope is reported with its OAuth2 error code', async () => {
  const source = tokenSource({ scope: 'api://another/.default' });
  await expect(source.getToken()).rejects.toThrow(/failed: HTTP 400 invalid_scope/);
});

test('a token endpoint that does not answer in time fails with the timeout, and the next call tries again', async () => {
  const source = tokenSource({ timeoutMs: 200 });
  const held = server.holdNextRequest();
  await expect(source.getToken()).rejects.toThrow(/failed: no answer within 200 ms/);
  held.release();
  expect(server.isValid(await source.getToken())).toBe(true);
});

test('an endpoint that is not an OAuth2 token endpoint is reported as such', async () => {
  const source = tokenSource({ endpoint: server.endpoint.replace('/oauth2/v2.0/token', '/elsewhere') });
  await expect(source.getToken()).rejects.toThrow(/failed: HTTP 404 not_found/);
  const closed = tokenSource({ endpoint: 'http://127.0.0.1:9/oauth2/v2.0/token' });
  await expect(closed.getToken()).rejects.toThrow(
    'OAuth2 token request to 127.0.0.1:9 failed: could not reach',
  );
});

test('the token request goes through the fetch it is given (a proxy-aware one)', async () => {
  const fetched: string[] = [];
  const source = tokenSource({
    fetch: (input, init) => {
      fetched.push(input instanceof Request ? input.url : input.toString());
      return fetch(input, init);
    },
  });
  expect(server.isValid(await source.getToken())).toBe(true);
  expect(fetched).toEqual([server.endpoint]);
});

test('a redirect is refused, naming the endpoint and where it points: the secret is posted nowhere else', async () => {
  const elsewhere = await startOAuth2TokenServer({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    scope: SCOPE,
    now,
  });
  try {
    const endpointHost = new URL(server.endpoint).host;
    for (const status of [307, 308, 302]) {
      server.redirectTo(elsewhere.endpoint, status);
      const failure = tokenSource().getToken();
      await expect(failure).rejects.toThrow(
        `OAuth2 token request to ${endpointHost} failed: HTTP ${status}, a redirect to ` +
          `${new URL(elsewhere.endpoint).host}; the client secret is sent to OAUTH2_ENDPOINT only`,
      );
      await expect(failure).rejects.not.toThrow(SECRET);
    }
    expect(elsewhere.requests).toEqual([]);
    expect(server.requests.map((request) => request.status)).toEqual([307, 308, 302]);
  } finally {
    await elsewhere.close();
  }
});
