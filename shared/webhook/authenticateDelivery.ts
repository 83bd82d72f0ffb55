import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecretSource, WebhookAuthConfig } from '../config';
import { MIN_WEBHOOK_SECRET_LENGTH } from '../config/fields';
import type { SecretStore } from '../secrets/secretStore';
import { arrivalMark, forgetRefusal, rereadForRefusal } from './refusalRereads';

/** What a delivery is checked against: the webhook credentials with their secrets resolved. */
export interface WebhookAuth {
  disabled: boolean;
  username?: string;
  passwords: string[];
  headerName?: string;
  /** Undefined while a header secret is configured but unusable: then no delivery authenticates (fail closed). */
  headerSecret?: string;
}

/** The credentials for one delivery, with what the log (and the authenticated health answer) should say of them. */
export interface WebhookCredentials extends WebhookAuth {
  /** Why a configured secret is not used (expired, not yet valid, too short, missing): for the log, never values. */
  refused: string[];
  /** Secrets that expire within EXPIRY_WARNING_MS: a warning in the log and in the authenticated health answer. */
  expiringSoon: { setting: string; expiresOn: Date }[];
}

const EXPIRY_WARNING_MS = 7 * 24 * 60 * 60 * 1000;

type Resolved = { value?: string; refused?: string; expiresOn?: Date };

/**
 * One secret setting's usable value. Literal values were checked by the configuration; Key Vault values are
 * checked here, at each read, since they change without a restart. Throws when Key Vault cannot be read (the caller
 * answers 503), so an outage is never mistaken for a missing secret.
 */
async function resolveSecret(
  setting: string,
  source: SecretSource,
  store: SecretStore | undefined,
  optional: boolean,
): Promise<Resolved> {
  if ('value' in source) return { value: source.value };
  if (store === undefined) throw new Error(`${setting}: Key Vault secret named but no vault is configured`);
  const secret = `${setting}: Key Vault secret "${source.keyVaultSecret}"`;
  const reading = await store.read(source.keyVaultSecret);
  switch (reading.state) {
    case 'missing':
      // A previous password that is gone is the normal end of a rotation.
      return optional ? {} : { refused: `${secret} is missing or disabled` };
    case 'expired':
      return { refused: `${secret} expired on ${reading.expiresOn.toISOString()}; not accepted` };
    case 'notYetValid':
      return { refused: `${secret} is not valid before ${reading.notBefore.toISOString()}; not accepted` };
    case 'valid':
      if (reading.value.length < MIN_WEBHOOK_SECRET_LENGTH) {
        return { refused: `${secret} is shorter than ${MIN_WEBHOOK_SECRET_LENGTH} characters; not accepted` };
      }
      return { value: reading.value, expiresOn: reading.expiresOn };
  }
}

/** Reads the current (and previous) password and the header secret, from Key Vault when so configured. */
export async function resolveWebhookCredentials(
  config: WebhookAuthConfig,
  store: SecretStore | undefined,
  now: () => number = Date.now,
): Promise<WebhookCredentials> {
  return (await resolveCredentialParts(config, store, now)).credentials;
}

async function resolveCredentialParts(
  config: WebhookAuthConfig,
  store: SecretStore | undefined,
  now: () => number,
): Promise<{ credentials: WebhookCredentials; previousPassword?: string }> {
  const resolve = (setting: string, source: SecretSource | undefined, optional: boolean) =>
    source === undefined ? Promise.resolve(undefined) : resolveSecret(setting, source, store, optional);
  const [password, previousPassword, headerSecret] = await Promise.all([
    resolve('WEBHOOK_PASSWORD', config.password, false),
    resolve('WEBHOOK_PREVIOUS_PASSWORD', config.previousPassword, true),
    resolve('WEBHOOK_HEADER_SECRET', config.headerSecret, false),
  ]);
  const named = [
    ['WEBHOOK_PASSWORD', password],
    ['WEBHOOK_PREVIOUS_PASSWORD', previousPassword],
    ['WEBHOOK_HEADER_SECRET', headerSecret],
  ] as const;
  const expiringSoon = named.flatMap(([setting, resolved]) =>
    resolved?.expiresOn !== undefined && resolved.expiresOn.getTime() - now() < EXPIRY_WARNING_MS
      ? [{ setting, expiresOn: resolved.expiresOn }]
      : [],
  );
  const credentials = {
    disabled: config.disabled,
    username: config.username,
    passwords: [password?.value, previousPassword?.value].filter(
      (value): value is string => value !== undefined && value !== '',
    ),
    headerName: config.headerName,
    headerSecret: headerSecret?.value,
    refused: named.flatMap(([, resolved]) => (resolved?.refused === undefined ? [] : [resolved.refused])),
    expiringSoon,
  };
  return { credentials, previousPassword: previousPassword?.value };
}

/**
 * The credentials to check one delivery against. The values held (Key Vault's, cached for minutes) are used when
 * they accept it with the current password. Otherwise the instance may hold values older than the sender's:
 * - refused: a new password (or header secret) may have been stored since the values held were read. The secrets
 *   are read again first unless a re-read for another refusal started within the re-read interval (5 s): then it
 *   is refused at once (see refusalRereads.ts for the rule, and for what it leaves to a rotation by hand).
 * - accepted by the previous password only: that window is being closed (the secret disabled or expired), which
 *   takes effect at the first such delivery once the re-read interval has passed since the last read (see
 *   SecretStore.reread): only a sender holding the previous password can make a delivery wait for it.
 */
export async function resolveDeliveryCredentials(
  header: HeaderLookup,
  config: WebhookAuthConfig,
  store: SecretStore | undefined,
  now: () => number = Date.now,
): Promise<WebhookCredentials> {
  const arrived = store === undefined ? undefined : arrivalMark(store);
  const held = await resolveCredentialParts(config, store, now);
  const kept = held.credentials.passwords.filter((password) => password !== held.previousPassword);
  if (authenticateDelivery(header, { ...held.credentials, passwords: kept }).ok) return held.credentials;
  const names = [config.password, config.previousPassword, config.headerSecret].flatMap((source) =>
    source !== undefined && 'keyVaultSecret' in source ? [source.keyVaultSecret] : [],
  );
  if (store === undefined || arrived === undefined || names.length === 0) return held.credentials;

  if (authenticateDelivery(header, held.credentials).ok) {
    await Promise.all(names.map((name) => store.reread(name, 'recent')));
    return resolveWebhookCredentials(config, store, now);
  }
  const key = createHash('sha256')
    .update(`${header('authorization') ?? ''}\0${config.headerName ? (header(config.headerName) ?? '') : ''}`)
    .digest('base64');
  if (!rereadForRefusal(store, names, { key, arrived, now: now() })) return held.credentials;
  const fresh = await resolveWebhookCredentials(config, store, now);
  if (authenticateDelivery(header, fresh).ok) forgetRefusal(store, key);
  return fresh;
}

export type HeaderLookup = (name: string) => string | null | undefined;

type AuthenticationResult = { ok: true } | { ok: false; reason: string };

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
export function authenticateDelivery(header: HeaderLookup, auth: WebhookAuth): AuthenticationResult {
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

  if (auth.headerName !== undefined) {
    // Configured but unusable (expired, missing in Key Vault): nothing can match, so this fails closed.
    if (auth.headerSecret === undefined) return { ok: false, reason: `invalid ${auth.headerName} header` };
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
