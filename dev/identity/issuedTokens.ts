import { randomBytes } from 'node:crypto';

/** The tokens a stand-in identity endpoint has issued, each with its expiry, so a test can ask which are valid. */
export interface IssuedTokens {
  /** A new random token for `audience`, valid for `lifetimeSeconds` from now. */
  issue(audience: string, lifetimeSeconds: number): { token: string; expiresAt: number };
  /** Whether `token` was issued here, for `audience` when given, and has not expired. */
  isValid(token: string, audience?: string): boolean;
}

export function createIssuedTokens(now: () => number): IssuedTokens {
  const tokens = new Map<string, { audience: string; expiresAt: number }>();
  return {
    issue(audience, lifetimeSeconds) {
      const token = randomBytes(24).toString('base64url');
      const expiresAt = now() + lifetimeSeconds * 1000;
      tokens.set(token, { audience, expiresAt });
      return { token, expiresAt };
    },
    isValid(token, audience) {
      const issued = tokens.get(token);
      return (
        issued !== undefined &&
        now() < issued.expiresAt &&
        (audience === undefined || audience === issued.audience)
      );
    },
  };
}
