import { z } from 'zod';
import { blankAsUnset, httpUrl, optionalString } from './fields';

export const keyVaultShape = {
  KEY_VAULT_URI: httpUrl.optional(),
  /** The user-assigned managed identity the app runs as (Azure sets it from the template). */
  AZURE_CLIENT_ID: optionalString,
};

export interface KeyVaultConfig {
  uri: string;
  clientId?: string;
}

const keyVaultSchema = z.object(keyVaultShape);

export function keyVaultConfigOf(env: z.infer<typeof keyVaultSchema>): KeyVaultConfig | undefined {
  return env.KEY_VAULT_URI === undefined
    ? undefined
    : { uri: env.KEY_VAULT_URI, clientId: env.AZURE_CLIENT_ID };
}

let cachedKeyVault: { config: KeyVaultConfig | undefined } | undefined;

/**
 * Just the Key Vault settings, valid on their own: the Key Vault event function needs them even while the rest of
 * the configuration is invalid (for instance because a secret it names has not been set yet).
 */
export function getKeyVaultConfig(): KeyVaultConfig | undefined {
  if (cachedKeyVault === undefined) {
    const parsed = keyVaultSchema.safeParse(blankAsUnset(process.env));
    cachedKeyVault = { config: parsed.success ? keyVaultConfigOf(parsed.data) : undefined };
  }
  return cachedKeyVault.config;
}
