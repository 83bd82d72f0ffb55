/** Where the model endpoint's `Authorization: Bearer` token comes from (an OAuth2 gateway, Entra ID). */
export interface BearerTokenSource {
  /** A token that is not about to expire: the cached one, or a fresh one when it nears expiry. */
  getToken(): Promise<string>;
  /**
   * Drops `token` because the model endpoint refused it (401): the next `getToken` fetches anew. A token that is no
   * longer the cached one is ignored, so many callers refused with the same token cause one fetch.
   */
  invalidate(token: string): void;
}

export interface IssuedToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** How early a token is replaced: 10 % of its lifetime, at most a minute, so no request leaves with a dying token. */
const MAX_REFRESH_MARGIN_MS = 60_000;
const REFRESH_MARGIN_SHARE = 0.1;

interface CachedToken {
  token: string;
  refreshAt: number;
}

/**
 * A `BearerTokenSource` over `fetchToken`: the token is cached until shortly before it expires, and however many
 * callers wait, one fetch is in flight. A failed fetch is not cached: the next call tries again.
 */
export function cachedBearerTokenSource(
  fetchToken: () => Promise<IssuedToken>,
  now: () => number = Date.now,
): BearerTokenSource {
  let cached: CachedToken | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchAndCache(): Promise<string> {
    const requestedAt = now();
    try {
      const { token, expiresAt } = await fetchToken();
      const margin = Math.min(MAX_REFRESH_MARGIN_MS, (expiresAt - requestedAt) * REFRESH_MARGIN_SHARE);
      cached = { token, refreshAt: expiresAt - margin };
      return token;
    } finally {
      inFlight = undefined;
    }
  }

  return {
    getToken() {
      if (cached !== undefined && now() < cached.refreshAt) return Promise.resolve(cached.token);
      inFlight ??= fetchAndCache();
      return inFlight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}
