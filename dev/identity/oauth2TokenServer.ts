import { createServer, type IncomingMessage } from 'node:http';
import { createIssuedTokens } from './issuedTokens';

/**
 * A local OAuth2 token endpoint for the client-credentials grant (RFC 6749 §4.4), as an OAuth2 gateway in front of a
 * model (or Entra ID's v2 endpoint) serves it: `POST` form `grant_type=client_credentials&client_id&client_secret
 * [&scope]`, answered `{access_token, token_type: "Bearer", expires_in}` or an RFC 6749 §5.2 error. Judgements: the
 * client authenticates in the form body only (client_secret_post, what Entra's flow uses); a wrong client id or
 * secret is answered 401 `invalid_client`, as Entra does (the RFC allows 400 when no Authorization header was sent).
 */

export interface TokenEndpointRequest {
  grantType?: string;
  clientId?: string;
  scope?: string;
  status: number;
  /** The OAuth2 error code answered, if any. */
  error?: string;
}

export interface OAuth2TokenServer {
  /** `http://127.0.0.1:<port>/oauth2/v2.0/token` */
  endpoint: string;
  /** Every token request, in arrival order (secrets not recorded). */
  requests: TokenEndpointRequest[];
  /** Whether `token` was issued here and has not expired: what a protected model endpoint would check. */
  isValid(token: string): boolean;
  /** From now on only `secret` is accepted (a rotation). */
  setClientSecret(secret: string): void;
  /** The lifetime of tokens issued from now on. */
  setExpiresIn(seconds: number): void;
  /**
   * From now on every token request is answered `status` (307 by default) with `Location: location`, as an
   * endpoint that moved would (or one that hands the client secret on); `undefined` ends it.
   */
  redirectTo(location: string | undefined, status?: number): void;
  /**
   * Holds the answer to the next token request: `arrived` resolves when it comes in, and it is answered on
   * `release()`, so a test can act while a request is in flight.
   */
  holdNextRequest(): { arrived: Promise<void>; release(): void };
  close(): Promise<void>;
}

export interface OAuth2TokenServerOptions {
  clientId: string;
  clientSecret: string;
  /** The one scope accepted; any (or none) when not given. */
  scope?: string;
  /** Default 3600. */
  expiresInSeconds?: number;
  /** The clock tokens expire by; share it with the client under test to move time. */
  now?: () => number;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

export async function startOAuth2TokenServer(options: OAuth2TokenServerOptions): Promise<OAuth2TokenServer> {
  const tokens = createIssuedTokens(options.now ?? Date.now);
  const requests: TokenEndpointRequest[] = [];
  let clientSecret = options.clientSecret;
  let expiresIn = options.expiresInSeconds ?? 3600;
  let hold: { arrived: () => void; released: Promise<void> } | undefined;
  let redirect: { location: string; status: number } | undefined;

  async function answer(form: URLSearchParams): Promise<{ status: number; body: Record<string, unknown> }> {
    const error = (status: number, code: string, description: string) => ({
      status,
      body: { error: code, error_description: description },
    });
    const grantType = form.get('grant_type');
    if (grantType === null) return error(400, 'invalid_request', 'grant_type is missing');
    if (grantType !== 'client_credentials')
      return error(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== clientSecret)
      return error(401, 'invalid_client', 'Client authentication failed');
    const scope = form.get('scope') ?? undefined;
    if (options.scope !== undefined && scope !== options.scope)
      return error(400, 'invalid_scope', `scope ${scope ?? '(none)'} is not granted to this client`);
    const { token } = tokens.issue(scope ?? '', expiresIn);
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: expiresIn } };
  }

  const server = createServer((request, response) => {
    const reply = (status: number, body: Record<string, unknown>) => {
      // RFC 6749 §5.1: token answers must not be cached.
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (pathname !== '/oauth2/v2.0/token') return reply(404, { error: 'not_found' });
    if (request.method !== 'POST')
      return reply(405, { error: 'invalid_request', error_description: 'use POST' });
    if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded'))
      return reply(400, { error: 'invalid_request', error_description: 'expected a form body' });

    readForm(request)
      .then(async (form) => {
        const held = hold;
        hold = undefined;
        if (held !== undefined) {
          held.arrived();
          await held.released;
        }
        const { status, body } =
          redirect === undefined ? await answer(form) : { status: redirect.status, body: {} };
        requests.push({
          grantType: form.get('grant_type') ?? undefined,
          clientId: form.get('client_id') ?? undefined,
          scope: form.get('scope') ?? undefined,
          status,
          error: typeof body.error === 'string' ? body.error : undefined,
        });
        if (redirect !== undefined) response.setHeader('location', redirect.location);
        reply(status, body);
      })
      .catch((error: Error) => reply(500, { error: 'server_error', error_description: error.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    endpoint: `http://127.0.0.1:${port}/oauth2/v2.0/token`,
    requests,
    isValid: (token) => tokens.isValid(token),
    setClientSecret(secret) {
      clientSecret = secret;
    },
    setExpiresIn(seconds) {
      expiresIn = seconds;
    },
    redirectTo(location, status = 307) {
      redirect = location === undefined ? undefined : { location, status };
    },
    holdNextRequest() {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      hold = { arrived, released: new Promise<void>((resolve) => (release = resolve)) };
      return { arrived: arrival, release };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
