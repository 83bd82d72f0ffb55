import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { randomUUID } from 'node:crypto';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer } from 'node:https';
import { createSelfSignedCertificate } from '../tls/selfSignedCertificate';

/**
 * A local stand-in for Azure Key Vault's secrets API as `@azure/keyvault-secrets` calls it: `GET
 * /secrets/{name}/{version?}?api-version=…`, with Key Vault's bearer challenge (a request without the token gets 401
 * and a `WWW-Authenticate` naming the tenant and resource), its error shapes (404 SecretNotFound, 403 SecretDisabled)
 * a new version per `setSecret` (with `exp`/`nbf` attributes and tags when given) — through the SDK too: Set Secret
 * (PUT), Update Secret (PATCH: enabled, exp, nbf, tags of a version) and Get Secret Versions, per REST API 7.x. Reads can be made to fail the ways a real
 * vault does (403 while a role assignment propagates, 429 with Retry-After, 5xx) or to hang. It serves HTTPS under a `*.vault.azure.net` host name: the `clientOptions` it
 * hands out carry an agent that resolves that host to this server and trusts its self-signed certificate, so the
 * SDK's check that the challenge's resource matches the vault's domain stays on, as in production.
 */

/** The host name the test vault is addressed by; only `clientOptions.agent` resolves it (to 127.0.0.1). */
const VAULT_HOST = 'ado-reviewer-test.vault.azure.net';
const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

export interface VaultRequest {
  method: string;
  path: string;
  /** The secret named in the path, when the path is a secret's. */
  secretName?: string;
  /** Whether the request carried the token the test credential issues (else it was challenged). */
  authenticated: boolean;
  status: number;
}

export interface TokenRequest {
  scopes: string[];
  tenantId?: string;
}

export interface KeyVaultTestServer {
  /** `https://<name>.vault.azure.net:<port>`, reachable only through `clientOptions`. */
  vaultUri: string;
  /** The tenant the challenge names. */
  tenantId: string;
  /** Options for `SecretClient`: an agent that reaches this server and trusts its certificate. */
  clientOptions: SecretClientOptions;
  /** A credential issuing the one token this server accepts; it records what it was asked for. */
  credential: TokenCredential;
  tokenRequests: TokenRequest[];
  /** Every request, challenged or not, in arrival order. */
  requests: VaultRequest[];
  /** How many authenticated GETs reached the secret `name` (challenged attempts not counted). */
  secretReads(name: string): number;
  /** Stores `value` as a new version of `name`, which becomes the current one. */
  setSecret(name: string, value: string, attributes?: SecretAttributes): void;
  /** The versions of `name`, oldest first, without values. */
  versions(name: string): { version: string; enabled: boolean; tags?: Record<string, string> }[];
  /**
   * Answers reads of `name` with this HTTP status (Key Vault's error shape: 403 ForbiddenByRbac, 429 with a
   * Retry-After, others InternalServerError), or never answers them (`'hang'`), until cleared with `undefined`.
   */
  failReads(name: string, failure: ReadFailure | undefined): void;
  /**
   * Holds the answer to the next authenticated read of `name`: the answer is decided when the request arrives
   * (`arrived` resolves) and sent on `release()`, so a test can act while a read is in flight.
   */
  holdNextRead(name: string): { arrived: Promise<void>; release(): void };
  close(): Promise<void>;
}

export interface SecretAttributes {
  enabled?: boolean;
  expiresOn?: Date;
  notBefore?: Date;
  tags?: Record<string, string>;
}

export type ReadFailure = number | 'hang';

/** What a 429 asks the client to wait: longer than any webhook deadline, so a client that obeys it blindly shows. */
const THROTTLED_RETRY_AFTER_SECONDS = 30;

interface SecretVersion extends SecretAttributes {
  version: string;
  value: string;
  enabled: boolean;
  created: number;
  updated: number;
}

/** The body of Set Secret (PUT) and Update Secret (PATCH), REST API 7.x: times are Unix seconds. */
interface SecretWrite {
  value?: unknown;
  tags?: Record<string, string>;
  attributes?: { enabled?: boolean; exp?: number; nbf?: number };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** DNS for the test agent: the vault's host is this machine; nothing else resolves. */
function resolveVaultHost(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (hostname !== VAULT_HOST) {
    callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
  } else if (options.all) {
    callback(null, [{ address: '127.0.0.1', family: 4 }]);
  } else {
    callback(null, '127.0.0.1', 4);
  }
}

const unixSeconds = (date: Date | number) => Math.floor(new Date(date).getTime() / 1000);

export async function startKeyVaultServer(
  options: { challengeResource?: string } = {},
): Promise<KeyVaultTestServer> {
  const tenantId = randomUUID();
  const token = `test-access-token-${randomUUID()}`;
  const challengeResource = options.challengeResource ?? KEY_VAULT_RESOURCE;
  const secrets = new Map<string, SecretVersion[]>();
  const failures = new Map<string, ReadFailure>();
  const holds = new Map<string, { arrived: () => void; released: Promise<void> }>();
  const requests: VaultRequest[] = [];
  const tokenRequests: TokenRequest[] = [];
  let vaultUri = '';

  const { key, cert } = await createSelfSignedCertificate(VAULT_HOST, `DNS:${VAULT_HOST}`);
  const newVersion = (value: string, attributes: SecretAttributes): SecretVersion => ({
    version: randomUUID().replace(/-/g, ''),
    value,
    enabled: attributes.enabled ?? true,
    expiresOn: attributes.expiresOn,
    notBefore: attributes.notBefore,
    tags: attributes.tags,
    created: unixSeconds(Date.now()),
    updated: unixSeconds(Date.now()),
  });
  const store = (name: string, version: SecretVersion) =>
    secrets.set(name, [...(secrets.get(name) ?? []), version]);
  const attributesOf = (name: string, wanted: SecretVersion) => ({
    id: `${vaultUri}/secrets/${name}/${wanted.version}`,
    attributes: {
      enabled: wanted.enabled,
      created: wanted.created,
      updated: wanted.updated,
      ...(wanted.expiresOn === undefined ? {} : { exp: unixSeconds(wanted.expiresOn) }),
      ...(wanted.notBefore === undefined ? {} : { nbf: unixSeconds(wanted.notBefore) }),
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    },
    ...(wanted.tags === undefined ? {} : { tags: wanted.tags }),
  });

  const server = createServer({ key, cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => serve(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  const serve = (request: IncomingMessage, response: ServerResponse, bodyText: string) => {
    const url = new URL(request.url ?? '/', vaultUri);
    const secretPath = /^\/secrets\/([^/]+)(?:\/([^/]*))?$/.exec(url.pathname);
    const secretName = secretPath === null ? undefined : decodeURIComponent(secretPath[1]);
    const version = secretPath?.[2] || undefined;
    const authenticated = request.headers.authorization === `Bearer ${token}`;
    const hold = authenticated && secretName !== undefined ? holds.get(secretName) : undefined;
    if (secretName !== undefined && hold !== undefined) holds.delete(secretName);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      hold?.arrived();
      requests.push({
        method: request.method ?? '',
        path: url.pathname,
        ...(secretName === undefined ? {} : { secretName }),
        authenticated,
        status,
      });
      const send = () => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        response.end(JSON.stringify(body));
      };
      if (hold === undefined) send();
      else void hold.released.then(send);
    };
    const error = (status: number, code: string, message: string, innerCode?: string) =>
      reply(status, {
        error: { code, message, ...(innerCode === undefined ? {} : { innererror: { code: innerCode } }) },
      });

    if (!authenticated) {
      const challenge = `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="${challengeResource}"`;
      const message = request.headers.authorization
        ? 'AKV10032: Invalid issuer.'
        : 'AKV10000: Request is missing a Bearer or PoP token.';
      return reply(401, { error: { code: 'Unauthorized', message } }, { 'www-authenticate': challenge });
    }
    if (!url.searchParams.get('api-version')) {
      return error(400, 'BadParameter', 'The api-version query parameter is required.');
    }
    if (secretName === undefined || !['GET', 'PUT', 'PATCH'].includes(request.method ?? '')) {
      return error(
        400,
        'BadParameter',
        'This test vault implements GET, PUT and PATCH on /secrets/... only.',
      );
    }
    let body: SecretWrite = {};
    try {
      body = bodyText === '' ? {} : (JSON.parse(bodyText) as SecretWrite);
    } catch {
      return error(400, 'BadParameter', 'The request body is not JSON.');
    }
    const fromUnix = (seconds: number | undefined) =>
      seconds === undefined ? undefined : new Date(seconds * 1000);
    if (request.method === 'PUT') {
      // Set Secret: a new version, which becomes the current one.
      if (version !== undefined || typeof body.value !== 'string')
        return error(400, 'BadParameter', 'PUT /secrets/{name} takes a string value.');
      const created = newVersion(body.value, {
        enabled: body.attributes?.enabled,
        expiresOn: fromUnix(body.attributes?.exp),
        notBefore: fromUnix(body.attributes?.nbf),
        tags: body.tags,
      });
      store(secretName, created);
      return reply(200, { value: created.value, ...attributesOf(secretName, created) });
    }
    const versions = secrets.get(secretName) ?? [];
    if (request.method === 'PATCH') {
      // Update Secret: attributes and tags of one version; what the body leaves out is unchanged.
      const target = versions.find((candidate) => candidate.version === version);
      if (target === undefined)
        return error(
          404,
          'SecretNotFound',
          `A secret with (name/id) ${secretName}/${version} was not found.`,
        );
      if (body.attributes?.enabled !== undefined) target.enabled = body.attributes.enabled;
      if (body.attributes?.exp !== undefined) target.expiresOn = fromUnix(body.attributes.exp);
      if (body.attributes?.nbf !== undefined) target.notBefore = fromUnix(body.attributes.nbf);
      if (body.tags !== undefined) target.tags = body.tags;
      target.updated = unixSeconds(Date.now());
      return reply(200, attributesOf(secretName, target));
    }
    if (version === 'versions') {
      // Get Secret Versions: every version's identifier, attributes and tags, never a value; one page here.
      if (versions.length === 0)
        return error(404, 'SecretNotFound', `A secret with (name/id) ${secretName} was not found.`);
      return reply(200, { value: versions.map((entry) => attributesOf(secretName, entry)), nextLink: null });
    }
    const failure = failures.get(secretName);
    if (failure === 'hang') {
      // Recorded, never answered: the connection stays open until the client gives up or the server closes.
      requests.push({
        method: request.method ?? '',
        path: url.pathname,
        secretName,
        authenticated,
        status: 0,
      });
      return;
    }
    if (failure === 429) {
      return reply(
        429,
        {
          error: {
            code: 'Throttled',
            message: 'Request was not processed because too many requests were received.',
          },
        },
        { 'retry-after': String(THROTTLED_RETRY_AFTER_SECONDS) },
      );
    }
    if (failure === 403) {
      // What Key Vault answers a caller without the "Key Vault Secrets User" role.
      return error(
        403,
        'Forbidden',
        'Caller is not authorized to perform action on resource.',
        'ForbiddenByRbac',
      );
    }
    if (failure !== undefined)
      return error(failure, 'InternalServerError', 'Scripted failure of the test vault.');

    const wanted = version ? versions.find((candidate) => candidate.version === version) : versions.at(-1);
    if (wanted === undefined) {
      const id = version ? `${secretName}/${version}` : secretName;
      return error(404, 'SecretNotFound', `A secret with (name/id) ${id} was not found in this key vault.`);
    }
    if (!wanted.enabled) {
      return error(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    }
    reply(200, { value: wanted.value, ...attributesOf(secretName, wanted) });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  vaultUri = `https://${VAULT_HOST}:${port}`;
  const agent = new Agent({ ca: cert, lookup: resolveVaultHost, keepAlive: true });

  return {
    vaultUri,
    tenantId,
    clientOptions: { agent },
    credential: {
      async getToken(scopes: string | string[], tokenOptions?: GetTokenOptions): Promise<AccessToken> {
        tokenRequests.push({ scopes: [scopes].flat(), tenantId: tokenOptions?.tenantId });
        return { token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
      },
    },
    tokenRequests,
    requests,
    secretReads: (name) =>
      requests.filter((entry) => entry.method === 'GET' && entry.secretName === name && entry.authenticated)
        .length,
    setSecret(name, value, attributes = {}) {
      store(name, newVersion(value, attributes));
    },
    versions: (name) =>
      (secrets.get(name) ?? []).map(({ version, enabled, tags }) => ({ version, enabled, tags })),
    failReads(name, failure) {
      if (failure === undefined) failures.delete(name);
      else failures.set(name, failure);
    },
    holdNextRead(name) {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      holds.set(name, { arrived, released: new Promise<void>((resolve) => (release = resolve)) });
      return { arrived: arrival, release };
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
