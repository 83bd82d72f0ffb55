import { InvocationContext, type EventGridEvent } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import {
  createKeyVaultSecretEventsHandler,
  handleKeyVaultSecretEvents,
} from '../../functions/keyVaultSecretEvents';
import { handleSecretEvents } from '../../shared/secrets/secretEvents';
import type { SecretStore } from '../../shared/secrets/secretStore';
import { registeredFunctions } from '../../dev/host/functionsCore';
import { startKeyVaultServer, type KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import { secretStoreOver } from '../support/keyVaultSecretStore';

/**
 * Key Vault's Event Grid events, shaped as "Azure Key Vault as Event Grid source" documents them, handled against
 * the real store and SDK on the local test vault: a new version reaches readers before the TTL, a near expiry
 * warns, anything else is ignored, a malformed event is refused; the same through the Event Grid function.
 */

let vault: KeyVaultTestServer;
let savedVaultUri: string | undefined;

beforeAll(async () => {
  vault = await startKeyVaultServer();
  // The registered handler reads KEY_VAULT_URI on first use; these tests run it without a vault.
  savedVaultUri = process.env.KEY_VAULT_URI;
  delete process.env.KEY_VAULT_URI;
});

afterAll(async () => {
  if (savedVaultUri !== undefined) process.env.KEY_VAULT_URI = savedVaultUri;
  await vault.close();
});

const VAULT_NAME = 'ado-reviewer-test';
const secretName = () => `secret-${randomUUID()}`;
const secretValue = () => `value-${randomUUID()}`;

function keyVaultEvent(
  eventType: string,
  name: string,
  data: { EXP?: number | string | null; NBF?: number | string | null } = {},
): EventGridEvent {
  const version = randomUUID().replace(/-/g, '');
  return {
    id: randomUUID(),
    topic: `/subscriptions/${randomUUID()}/resourceGroups/rg-test/providers/Microsoft.KeyVault/vaults/${VAULT_NAME}`,
    subject: name,
    eventType,
    eventTime: new Date().toISOString(),
    data: {
      Id: `https://${VAULT_NAME}.vault.azure.net/secrets/${name}/${version}`,
      VaultName: VAULT_NAME,
      ObjectType: 'Secret',
      ObjectName: name,
      Version: version,
      NBF: null,
      EXP: null,
      ...data,
    },
    dataVersion: '1',
    metadataVersion: '1',
  };
}

function recordingLog() {
  const lines: { level: 'info' | 'warn'; message: string }[] = [];
  return {
    lines,
    info: (message: string) => lines.push({ level: 'info', message }),
    warn: (message: string) => lines.push({ level: 'warn', message }),
  };
}

const createStore = (): SecretStore => secretStoreOver(vault);

/** A secret the store has read and cached, and the value of the next version. */
async function cachedSecret(store: SecretStore) {
  const name = secretName();
  const [first, second] = [secretValue(), secretValue()];
  vault.setSecret(name, first);
  expect(await store.get(name)).toBe(first);
  return { name, first, second };
}

describe('handleSecretEvents', () => {
  it('SecretNewVersionCreated: the next read returns the new version without waiting for the TTL', async () => {
    const store = createStore();
    const { name, first, second } = await cachedSecret(store);
    vault.setSecret(name, second);
    const log = recordingLog();

    handleSecretEvents([keyVaultEvent('Microsoft.KeyVault.SecretNewVersionCreated', name)], { store, log });

    expect(await store.get(name)).toBe(second);
    expect(vault.secretReads(name)).toBe(2);
    expect(log.lines).toEqual([{ level: 'info', message: expect.stringContaining(`"${name}"`) }]);
    expect(JSON.stringify(log.lines)).not.toMatch(new RegExp(`${first}|${second}`));
  });

  it('SecretNearExpiry: warns with the secret and its expiry date, and keeps the cached value', async () => {
    const store = createStore();
    const { name, first } = await cachedSecret(store);
    const log = recordingLog();

    handleSecretEvents(keyVaultEvent('Microsoft.KeyVault.SecretNearExpiry', name, { EXP: 1798761600 }), {
      store,
      log,
    });

    expect(log.lines).toEqual([{ level: 'warn', message: expect.stringContaining(`"${name}"`) }]);
    expect(log.lines[0].message).toContain('2027-01-01T00:00:00.000Z');
    expect(log.lines[0].message).not.toContain(first);
    await store.get(name);
    expect(vault.secretReads(name)).toBe(1);
  });

  it('accepts NBF and EXP written as strings, as in the documentation sample', () => {
    const log = recordingLog();
    const event = keyVaultEvent('Microsoft.KeyVault.SecretNearExpiry', 'newsecret', {
      NBF: '1559081980',
      EXP: '1559082102',
    });

    handleSecretEvents([event], { store: createStore(), log });

    expect(log.lines[0].message).toContain('2019-05-28T22:21:42.000Z');
  });

  it('logs and ignores other event types', async () => {
    const store = createStore();
    const { name } = await cachedSecret(store);
    const log = recordingLog();

    handleSecretEvents(keyVaultEvent('Microsoft.KeyVault.VaultAccessPolicyChanged', name), { store, log });

    expect(log.lines).toEqual([
      { level: 'info', message: expect.stringContaining('Microsoft.KeyVault.VaultAccessPolicyChanged') },
    ]);
    await store.get(name);
    expect(vault.secretReads(name)).toBe(1);
  });

  it('refuses a malformed event with the problem, acting on none of the batch', async () => {
    const store = createStore();
    const { name } = await cachedSecret(store);
    const valid = keyVaultEvent('Microsoft.KeyVault.SecretNewVersionCreated', name);
    const invalid = { ...valid, data: { ...valid.data } };
    delete invalid.data.Version;
    const log = recordingLog();

    expect(() => handleSecretEvents([valid, invalid], { store, log })).toThrow(
      /Invalid Microsoft\.KeyVault\.SecretNewVersionCreated data .*Version/,
    );
    expect(() =>
      handleSecretEvents({ eventType: 'Microsoft.KeyVault.SecretNearExpiry' }, { store, log }),
    ).toThrow(/Invalid Key Vault event: .*subject/);
    expect(() =>
      handleSecretEvents(keyVaultEvent('Microsoft.KeyVault.SecretNearExpiry', name), { store, log }),
    ).toThrow(/EXP/);
    expect(log.lines).toEqual([]);
    await store.get(name);
    expect(vault.secretReads(name)).toBe(1);
  });
});

describe('the keyVaultSecretEvents function', () => {
  function invocationContext() {
    const logs: { level: string; message: string }[] = [];
    const context = new InvocationContext({
      functionName: 'keyVaultSecretEvents',
      invocationId: randomUUID(),
      logHandler: (level, ...args) => logs.push({ level, message: args.join(' ') }),
    });
    return { context, logs };
  }

  it('is registered as an Event Grid trigger', () => {
    const registered = registeredFunctions().find((fn) => fn.name === 'keyVaultSecretEvents');
    expect(Object.values(registered?.bindings ?? {})).toContainEqual(
      expect.objectContaining({ type: 'eventGridTrigger', direction: 'in' }),
    );
  });

  it('drops the cached value on SecretNewVersionCreated, and warns on SecretNearExpiry', async () => {
    const store = createStore();
    const handler = createKeyVaultSecretEventsHandler(() => store);
    const { name, first, second } = await cachedSecret(store);
    vault.setSecret(name, second);
    const { context, logs } = invocationContext();

    handler(keyVaultEvent('Microsoft.KeyVault.SecretNewVersionCreated', name), context);
    expect(await store.get(name)).toBe(second);

    handler(keyVaultEvent('Microsoft.KeyVault.SecretNearExpiry', name, { EXP: 1798761600 }), context);
    expect(logs).toEqual([
      { level: 'information', message: expect.stringContaining(`"${name}"`) },
      {
        level: 'warning',
        message: expect.stringMatching(new RegExp(`"${name}".*2027-01-01T00:00:00\\.000Z`)),
      },
    ]);
    expect(JSON.stringify(logs)).not.toMatch(new RegExp(`${first}|${second}`));
  });

  it('throws on a malformed event, so that Event Grid delivers it again', () => {
    const { context } = invocationContext();
    const handler = createKeyVaultSecretEventsHandler(createStore);
    const event = { ...keyVaultEvent('Microsoft.KeyVault.SecretNewVersionCreated', secretName()), data: {} };

    expect(() => handler(event, context)).toThrow(
      /Invalid Microsoft\.KeyVault\.SecretNewVersionCreated data/,
    );
  });

  it('only logs when no vault is configured', () => {
    const { context, logs } = invocationContext();
    const name = secretName();

    handleKeyVaultSecretEvents(keyVaultEvent('Microsoft.KeyVault.SecretNewVersionCreated', name), context);

    expect(logs).toEqual([
      { level: 'information', message: expect.stringContaining('KEY_VAULT_URI is not set') },
    ]);
  });
});
