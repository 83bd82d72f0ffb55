import { parseConfig } from '../../shared/config';
import { handleSecretEvents } from '../../shared/secrets/secretEvents';
import type { SecretStore } from '../../shared/secrets/secretStore';
import { authenticateDelivery, resolveWebhookCredentials } from '../../shared/webhook/authenticateDelivery';
import { startKeyVaultServer } from '../../dev/key-vault/keyVaultServer';
import { secretStoreOver } from '../support/keyVaultSecretStore';

/** Webhook passwords kept in Key Vault (the local Key Vault server, through the real SDK), rotated without a restart. */

type Vault = Awaited<ReturnType<typeof startKeyVaultServer>>;
let vault: Vault;
let store: SecretStore;

const basic = (password: string) => `Basic ${Buffer.from(`azure-devops:${password}`).toString('base64')}`;

beforeAll(async () => {
  vault = await startKeyVaultServer();
  store = secretStoreOver(vault);
});

afterAll(async () => {
  await vault?.close();
});

const config = () =>
  parseConfig({
    AZURE_DEVOPS_ORG_URL: 'https://dev.azure.com/contoso',
    KEY_VAULT_URI: vault.vaultUri,
    AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME: 'azure-devops-pat',
    OPENAI_API_KEYS_SECRET_NAME: 'openai-api-keys',
    WEBHOOK_USERNAME: 'azure-devops',
    WEBHOOK_PASSWORD_SECRET_NAME: 'webhook-password',
    WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME: 'webhook-previous-password',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  });

async function accepts(password: string): Promise<boolean> {
  const credentials = await resolveWebhookCredentials(config().webhook, store);
  return authenticateDelivery((name) => (name === 'authorization' ? basic(password) : undefined), credentials)
    .ok;
}

describe('webhook passwords in Key Vault', () => {
  it('accepts the password stored in Key Vault; a missing previous password means none', async () => {
    vault.setSecret('webhook-password', 'first-password-of-two');
    expect(await accepts('first-password-of-two')).toBe(true);
    expect(await accepts('anything-else')).toBe(false);
  });

  it('rotates without a restart: the old password stays valid as the previous one until it is disabled', async () => {
    vault.setSecret('webhook-previous-password', 'first-password-of-two');
    vault.setSecret('webhook-password', 'second-password-of-two');
    const event = (name: string) => ({
      id: name,
      topic: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv',
      subject: name,
      eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
      eventTime: new Date().toISOString(),
      dataVersion: '1',
      data: {
        Id: `${vault.vaultUri}/secrets/${name}/v2`,
        VaultName: 'kv',
        ObjectType: 'Secret',
        ObjectName: name,
        Version: 'v2',
        NBF: null,
        EXP: null,
      },
    });
    handleSecretEvents([event('webhook-password'), event('webhook-previous-password')], {
      store,
      log: { info: () => undefined, warn: () => undefined },
    });
    expect(await accepts('second-password-of-two')).toBe(true);
    expect(await accepts('first-password-of-two')).toBe(true);

    vault.setSecret('webhook-previous-password', 'first-password-of-two', { enabled: false });
    store.invalidate('webhook-previous-password');
    expect(await accepts('first-password-of-two')).toBe(false);
    expect(await accepts('second-password-of-two')).toBe(true);
  });

  it('fails closed when the password secret does not exist', async () => {
    const empty = secretStoreOver(vault);
    vault.setSecret('webhook-password', 'x', { enabled: false });
    const credentials = await resolveWebhookCredentials(config().webhook, empty);
    expect(credentials.passwords).toEqual([]);
    expect(authenticateDelivery(() => basic(''), credentials).ok).toBe(false);
  });
});
