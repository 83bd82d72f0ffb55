import { z } from 'zod';
import { blankAsUnset, credentialUrl, optionalString } from './fields';

export const keyVaultShape = {
  KEY_VAULT_URI: credentialUrl.optional(),
  /** The user-assigned managed identity the app runs as (Azure sets it from the template). */
  AZURE_CLIENT_ID: optionalString,
};

export interface KeyVaultConfig {
  uri: string;
  clientId?: string;
}

const keyVaultSchema = z.object(keyVaultShape);

/** The Key Vault settings of an environment: undefined when no vault is named, or when its settings are invalid. */
export function parseKeyVaultConfig(source: NodeJS.ProcessEnv): KeyVaultConfig | undefined {
  const parsed = keyVaultSchema.safeParse(blankAsUnset(source));
  const uri = parsed.data?.KEY_VAULT_URI;
  return uri === undefined ? undefined : { uri, clientId: parsed.data?.AZURE_CLIENT_ID };
}

let cachedKeyVault: { config: KeyVaultConfig | undefined } | undefined;

/**
 * Just the Key Vault settings, valid on their own: the Key Vault event function needs them even while the rest of
 * the configuration is invalid (for instance because a secret it names has not been set yet).
 */
export function getKeyVaultConfig(): KeyVaultConfig | undefined {
  cachedKeyVault ??= { config: parseKeyVaultConfig(process.env) };
  return cachedKeyVault.config;
}
