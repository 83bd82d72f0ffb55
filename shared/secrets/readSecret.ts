import type { SecretSource } from '../config';
import type { SecretStore } from './secretStore';

/** Resolves a secret setting to its current value: the literal, or the Key Vault secret's cached value. */
export type SecretReader = (source: SecretSource) => Promise<string | undefined>;

export function createSecretReader(store: SecretStore | undefined): SecretReader {
  return async (source) => {
    if ('value' in source) return source.value;
    if (store === undefined)
      throw new Error(`Key Vault secret ${source.keyVaultSecret} named but no vault is configured`);
    return store.get(source.keyVaultSecret);
  };
}

/** A secret the app cannot work without; the error names the secret, never a value. */
export async function readRequiredSecret(
  read: SecretReader,
  source: SecretSource,
  setting: string,
): Promise<string> {
  const value = await read(source);
  if (value === undefined || value === '') {
    const where = 'keyVaultSecret' in source ? `Key Vault secret "${source.keyVaultSecret}"` : 'the value';
    throw new Error(`${setting}: ${where} is missing, empty or disabled`);
  }
  return value;
}
