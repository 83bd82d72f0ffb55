import type { KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import {
  createKeyVaultSecretStore,
  type KeyVaultSecretStoreOptions,
  type SecretStore,
} from '../../shared/secrets/secretStore';

/** The app's secret store over a local Key Vault test server, through the real SDK; `options` over its defaults. */
export const secretStoreOver = (
  vault: KeyVaultTestServer,
  options: Partial<KeyVaultSecretStoreOptions> = {},
): SecretStore =>
  createKeyVaultSecretStore({
    vaultUri: vault.vaultUri,
    credential: vault.credential,
    clientOptions: vault.clientOptions,
    ...options,
  });
