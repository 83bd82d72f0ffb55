import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import { createSelfSignedCertificate } from '../tls/selfSignedCertificate';
import { createIssuedTokens } from './issuedTokens';

/**
 * A local stand-in for Entra ID's v2 endpoints as @azure/identity's ClientSecretCredential (MSAL) calls them with
 * `authorityHost` set to it and `disableInstanceDiscovery: true`: `GET /{tenant}/v2.0/.well-known/openid-configuration`
 * (MSAL needs `authorization_endpoint`, `token_endpoint`, `issuer` and `jwks_uri`), then `POST
 * /{tenant}/oauth2/v2.0/token` with the client-credentials form, answered `{token_type: "Bearer", expires_in,
 * ext_expires_in, access_token}`. HTTPS only, as MSAL accepts no other authority: the certificate is self-signed for
 * 127.0.0.1, so a client trusts `caCertificate` (NODE_EXTRA_CA_CERTS in the process running it). Judgements: an
 * unknown tenant gets 400 `invalid_request` (AADSTS90002), a wrong client id 400 `unauthorized_client`
 * (AADSTS700016), a wrong secret 401 `invalid_client` (AADSTS7000215), as Entra answers them.
 */

export interface EntraTokenRequest {
  tenant: string;
  clientId?: string;
  scope?: string;
  status: number;
  error?: string;
}

export interface EntraTokenServer {
  /** The value for `authorityHost` / AZURE_AUTHORITY_HOST: `https://127.0.0.1:<port>`. */
  authorityHost: string;
  /** The self-signed certificate (its own CA), PEM. */
  caCertificate: Buffer;
  /** Token requests, in arrival order (secrets not recorded). */
  requests: EntraTokenRequest[];
  /** Whether `token` was issued here, for `audience` (the scope without `/.default`) when given, and is unexpired. */
  isValid(token: string, audience?: string): boolean;
  close(): Promise<void>;
}

export interface EntraTokenServerOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Default 3599, what Entra gives a client-credentials token. */
  expiresInSeconds?: number;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

export async function startEntraTokenServer(options: EntraTokenServerOptions): Promise<EntraTokenServer> {
  const { key, cert } = await createSelfSignedCertificate('127.0.0.1', 'IP:127.0.0.1');
  const tokens = createIssuedTokens(Date.now);
  const requests: EntraTokenRequest[] = [];
  const expiresIn = options.expiresInSeconds ?? 3599;
  let authorityHost = '';

  const server = createServer({ key, cert }, (request, response) => {
    const reply = (status: number, body: Record<string, unknown>) => {
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      response.end(JSON.stringify(body));
    };
    const { pathname } = new URL(request.url ?? '/', authorityHost);
    const [tenant, ...rest] = pathname.split('/').filter(Boolean);
    const route = rest.join('/');
    if (tenant !== options.tenantId)
      return reply(400, {
        error: 'invalid_request',
        error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
      });
    if (request.method === 'GET' && route === 'v2.0/.well-known/openid-configuration') {
      const base = `${authorityHost}/${tenant}`;
      return reply(200, {
        issuer: `${authorityHost}/${tenant}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        response_types_supported: ['code', 'id_token', 'token'],
      });
    }
    if (request.method !== 'POST' || route !== 'oauth2/v2.0/token') return reply(404, { error: 'not_found' });
    readForm(request)
      .then((form) => {
        const recorded: EntraTokenRequest = {
          tenant,
          clientId: form.get('client_id') ?? undefined,
          scope: form.get('scope') ?? undefined,
          status: 0,
        };
        requests.push(recorded);
        const answer = (status: number, body: Record<string, unknown>) => {
          recorded.status = status;
          recorded.error = typeof body.error === 'string' ? body.error : undefined;
          reply(status, body);
        };
        const error = (status: number, code: string, description: string) =>
          answer(status, { error: code, error_description: description });
        if (form.get('grant_type') !== 'client_credentials')
          return error(
            400,
            'unsupported_grant_type',
            'AADSTS70003: The app requested an unsupported grant type.',
          );
        if (recorded.clientId !== options.clientId)
          return error(
            400,
            'unauthorized_client',
            `AADSTS700016: Application with identifier '${recorded.clientId}' was not found in the directory.`,
          );
        if (form.get('client_secret') !== options.clientSecret)
          return error(
            401,
            'invalid_client',
            `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the ` +
              `client secret value, not the client secret ID, for a secret added to app '${options.clientId}'.`,
          );
        // A client-credentials scope is `{resource}/.default`; MSAL may add the OIDC scopes, which are not resources.
        const resource = (recorded.scope ?? '')
          .split(' ')
          .find((scope) => scope.endsWith('/.default'))
          ?.replace(/\/\.default$/, '');
        if (resource === undefined)
          return error(400, 'invalid_scope', 'AADSTS1002012: The provided value for scope is not valid.');
        const { token } = tokens.issue(resource, expiresIn);
        answer(200, {
          token_type: 'Bearer',
          expires_in: expiresIn,
          ext_expires_in: expiresIn,
          access_token: token,
        });
      })
      .catch((failure: Error) => reply(500, { error: 'server_error', error_description: failure.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  authorityHost = `https://127.0.0.1:${(server.address() as { port: number }).port}`;

  return {
    authorityHost,
    caCertificate: cert,
    requests,
    isValid: (token, audience) => tokens.isValid(token, audience),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
