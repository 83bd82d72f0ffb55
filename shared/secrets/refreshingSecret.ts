import type { SecretSource } from '../config';
import { createSecretReader, readRequiredSecret } from './readSecret';
import type { SecretStore } from './secretStore';

/**
 * A secret a client sends with every request (the PAT, a model API key), read again from Key Vault when the service
 * refuses it: a rotation then takes effect at the first refusal on every instance, not when the cache expires.
 */
export interface RefreshingSecret {
  /** The value to send now. */
  value(): string;
  /**
   * Called after the service refused `refused` (a 401, a sign-in page, `invalid_client`): reads the secret again
   * (see SecretStore.reread: one read in flight, at most one per interval) and tells whether the value now held
   * differs — worth exactly one more try. Many callers refused with the same value share the one read.
   */
  refresh(refused: string): Promise<boolean>;
}

/** A literal, or a value that is not to be re-read: never refreshed. */
export function fixedSecret(value: string): RefreshingSecret {
  return { value: () => value, refresh: () => Promise.resolve(false) };
}

/** Reads `source` now (throwing, with the setting's name, when it is missing) and re-reads it on refusal. */
export async function openRefreshingSecret(
  source: SecretSource,
  setting: string,
  store: SecretStore | undefined,
): Promise<RefreshingSecret> {
  let current = await readRequiredSecret(createSecretReader(store), source, setting);
  if ('value' in source || store === undefined) return fixedSecret(current);
  const name = source.keyVaultSecret;
  // The read that gave `current` started at or before this mark: a refusal asks for a later one.
  let heldSince = store.mark();
  return {
    value: () => current,
    async refresh(refused) {
      // Someone refused earlier already brought a new value.
      if (refused !== current) return true;
      const reading = await store.reread(name, { after: heldSince });
      heldSince = store.mark();
      if (reading.state !== 'valid' || reading.value === refused) return false;
      current = reading.value;
      return true;
    },
  };
}

/**
 * For a client that reads the secret itself (the OAuth2 token source's `onInvalidClient`): re-reads the named Key
 * Vault secret after a refusal, within SecretStore.reread's limits, so that the next read returns the new value.
 */
export function secretRereader(store: SecretStore | undefined): (name: string) => Promise<void> {
  return async (name) => {
    if (store === undefined) return;
    await store.reread(name, 'recent');
  };
}
