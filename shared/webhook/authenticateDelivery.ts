import { createHash, timingSafeEqual } from 'node:crypto';
import type { WebhookAuthConfig } from '../config';
import type { SecretReader } from '../secrets/readSecret';

/** The webhook credentials with their secrets resolved, for one delivery. */
export interface WebhookCredentials {
  disabled: boolean;
  username?: string;
  passwords: string[];
  headerName?: string;
  headerSecret?: string;
}

/** Reads the current (and previous) password, from Key Vault when configured so, through the cache. */
export async function resolveWebhookCredentials(
  config: WebhookAuthConfig,
  read: SecretReader,
): Promise<WebhookCredentials> {
  const sources = [config.password, config.previousPassword].filter((source) => source !== undefined);
  const passwords = (await Promise.all(sources.map(read))).filter(
    (password): password is string => password !== undefined && password !== '',
  );
  return {
    disabled: config.disabled,
    username: config.username,
    passwords,
    headerName: config.headerName,
    headerSecret: config.headerSecret,
  };
}

export type HeaderLookup = (name: string) => string | null | undefined;

export type AuthenticationResult = { ok: true } | { ok: false; reason: string };

/** Constant-time comparison: hashing first gives equal lengths, so neither content nor length leaks. */
function secretsEqual(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function basicCredentials(
  header: string | null | undefined,
): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks a delivery's credentials: basic auth (current or previous password, so a rotation drops nothing) and/or a
 * shared header secret. The reasons name what failed, never what was sent.
 */
export function authenticateDelivery(header: HeaderLookup, auth: WebhookCredentials): AuthenticationResult {
  if (auth.disabled) return { ok: true };

  if (auth.username !== undefined) {
    const credentials = basicCredentials(header('authorization'));
    if (credentials === undefined) return { ok: false, reason: 'basic authentication required' };
    const userMatches = secretsEqual(credentials.username, auth.username);
    // Check every password whatever the user name, so timing says nothing about which part was wrong.
    const passwordMatches = auth.passwords
      .map((password) => secretsEqual(credentials.password, password))
      .reduce((any, matches) => any || matches, false);
    if (!userMatches || !passwordMatches) return { ok: false, reason: 'invalid credentials' };
    // A password secret missing from Key Vault leaves no password at all: nothing can match, so this fails closed.
  }

  if (auth.headerName !== undefined && auth.headerSecret !== undefined) {
    const value = header(auth.headerName);
    if (value === null || value === undefined)
      return { ok: false, reason: `header ${auth.headerName} required` };
    if (!secretsEqual(value, auth.headerSecret))
      return { ok: false, reason: `invalid ${auth.headerName} header` };
  }

  if (auth.username === undefined && auth.headerName === undefined) {
    // Fail closed: the config module refuses this combination, this guards any other caller.
    return { ok: false, reason: 'no webhook credentials configured' };
  }
  return { ok: true };
}
