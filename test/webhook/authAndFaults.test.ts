import { startKeyVaultServer, type KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import { createWebhookHandler } from '../../functions/webhook';
import type { SecretStore } from '../../shared/secrets/secretStore';
import { secretStoreOver } from '../support/keyVaultSecretStore';
import {
  basic,
  createdSample,
  HEADER_NAME,
  HEADER_SECRET,
  InMemoryJobQueue,
  loggedContext,
  PASSWORD,
  PREVIOUS_PASSWORD,
  USER,
  useKeyVaultWebhookSettings,
  webhookRequest,
} from './webhookHarness';

/**
 * The webhook's credentials in Key Vault (the local vault, through the real SDK), rotated, expired and failing: the
 * auth matrix (every way to be wrong, 100 times each: all 401, nothing queued) and the faults (Key Vault and queue
 * down: 503 within the deadline, never a 2xx without a message).
 */

const TIMES = 100;
const KEY_VAULT_DEADLINE_MS = 4_000;
const header = HEADER_NAME.toLowerCase();
const good = { authorization: basic(USER, PASSWORD), [header]: HEADER_SECRET };

let vault: KeyVaultTestServer;
let store: SecretStore;
const queue = new InMemoryJobQueue();
const handle = createWebhookHandler({ createQueue: () => queue, secretStore: () => store });

beforeAll(async () => {
  vault = await startKeyVaultServer();
  store = secretStoreOver(vault);
  useKeyVaultWebhookSettings(vault.vaultUri, {
    password: 'webhook-password',
    previousPassword: 'webhook-previous-password',
    headerSecret: 'webhook-header-secret',
  });
  vault.setSecret('webhook-password', PASSWORD);
  vault.setSecret('webhook-previous-password', PREVIOUS_PASSWORD);
  vault.setSecret('webhook-header-secret', HEADER_SECRET);
});

afterAll(async () => {
  await vault?.close();
});

beforeEach(() => {
  store.invalidate();
  queue.down = false;
});

async function deliverMany(headers: Record<string, string>, times = TIMES) {
  const statuses = new Map<number, number>();
  const lines: string[] = [];
  const before = queue.messages.length;
  for (let i = 0; i < times; i++) {
    const logged = loggedContext();
    const response = await handle(webhookRequest(createdSample, headers), logged.context);
    statuses.set(response.status ?? 200, (statuses.get(response.status ?? 200) ?? 0) + 1);
    lines.push(...logged.lines);
  }
  return { statuses: Object.fromEntries(statuses), queued: queue.messages.length - before, lines };
}

const { [header]: _secret, ...withoutHeader } = good;

describe('auth matrix', () => {
  it.each([
    ['no credentials', {}],
    ['a wrong user', { ...good, authorization: basic('someone-else', PASSWORD) }],
    ['a wrong password', { ...good, authorization: basic(USER, 'not-the-password-at-all') }],
    ['the header secret missing', withoutHeader],
    ['a wrong header secret', { ...good, [header]: 'not-the-header-secret' }],
  ])(`answers ${TIMES} times 401 to %s and queues nothing`, async (_name, headers) => {
    expect(await deliverMany(headers)).toMatchObject({ statuses: { 401: TIMES }, queued: 0 });
  });

  it(`accepts the previous password during the rotation (${TIMES} times, one job each)`, async () => {
    const previous = { ...good, authorization: basic(USER, PREVIOUS_PASSWORD) };
    expect(await deliverMany(previous)).toMatchObject({ statuses: { 202: TIMES }, queued: TIMES });
  });

  it.each([
    ['expired', { expiresOn: new Date(Date.now() - 1000) }, /expired on/],
    ['not yet valid', { notBefore: new Date(Date.now() + 60 * 60 * 1000) }, /is not valid before/],
    ['disabled', { enabled: false }, undefined],
  ])(
    `answers ${TIMES} times 401 to the previous password once it is %s, and logs why`,
    async (_name, attributes, why) => {
      vault.setSecret('webhook-previous-password', PREVIOUS_PASSWORD, attributes);
      try {
        const previous = { ...good, authorization: basic(USER, PREVIOUS_PASSWORD) };
        const outcome = await deliverMany(previous);
        expect(outcome).toMatchObject({ statuses: { 401: TIMES }, queued: 0 });
        if (why !== undefined) expect(outcome.lines.join('\n')).toMatch(why);
        // The current password still works.
        expect(await deliverMany(good, 1)).toMatchObject({ statuses: { 202: 1 }, queued: 1 });
        expect(outcome.lines.join('\n')).not.toContain(PREVIOUS_PASSWORD);
      } finally {
        vault.setSecret('webhook-previous-password', PREVIOUS_PASSWORD);
      }
    },
  );

  it('refuses a Key Vault password shorter than 16 characters, and logs why', async () => {
    vault.setSecret('webhook-password', 'short-password');
    try {
      const outcome = await deliverMany({ ...good, authorization: basic(USER, 'short-password') }, 10);
      expect(outcome).toMatchObject({ statuses: { 401: 10 }, queued: 0 });
      expect(outcome.lines.join('\n')).toMatch(
        /WEBHOOK_PASSWORD: Key Vault secret "webhook-password" is shorter/,
      );
      expect(outcome.lines.join('\n')).not.toContain('short-password');
    } finally {
      vault.setSecret('webhook-password', PASSWORD);
    }
  });

  it('warns about a webhook secret that expires within 7 days', async () => {
    const expiresOn = new Date(Date.now() + 3 * 24 * 60 * 60 * 1000);
    vault.setSecret('webhook-header-secret', HEADER_SECRET, { expiresOn });
    try {
      const outcome = await deliverMany(good, 1);
      expect(outcome.statuses).toEqual({ 202: 1 });
      expect(outcome.lines).toContainEqual(
        `warning: Webhook credentials: WEBHOOK_HEADER_SECRET expires on ${new Date(Math.floor(expiresOn.getTime() / 1000) * 1000).toISOString()}; rotate it`,
      );
    } finally {
      vault.setSecret('webhook-header-secret', HEADER_SECRET);
    }
  });
});

describe('faults', () => {
  it(`answers ${TIMES} times 503 while the queue is down, never a 2xx without a message`, async () => {
    queue.down = true;
    const outcome = await deliverMany(good);
    expect(outcome).toMatchObject({ statuses: { 503: TIMES }, queued: 0 });
  });

  it.each([
    ['a 500', 500],
    ['a 403 (a role assignment still propagating)', 403],
    ['a 429 with a long Retry-After', 429],
    ['no answer at all', 'hang' as const],
  ])('answers 503 within the deadline when Key Vault gives %s, and logs why', async (_name, failure) => {
    vault.failReads('webhook-password', failure);
    try {
      const logged = loggedContext();
      const before = queue.messages.length;
      const started = Date.now();
      const response = await handle(webhookRequest(createdSample, good), logged.context);
      const elapsed = Date.now() - started;
      console.log(`Key Vault ${String(failure)}: 503 after ${elapsed} ms`);
      expect(response.status).toBe(503);
      expect(queue.messages.length).toBe(before);
      expect(elapsed).toBeLessThan(KEY_VAULT_DEADLINE_MS + 3_000);
      const log = logged.lines.join('\n');
      expect(log).toMatch(
        /Could not read the webhook credentials: Could not read Key Vault secret "webhook-password"/,
      );
      expect(log).not.toContain(PASSWORD);
    } finally {
      vault.failReads('webhook-password', undefined);
    }
    const after = await deliverMany(good, 1);
    expect(after).toMatchObject({ statuses: { 202: 1 }, queued: 1 });
  });
});
