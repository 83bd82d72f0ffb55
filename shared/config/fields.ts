import { z } from 'zod';
import { describeZodIssues } from '../validation/describeZodIssues';

/**
 * The field types every settings schema is made of. They parse settings after blankAsUnset, so a blank setting
 * arrives as unset and means "use the default" throughout.
 */

export const optionalString = z.string().trim().optional();

export const booleanSetting = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'));

/** A positive whole number, or undefined when unset. */
export const optionalPositiveInt = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got "${value}"` });
      return z.NEVER;
    }
    return parsed;
  });

export const positiveInt = (fallback: number) => optionalPositiveInt.transform((value) => value ?? fallback);

const httpUrl = z
  .string()
  .trim()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

/** Loopback hosts, where plain http never leaves the machine: localhost, 127.0.0.0/8 and [::1]. */
const isLoopbackHost = (hostname: string) =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

/**
 * A URL the app sends a credential to (a token, a key, a password): https only, since http would hand the credential
 * to anyone on the path; http is allowed for loopback hosts, where the local stand-ins run.
 */
export const credentialUrl = httpUrl.refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}, 'must be an https URL (http only for localhost, 127.0.0.0/8 or [::1]): a credential is sent to it');

/** The shortest webhook password or header secret accepted: shorter ones can be guessed online. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** Storage queue and blob container names share one rule: 3-63 lowercase letters, digits and single dashes. */
export const storageName = (fallback: string, what: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined ? fallback : value.trim()))
    .pipe(z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, `must be a valid ${what}`));

/** Settings as zod sees them: blank values count as unset (templates set every setting, many of them to ''). */
export type Presence = Record<string, string | undefined>;

export function blankAsUnset(source: NodeJS.ProcessEnv): Presence {
  return Object.fromEntries(
    Object.entries(source).map(([name, value]) => [name, value?.trim() === '' ? undefined : value]),
  );
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const settingProblems = (error: z.ZodError) => describeZodIssues(error, { root: '(environment)' });

/**
 * Where a secret comes from: a literal value in the environment (local use), or the name of a Key Vault secret read
 * at run time (in Azure), so that rotating it in Key Vault takes effect without a redeploy.
 */
export type SecretSource = { value: string } | { keyVaultSecret: string };

export function secretSource(
  value: string | undefined,
  secretName: string | undefined,
): SecretSource | undefined {
  if (value !== undefined) return { value };
  return secretName === undefined ? undefined : { keyVaultSecret: secretName };
}
