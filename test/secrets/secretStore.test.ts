import { randomUUID } from 'node:crypto';
import { READ_DEADLINE_MS, type KeyVaultSecretStoreOptions } from '../../shared/secrets/secretStore';
import { startKeyVaultServer, type KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import { secretStoreOver } from '../support/keyVaultSecretStore';

/**
 * The secret store with the real Key Vault SDK against the local test vault: challenge, caching, single flight,
 * expiry, invalidation, missing and disabled secrets, failures.
 */

let vault: KeyVaultTestServer;

beforeAll(async () => {
  vault = await startKeyVaultServer();
});

afterAll(async () => {
  await vault.close();
});

/** Each test uses its own secret, so the shared vault's request log can be read per test. */
const secretName = () => `secret-${randomUUID()}`;
const secretValue = () => `value-${randomUUID()}`;

const createStore = (options: Partial<KeyVaultSecretStoreOptions> = {}) => secretStoreOver(vault, options);

/** A clock the test moves by hand. */
function manualClock() {
  let time = 1_000_000;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('Key Vault secret store', () => {
  it("reads a secret's value through Key Vault's authentication challenge", async () => {
    const name = secretName();
    const value = secretValue();
    vault.setSecret(name, value);

    expect(await createStore().get(name)).toBe(value);

    const requests = vault.requests.filter((request) => request.secretName === name);
    expect(requests.map(({ authenticated, status }) => ({ authenticated, status }))).toEqual([
      { authenticated: false, status: 401 },
      { authenticated: true, status: 200 },
    ]);
    expect(vault.tokenRequests).toContainEqual({
      scopes: ['https://vault.azure.net/.default'],
      tenantId: vault.tenantId,
    });
  });

  it('serves a value it has read from memory', async () => {
    const name = secretName();
    const value = secretValue();
    vault.setSecret(name, value);
    const store = createStore();

    await store.get(name);
    expect(await store.get(name)).toBe(value);
    expect(vault.secretReads(name)).toBe(1);
  });

  it('makes one request for concurrent reads of the same secret', async () => {
    const name = secretName();
    const value = secretValue();
    vault.setSecret(name, value);

    const store = createStore();
    const values = await Promise.all(Array.from({ length: 50 }, () => store.get(name)));

    expect(values).toEqual(Array(50).fill(value));
    expect(vault.secretReads(name)).toBe(1);
  });

  it('reads the secret again once the cached value is older than the TTL', async () => {
    const name = secretName();
    const [first, second] = [secretValue(), secretValue()];
    vault.setSecret(name, first);
    const clock = manualClock();
    const store = createStore({ ttlMs: 60_000, now: clock.now });

    await store.get(name);
    vault.setSecret(name, second);
    clock.advance(59_999);
    expect(await store.get(name)).toBe(first);
    clock.advance(1);
    expect(await store.get(name)).toBe(second);
    expect(vault.secretReads(name)).toBe(2);
  });

  it('reads the secret again after invalidate, for one name or all', async () => {
    const [name, other] = [secretName(), secretName()];
    vault.setSecret(name, secretValue());
    vault.setSecret(other, secretValue());
    const store = createStore();
    await Promise.all([store.get(name), store.get(other)]);

    store.invalidate(name);
    await Promise.all([store.get(name), store.get(other)]);
    expect([vault.secretReads(name), vault.secretReads(other)]).toEqual([2, 1]);

    store.invalidate();
    await Promise.all([store.get(name), store.get(other)]);
    expect([vault.secretReads(name), vault.secretReads(other)]).toEqual([3, 2]);
  });

  it('does not let a read that was in flight during invalidate overwrite the newer value', async () => {
    const name = secretName();
    const [first, second] = [secretValue(), secretValue()];
    vault.setSecret(name, first);
    const store = createStore();

    const held = vault.holdNextRead(name);
    const staleRead = store.get(name);
    await held.arrived;
    vault.setSecret(name, second);
    store.invalidate(name);

    expect(await store.get(name)).toBe(second);
    held.release();
    expect(await staleRead).toBe(first);
    expect(await store.get(name)).toBe(second);
    expect(vault.secretReads(name)).toBe(2);
  });

  it('reads a missing secret as undefined, remembered for 30 seconds', async () => {
    const name = secretName();
    const value = secretValue();
    const clock = manualClock();
    const store = createStore({ now: clock.now });

    expect(await store.get(name)).toBeUndefined();
    vault.setSecret(name, value);
    clock.advance(29_999);
    expect(await store.get(name)).toBeUndefined();
    expect(vault.secretReads(name)).toBe(1);

    clock.advance(1);
    expect(await store.get(name)).toBe(value);
  });

  it('reads a disabled secret as undefined', async () => {
    const name = secretName();
    const value = secretValue();
    vault.setSecret(name, secretValue(), { enabled: false });
    const store = createStore();

    expect(await store.get(name)).toBeUndefined();
    expect(vault.requests.filter((request) => request.secretName === name).at(-1)?.status).toBe(403);

    vault.setSecret(name, value);
    store.invalidate(name);
    expect(await store.get(name)).toBe(value);
  });

  it('rejects when Key Vault fails, naming the secret but not its value, and does not cache the failure', async () => {
    const name = secretName();
    const value = secretValue();
    vault.setSecret(name, value);
    vault.failReads(name, 500);
    const store = createStore();

    const error = (await store.get(name).catch((reason: unknown) => reason)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(`"${name}"`);
    expect(error.message).toContain('HTTP 500');
    expect(error.message).not.toContain(value);

    vault.failReads(name, undefined);
    expect(await store.get(name)).toBe(value);
  });

  it('rejects when the identity may not read the secret, rather than reading it as missing', async () => {
    const name = secretName();
    vault.setSecret(name, secretValue());
    vault.failReads(name, 403);

    await expect(createStore().get(name)).rejects.toThrow(/HTTP 403/);
  });

  it("refuses a challenge naming another resource than Key Vault (the SDK's check stays on)", async () => {
    const impostor = await startKeyVaultServer({ challengeResource: 'https://management.azure.com' });
    try {
      const name = secretName();
      impostor.setSecret(name, secretValue());
      const store = secretStoreOver(impostor);

      await expect(store.get(name)).rejects.toThrow(`Could not read Key Vault secret "${name}"`);
      expect(impostor.tokenRequests).toEqual([]);
    } finally {
      await impostor.close();
    }
  });
});

describe('the process-wide store', () => {
  const saved = { KEY_VAULT_URI: process.env.KEY_VAULT_URI, AZURE_CLIENT_ID: process.env.AZURE_CLIENT_ID };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  /** A fresh copy of the module, since it builds the store once per process. */
  function loadGetProcessSecretStore(): typeof import('../../shared/secrets/secretStore').getProcessSecretStore {
    let loaded!: typeof import('../../shared/secrets/secretStore');
    jest.isolateModules(() => {
      loaded = jest.requireActual('../../shared/secrets/secretStore');
    });
    return loaded.getProcessSecretStore;
  }

  it('is undefined when KEY_VAULT_URI is not set', () => {
    delete process.env.KEY_VAULT_URI;
    expect(loadGetProcessSecretStore()()).toBeUndefined();
  });

  it('is built once from KEY_VAULT_URI, with the default Azure credential', () => {
    process.env.KEY_VAULT_URI = 'https://ado-reviewer-example.vault.azure.net';
    process.env.AZURE_CLIENT_ID = randomUUID();
    const getProcessSecretStore = loadGetProcessSecretStore();

    const store = getProcessSecretStore();
    expect(store).toBeDefined();
    expect(getProcessSecretStore()).toBe(store);
  });
});

describe('Key Vault validity window and deadline', () => {
  it('reads a secret outside its validity window as unusable, saying which way', async () => {
    const expired = secretName();
    const early = secretName();
    const expiresOn = new Date(Date.now() - 60_000);
    const notBefore = new Date(Date.now() + 60 * 60_000);
    vault.setSecret(expired, secretValue(), { expiresOn });
    vault.setSecret(early, secretValue(), { notBefore });
    const store = createStore();

    expect(await store.get(expired)).toBeUndefined();
    expect(await store.read(expired)).toEqual({
      state: 'expired',
      expiresOn: new Date(Math.floor(expiresOn.getTime() / 1000) * 1000),
    });
    expect(await store.get(early)).toBeUndefined();
    expect((await store.read(early)).state).toBe('notYetValid');
  });

  it('lets a cached value expire at its expiry time, not at the cache TTL', async () => {
    const name = secretName();
    const value = secretValue();
    const expiresOn = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
    vault.setSecret(name, value, { expiresOn });
    let now = Date.now();
    const store = createStore({ now: () => now });
    expect(await store.read(name)).toEqual({ state: 'valid', value, expiresOn });
    now = expiresOn.getTime();
    expect(await store.get(name)).toBeUndefined();
    expect(vault.secretReads(name)).toBe(1);
  });

  it('gives up on a vault that does not answer within the read deadline', async () => {
    const name = secretName();
    vault.setSecret(name, secretValue());
    vault.failReads(name, 'hang');
    try {
      const started = Date.now();
      await expect(createStore().get(name)).rejects.toThrow(`Could not read Key Vault secret "${name}"`);
      expect(Date.now() - started).toBeLessThan(READ_DEADLINE_MS + 2_000);
    } finally {
      vault.failReads(name, undefined);
    }
  });
});
