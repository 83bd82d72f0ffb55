import { z } from 'zod';
import { describeZodIssues } from '../validation/describeZodIssues';
import type { SecretStore } from './secretStore';

/**
 * Key Vault's Event Grid events (Event Grid schema), as documented in "Azure Key Vault as Event Grid source":
 * `subject` is the secret's name and `data` describes the version; NBF and EXP are Unix times in seconds, null when
 * unset (the documentation's sample writes them as strings, the published schema as numbers: both are accepted).
 * Unknown fields are ignored, as Event Grid asks of consumers.
 */

const unixSeconds = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

const keyVaultEvent = z.object({
  id: z.string(),
  eventType: z.string(),
  subject: z.string().min(1),
  data: z.unknown(),
});

const secretEventData = z.object({
  Id: z.string(),
  VaultName: z.string(),
  ObjectType: z.string(),
  ObjectName: z.string(),
  Version: z.string(),
  NBF: unixSeconds.nullish(),
  EXP: unixSeconds.nullish(),
});

const nearExpiryData = secretEventData.extend({ EXP: unixSeconds });

const SECRET_NEW_VERSION_CREATED = 'Microsoft.KeyVault.SecretNewVersionCreated';
const SECRET_NEAR_EXPIRY = 'Microsoft.KeyVault.SecretNearExpiry';

interface SecretEventLog {
  info(message: string): void;
  warn(message: string): void;
}

function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new Error(`Invalid ${what}: ${describeZodIssues(result.error, { root: '(event)' }).join('; ')}`);
}

/**
 * Acts on Key Vault events (one, or an Event Grid batch): a new secret version drops the cached value so the next
 * read fetches it; a secret near expiry is a warning for the operator. Other event types are logged and ignored.
 * Throws on a payload that is not a Key Vault event, before acting on any event of the batch.
 */
export function handleSecretEvents(events: unknown, deps: { store: SecretStore; log: SecretEventLog }): void {
  const batch: unknown[] = Array.isArray(events) ? events : [events];
  const actions = batch.map((input, index) => {
    const event = parse(
      keyVaultEvent,
      input,
      batch.length > 1 ? `Key Vault event #${index + 1}` : 'Key Vault event',
    );
    const name = event.subject;
    switch (event.eventType) {
      case SECRET_NEW_VERSION_CREATED: {
        const data = parse(
          secretEventData,
          event.data,
          `${SECRET_NEW_VERSION_CREATED} data (event ${event.id})`,
        );
        return () => {
          deps.store.invalidate(name);
          deps.log.info(
            `Key Vault secret "${name}" has a new version (${data.Version}); its cached value was dropped.`,
          );
        };
      }
      case SECRET_NEAR_EXPIRY: {
        const data = parse(nearExpiryData, event.data, `${SECRET_NEAR_EXPIRY} data (event ${event.id})`);
        const expiresOn = new Date(data.EXP * 1000).toISOString();
        return () =>
          deps.log.warn(
            `Key Vault secret "${name}" expires on ${expiresOn}: store a new version before then ` +
              '(docs/deployment.md, "Rotating secrets without downtime").',
          );
      }
      default:
        return () => deps.log.info(`Ignored Key Vault event ${event.eventType} for "${name}".`);
    }
  });
  for (const act of actions) act();
}
