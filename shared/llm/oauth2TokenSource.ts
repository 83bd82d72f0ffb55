import { z } from 'zod';
import { cachedBearerTokenSource, type BearerTokenSource, type IssuedToken } from './bearerToken';

export interface OAuth2TokenSourceOptions {
  /** The token endpoint (OAUTH2_ENDPOINT), e.g. `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`. */
  endpoint: string;
  clientId: string;
  /** Read on every token request: it may come from Key Vault and be rotated. */
  clientSecret: () => Promise<string>;
  /**
   * Called when the endpoint answers `invalid_client`, before the secret is read once more: a cached secret store
   * drops its copy here, so a rotated secret is picked up.
   */
  onInvalidClient?: () => void | Promise<void>;
  scope?: string;
  /** Per token request; default 10 s. */
  timeoutMs?: number;
  now?: () => number;
  /** A proxy-aware fetch, when the endpoint is reached through one; Node's own otherwise. */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** RFC 6749 §5.1. `expires_in` is a number, though some servers (Entra's v1 endpoint) send it as a string. */
const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === 'bearer', 'is not Bearer'),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().positive()),
});

/** RFC 6749 §5.2. */
const errorResponse = z.object({ error: z.string(), error_description: z.string().optional() });

class OAuth2Error extends Error {
  constructor(
    message: string,
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'OAuth2Error';
  }
}

/** Bearer tokens from an OAuth2 client-credentials grant (RFC 6749 §4.4), the secret sent in the form body. */
export function createOAuth2TokenSource(options: OAuth2TokenSourceOptions): BearerTokenSource {
  const host = new URL(options.endpoint).host;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const send = options.fetch ?? fetch;

  async function requestToken(secret: string): Promise<IssuedToken> {
    if (secret === '') throw new OAuth2Error(`OAuth2 token request to ${host}: the client secret is empty`);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: secret,
    });
    if (options.scope !== undefined) form.set('scope', options.scope);
    const failure = (reason: string, code?: string, cause?: unknown) =>
      new OAuth2Error(`OAuth2 token request to ${host} failed: ${reason}`, code, { cause });

    // Measured before sending, so the lifetime counted from it can only be shorter than the server's.
    const requestedAt = now();
    let response: Response;
    let text: string;
    try {
      response = await send(options.endpoint, {
        method: 'POST',
        // Followed, a 307 or 308 would post the client secret to wherever the endpoint (or anyone on its path) says.
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Inside the timeout too: a server may send its headers and then stall.
      text = await response.text();
    } catch (error) {
      // The abort reason is a DOMException, which is not an instance of every realm's Error: compare the name.
      const timedOut = (error as { name?: unknown } | undefined)?.name === 'TimeoutError';
      throw failure(
        timedOut ? `no answer within ${timeoutMs} ms` : 'could not reach the endpoint',
        undefined,
        error,
      );
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      const to =
        location !== null && URL.canParse(location, options.endpoint)
          ? ` to ${new URL(location, options.endpoint).host}`
          : '';
      throw failure(
        `HTTP ${response.status}, a redirect${to}; ` +
          'the client secret is sent to OAUTH2_ENDPOINT only, never where it redirects: set OAUTH2_ENDPOINT to the ' +
          'token endpoint itself',
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw failure(`HTTP ${response.status}, the answer is not JSON`);
    }
    if (!response.ok) {
      const error = errorResponse.safeParse(body);
      if (!error.success) throw failure(`HTTP ${response.status} without an OAuth2 error code`);
      // The description is the server's: it should not echo the secret, but nothing guarantees it.
      const description = error.data.error_description?.replaceAll(secret, '***');
      throw failure(
        `HTTP ${response.status} ${error.data.error}${description ? ` (${description})` : ''}`,
        error.data.error,
      );
    }
    const token = tokenResponse.safeParse(body);
    if (!token.success) {
      const fields = token.error.issues.map((issue) => issue.path.join('.')).join(', ');
      throw failure(`the answer is not a bearer token response (${fields})`);
    }
    return { token: token.data.access_token, expiresAt: requestedAt + token.data.expires_in * 1000 };
  }

  return cachedBearerTokenSource(async () => {
    const secret = await options.clientSecret();
    try {
      return await requestToken(secret);
    } catch (error) {
      if (!(error instanceof OAuth2Error) || error.code !== 'invalid_client') throw error;
      // The secret may have been rotated since it was read: read it once more and, if it changed, try once more.
      await options.onInvalidClient?.();
      const reread = await options.clientSecret();
      if (reread === secret) throw error;
      return requestToken(reread);
    }
  }, now);
}
