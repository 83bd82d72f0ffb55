import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createIssuedTokens } from './issuedTokens';

/**
 * A local stand-in for the managed-identity endpoint the App Service / Azure Functions host provides, API version
 * 2019-08-01, as `@azure/identity`'s ManagedIdentityCredential (MSAL's "AppService" source) calls it: `GET
 * {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=…[&client_id=…]` with the header `X-IDENTITY-HEADER:
 * {IDENTITY_HEADER}`, answered `{access_token, expires_on, resource, token_type: "Bearer", client_id}` with
 * `expires_on` in epoch seconds as a string, as the host sends it. Judgements: a wrong or missing header gets 401;
 * a client id that is not one of the app's identities gets the host's 400 "Unable to load the proper Managed
 * Identity."; errors have the host's `{statusCode, message, correlationId}` shape. Tokens expire by the real clock:
 * MSAL turns `expires_on` into a lifetime with it. MSAL reads IDENTITY_ENDPOINT and IDENTITY_HEADER once per process
 * (its managed-identity source is static), so a test file starts one server and attaches an identity per test.
 */

export interface ManagedIdentityRequest {
  resource?: string;
  apiVersion?: string;
  /** The user-assigned identity asked for; undefined for the system-assigned one. */
  clientId?: string;
  /** Whether `X-IDENTITY-HEADER` carried the right value. */
  headerMatched: boolean;
  status: number;
}

export interface ManagedIdentityServer {
  /** The value for IDENTITY_ENDPOINT: `http://127.0.0.1:<port>/msi/token`. */
  endpoint: string;
  /** The value for IDENTITY_HEADER. */
  header: string;
  /** The client id of the app's system-assigned identity (answered when no client_id is asked for). */
  systemAssignedClientId: string;
  /** Every request, in arrival order. */
  requests: ManagedIdentityRequest[];
  /** Whether `token` was issued here (for `resource`, when given) and has not expired. */
  isValid(token: string, resource?: string): boolean;
  /** The lifetime of tokens issued from now on. */
  setExpiresIn(seconds: number): void;
  /** Assigns one more user-assigned identity to the app. */
  attachUserAssignedIdentity(clientId: string): void;
  close(): Promise<void>;
}

export interface ManagedIdentityServerOptions {
  /** The client ids of the user-assigned identities attached to the app. */
  userAssignedClientIds?: string[];
  /** Default 86400, what managed identities get in Azure. */
  expiresInSeconds?: number;
}

const API_VERSION = '2019-08-01';

export async function startManagedIdentityServer(
  options: ManagedIdentityServerOptions = {},
): Promise<ManagedIdentityServer> {
  const header = randomUUID();
  const systemAssignedClientId = randomUUID();
  const userAssigned = new Set(options.userAssignedClientIds ?? []);
  const tokens = createIssuedTokens(Date.now);
  const requests: ManagedIdentityRequest[] = [];
  let expiresIn = options.expiresInSeconds ?? 86_400;

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const query = url.searchParams;
    const headerMatched = request.headers['x-identity-header'] === header;
    const recorded: ManagedIdentityRequest = {
      resource: query.get('resource') ?? undefined,
      apiVersion: query.get('api-version') ?? undefined,
      clientId: query.get('client_id') ?? undefined,
      headerMatched,
      status: 0,
    };
    requests.push(recorded);
    const reply = (status: number, body: Record<string, unknown>) => {
      recorded.status = status;
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    const refuse = (status: number, message: string) =>
      reply(status, { statusCode: status, message, correlationId: randomUUID() });

    if (url.pathname !== '/msi/token') return refuse(404, 'Not found');
    if (request.method !== 'GET') return refuse(405, 'Method not allowed');
    if (!headerMatched) return refuse(401, 'The X-IDENTITY-HEADER is missing or wrong');
    if (recorded.apiVersion !== API_VERSION)
      return refuse(400, `Unsupported api-version ${recorded.apiVersion}`);
    if (recorded.resource === undefined) return refuse(400, 'The resource parameter is missing');
    const clientId = recorded.clientId ?? systemAssignedClientId;
    if (recorded.clientId !== undefined && !userAssigned.has(recorded.clientId))
      return refuse(400, 'Unable to load the proper Managed Identity.');

    const { token, expiresAt } = tokens.issue(recorded.resource, expiresIn);
    reply(200, {
      access_token: token,
      expires_on: String(Math.floor(expiresAt / 1000)),
      resource: recorded.resource,
      token_type: 'Bearer',
      client_id: clientId,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    endpoint: `http://127.0.0.1:${port}/msi/token`,
    header,
    systemAssignedClientId,
    requests,
    isValid: (token, resource) => tokens.isValid(token, resource),
    setExpiresIn(seconds) {
      expiresIn = seconds;
    },
    attachUserAssignedIdentity(clientId) {
      userAssigned.add(clientId);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
