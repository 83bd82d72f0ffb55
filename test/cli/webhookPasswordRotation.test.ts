import { SecretClient } from '@azure/keyvault-secrets';
import { app } from '@azure/functions';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { startFunctionsHost, type FunctionsHost } from '../../dev/host/functionsHost';
import { startKeyVaultServer, type KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import { projectRoot } from '../../dev/sandbox/sandbox';
import { createWebhookHandler } from '../../functions/webhook';
import { runRotateWebhookPasswordCommand } from '../../shared/cli/rotateWebhookPasswordCommand';
import { runSetupHooksCommand } from '../../shared/cli/setupHooksCommand';
import { REREAD_INTERVAL_MS, type SecretStore } from '../../shared/secrets/secretStore';
import { useTwoOrganizations } from './twoOrganizations';
import { capturedOutput } from '../support/capturedOutput';
import { secretStoreOver } from '../support/keyVaultSecretStore';

/** What a command writes to its two streams. */
function commandOutput() {
  const [out, err] = [capturedOutput(), capturedOutput()];
  return { io: { out: out.stream, err: err.stream }, out: out.text, err: err.text };
}
import {
  basic,
  createdSample,
  InMemoryJobQueue,
  USER,
  useKeyVaultWebhookSettings,
} from '../webhook/webhookHarness';

/**
 * The webhook password rotated while deliveries flow, through the stand-in host, the local Key Vault (real SDK)
 * and the Azure DevOps test server: no delivery is refused when the sender switches the moment Key Vault holds the
 * new password, wrong passwords cost Key Vault almost nothing, a disabled previous password stops working within
 * the re-read interval, and `rotate-webhook-password` does the whole rotation, carrying on after an interruption —
 * also across two organizations signed in to with their own credentials (a PAT, the local managed identity).
 */

const PASSWORD_SECRET = 'webhook-password';
const PREVIOUS_SECRET = 'webhook-previous-password';
const FIRST = 'first-webhook-password-0123456789';

let vault: KeyVaultTestServer;
let store: SecretStore;
let host: FunctionsHost;
let devops: AzureDevOpsTestServer;
const queue = new InMemoryJobQueue();
let endpoint: string;

beforeAll(async () => {
  vault = await startKeyVaultServer();
  store = secretStoreOver(vault);
  useKeyVaultWebhookSettings(vault.vaultUri, {
    password: PASSWORD_SECRET,
    previousPassword: PREVIOUS_SECRET,
  });
  vault.setSecret(PASSWORD_SECRET, FIRST);
  // The app's handler over this test's vault, served by the stand-in host next to the app's own functions.
  app.http('rotationWebhook', {
    route: 'rotation/azure_webhooks',
    methods: ['POST'],
    authLevel: 'anonymous',
    handler: createWebhookHandler({ createQueue: () => queue, secretStore: () => store }),
  });
  host = await startFunctionsHost({ appRoot: projectRoot, entryModules: [] });
  endpoint = `${host.url}/rotation/azure_webhooks`;
  devops = await startAzureDevOpsServer({ organization: 'rotation' });
  devops.createProject('demo');
}, 60_000);

afterAll(async () => {
  await host?.close();
  await devops?.close();
  await vault?.close();
});

const post = async (password: string, user = USER): Promise<number> =>
  (
    await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: basic(user, password), 'content-type': 'application/json' },
      body: createdSample,
    })
  ).status;

const reads = () => vault.secretReads(PASSWORD_SECRET) + vault.secretReads(PREVIOUS_SECRET);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('deliveries during a rotation', () => {
  it('are never refused when the sender switches the moment Key Vault holds the new password', async () => {
    const second = 'second-webhook-password-0123456789';
    let sending = FIRST;
    const statuses: number[] = [];
    let stop = false;
    const sender = async () => {
      while (!stop) statuses.push(await post(sending));
    };
    const senders = Promise.all([sender(), sender(), sender(), sender()]);
    await sleep(1_000);
    vault.setSecret(PREVIOUS_SECRET, FIRST);
    vault.setSecret(PASSWORD_SECRET, second);
    sending = second;
    const switched = statuses.length;
    await sleep(REREAD_INTERVAL_MS + 1_000);
    stop = true;
    await senders;
    const counts = statuses.reduce<Record<number, number>>(
      (tally, status) => ({ ...tally, [status]: (tally[status] ?? 0) + 1 }),
      {},
    );
    console.log(
      `rotation mid-stream: ${statuses.length} deliveries (${switched} before the switch): ${JSON.stringify(counts)}`,
    );
    expect(counts).toEqual({ 202: statuses.length });
    expect(statuses.length - switched).toBeGreaterThan(10);
  });

  it('costs a handful of Key Vault reads for 200 deliveries with a wrong password', async () => {
    const before = reads();
    const sequential: number[] = [];
    for (let i = 0; i < 150; i++) sequential.push(await post('a-wrong-password-0123456789'));
    // Different wrong passwords at once: they share the re-reads.
    const concurrent = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(`wrong-password-number-${i}-0123456789`)),
    );
    const spent = reads() - before;
    console.log(`200 wrong passwords: ${spent} Key Vault reads`);
    expect([...sequential, ...concurrent].every((status) => status === 401)).toBe(true);
    expect(spent).toBeLessThanOrEqual(6);
  });

  it('refuses a disabled previous password once the re-read interval has passed', async () => {
    const third = 'third-webhook-password-0123456789';
    const second = 'second-webhook-password-0123456789';
    vault.setSecret(PREVIOUS_SECRET, second);
    vault.setSecret(PASSWORD_SECRET, third);
    // As a rotation by hand must (docs/deployment.md): the new password is used once a re-read may take place, not
    // within REREAD_INTERVAL_MS of the last one (the wrong passwords above caused one).
    await sleep(REREAD_INTERVAL_MS + 100);
    expect(await post(third)).toBe(202);
    expect(await post(second)).toBe(202);
    const [latest] = vault.versions(PREVIOUS_SECRET).slice(-1);
    const client = new SecretClient(vault.vaultUri, vault.credential, vault.clientOptions);
    await client.updateSecretProperties(PREVIOUS_SECRET, latest.version, { enabled: false });
    const disabledAt = Date.now();
    let status = await post(second);
    while (status === 202 && Date.now() - disabledAt < REREAD_INTERVAL_MS * 3) {
      await sleep(200);
      status = await post(second);
    }
    const after = Date.now() - disabledAt;
    console.log(`disabled previous password refused ${after} ms after the disable`);
    expect(status).toBe(401);
    expect(after).toBeLessThan(REREAD_INTERVAL_MS + 1_500);
    expect(await post(second)).toBe(401);
    expect(await post(third)).toBe(202);
  });
});

/** The command's ports over the local Key Vault. */
const ports = {
  secretClient: (uri: string) => new SecretClient(uri, vault.credential, vault.clientOptions),
  stdin: process.stdin,
  sleep,
};
const current = async () => (await ports.secretClient(vault.vaultUri).getSecret(PASSWORD_SECRET)).value;

describe('ado-reviewer rotate-webhook-password', () => {
  const subscriptionPasswords = () =>
    devops
      .serviceHookSubscriptions()
      .map((subscription) => (subscription.consumerInputs as Record<string, string>).basicAuthPassword);

  it('rotates end to end, and carries on after an interruption once the secrets are written', async () => {
    const old = (await current()) as string;
    const env = { AZURE_DEVOPS_PAT: devops.token, WEBHOOK_USERNAME: USER };
    const appUrl = `${host.url}/rotation`;
    const setup = commandOutput();
    expect(
      await runSetupHooksCommand(['--org', devops.orgUrl, '--project', 'demo', '--url', appUrl], {
        env: { ...env, WEBHOOK_PASSWORD: old },
        ...setup.io,
      }),
    ).toBe(0);
    expect(subscriptionPasswords()).toEqual([old, old, old]);

    const args = ['--org', devops.orgUrl, '--project', 'demo', '--url', appUrl, '--vault', vault.vaultUri];
    // Interrupted after the secrets are written: the app cannot be reached to probe.
    const first = commandOutput();
    const unreachable = ['--app-url', 'http://127.0.0.1:9/rotation', '--timeout', '1'];
    expect(
      await runRotateWebhookPasswordCommand([...args, ...unreachable], { env, ...first.io }, ports),
    ).toBe(1);
    const fresh = (await current()) as string;
    expect(fresh).not.toBe(old);
    expect(fresh.length).toBeGreaterThanOrEqual(32);
    expect((await ports.secretClient(vault.vaultUri).getSecret(PREVIOUS_SECRET)).value).toBe(old);
    expect(subscriptionPasswords()).toEqual([old, old, old]);
    expect(first.err()).toMatch(/did not accept the new password within 1 s .* run the command again/);

    const second = commandOutput();
    expect(await runRotateWebhookPasswordCommand([...args, '--finish'], { env, ...second.io }, ports)).toBe(
      0,
    );
    expect(await current()).toBe(fresh);
    expect(second.out()).toMatch(/carrying on rotation [0-9a-f-]+ \(written\)/);
    expect(second.out()).toMatch(/accepts the new password/);
    expect(second.out().match(/^updated /gm)).toHaveLength(3);
    expect(subscriptionPasswords()).toEqual([fresh, fresh, fresh]);
    const previous = vault.versions(PREVIOUS_SECRET);
    expect(previous.at(-1)?.enabled).toBe(false);
    expect(vault.versions(PASSWORD_SECRET).at(-1)?.tags).toMatchObject({
      'ado-reviewer-rotation-state': 'finished',
    });
    // setup-hooks with the new password finds nothing to change: the markers carry its fingerprint.
    const check = commandOutput();
    await runSetupHooksCommand(['--org', devops.orgUrl, '--project', 'demo', '--url', appUrl], {
      env: { ...env, WEBHOOK_PASSWORD: fresh },
      ...check.io,
    });
    expect(check.out().match(/^unchanged /gm)).toHaveLength(3);
    for (const output of [first.out(), first.err(), second.out(), second.err()]) {
      expect(output).not.toContain(fresh);
      expect(output).not.toContain(old);
      expect(output).not.toContain(devops.token);
    }
    expect(await post(fresh)).toBe(202);
    await sleep(REREAD_INTERVAL_MS);
    expect(await post(old)).toBe(401);
  }, 60_000);
});

describe('ado-reviewer rotate-webhook-password --all-organizations', () => {
  const orgs = useTwoOrganizations({ contoso: ['Web'], fabrikam: ['Shared'] });

  /** The app's settings (contoso with its PAT, or `contosoPat`; fabrikam with the managed identity). */
  const environment = (contosoPat?: string): NodeJS.ProcessEnv => ({
    AZURE_DEVOPS_ORGANIZATIONS: orgs.settings(contosoPat),
    WEBHOOK_USERNAME: USER,
  });
  const appUrl = () => `${host.url}/rotation`;
  const target = (...organizations: string[]) => [
    ...organizations,
    '--all-projects',
    '--url',
    appUrl(),
    '--vault',
    vault.vaultUri,
    '--finish',
  ];
  const passwords = (server: AzureDevOpsTestServer) =>
    server
      .serviceHookSubscriptions()
      .map((subscription) => (subscription.consumerInputs as Record<string, string>).basicAuthPassword);
  const latestPrevious = () => vault.versions(PREVIOUS_SECRET).at(-1);
  const rotationTags = () => vault.versions(PASSWORD_SECRET).at(-1)?.tags ?? {};
  const leaked: string[] = [];

  /** Runs the command; its output may hold no password, PAT or token, checked once the test knows them all. */
  async function rotateWith(args: string[], env: NodeJS.ProcessEnv) {
    const output = commandOutput();
    const code = await runRotateWebhookPasswordCommand(args, { env, ...output.io }, ports);
    leaked.push(output.out(), output.err());
    return { code, out: output.out(), err: output.err() };
  }

  function expectNothingSecretPrinted(secrets: string[]) {
    const tokens = orgs.fabrikam.authorizations.map((header) => header.replace(/^Bearer /, ''));
    for (const text of leaked.splice(0))
      for (const secret of [...secrets, orgs.contoso.token, ...tokens]) expect(text).not.toContain(secret);
  }

  /** Both organizations' subscriptions made by setup-hooks with the current password, which it returns. */
  async function hooksEverywhere(): Promise<string> {
    const old = (await current()) as string;
    const setup = commandOutput();
    const args = ['--all-organizations', '--all-projects', '--url', appUrl()];
    expect(
      await runSetupHooksCommand(args, { env: { ...environment(), WEBHOOK_PASSWORD: old }, ...setup.io }),
    ).toBe(0);
    expect([passwords(orgs.contoso), passwords(orgs.fabrikam)]).toEqual([
      [old, old, old],
      [old, old, old],
    ]);
    return old;
  }

  /** Whether the previous password was still enabled in Key Vault as each subscription update reached `server`. */
  function previousEnabledAtEachUpdate(server: AzureDevOpsTestServer): boolean[] {
    const seen: boolean[] = [];
    server.faults.inject({
      matches: ({ method, path }) => {
        if (method === 'PUT' && path.includes('/_apis/hooks/subscriptions/'))
          seen.push(latestPrevious()?.enabled === true);
        return false;
      },
    });
    return seen;
  }

  const lines = (server: AzureDevOpsTestServer, outcome: string, project: string) =>
    ['git.pullrequest.created', 'git.pullrequest.updated', 'ms.vss-code.git-pullrequest-comment-event'].map(
      (eventType) => `${server.orgUrl}: ${outcome} ${eventType} ${project}`,
    );
  const changeLines = (out: string) => out.split('\n').filter((line) => / (updated|unchanged) /.test(line));

  it("gives both organizations' subscriptions the new password, each with its own credential, then disables the previous one", async () => {
    const old = await hooksEverywhere();
    const seen = [previousEnabledAtEachUpdate(orgs.contoso), previousEnabledAtEachUpdate(orgs.fabrikam)];
    const sent = [orgs.contoso.authorizations.length, orgs.fabrikam.authorizations.length];

    const run = await rotateWith(target('--all-organizations'), environment());

    expect(run.code).toBe(0);
    const fresh = (await current()) as string;
    expect(fresh).not.toBe(old);
    expect([passwords(orgs.contoso), passwords(orgs.fabrikam)]).toEqual([
      [fresh, fresh, fresh],
      [fresh, fresh, fresh],
    ]);
    expect(changeLines(run.out)).toEqual([
      ...lines(orgs.contoso, 'updated', 'Web'),
      ...lines(orgs.fabrikam, 'updated', 'Shared'),
    ]);
    // Every update in either organization happened while the previous password was still valid.
    expect(seen).toEqual([
      [true, true, true],
      [true, true, true],
    ]);
    expect(latestPrevious()?.enabled).toBe(false);
    expect(rotationTags()).toMatchObject({
      'ado-reviewer-rotation-state': 'finished',
      'ado-reviewer-rotation-organizations': 'all',
    });
    // The rotation itself signed in to each, and each server only ever saw its own organization's credential.
    expect(orgs.contoso.authorizations.length).toBeGreaterThan(sent[0]);
    expect(orgs.fabrikam.authorizations.length).toBeGreaterThan(sent[1]);
    orgs.expectOwnCredentialsOnly();
    expectNothingSecretPrinted([old, fresh]);
    expect(await post(fresh)).toBe(202);
  }, 60_000);

  it('keeps the previous password when one organization refuses its credential, names it, and a re-run after the fix finishes', async () => {
    const old = await hooksEverywhere();
    const wrongPat = 'not-the-contoso-pat-0f3b';

    const failed = await rotateWith(target('--all-organizations'), environment(wrongPat));

    expect(failed.code).toBe(1);
    const fresh = (await current()) as string;
    expect(fresh).not.toBe(old);
    expect(failed.err).toContain(
      `ado-reviewer rotate-webhook-password: ${orgs.contoso.orgUrl}: GET /contoso/_apis/projects: the PAT was not ` +
        'accepted (HTTP 401); check AZURE_DEVOPS_ORGANIZATIONS[0]',
    );
    expect(failed.err).toContain(
      `not done in 1 of 2 organizations (${orgs.contoso.orgUrl}); the previous password stays valid: run the command ` +
        'again to carry on',
    );
    // The other organization is done; the refusing one still sends the previous password, which stays valid.
    expect([passwords(orgs.contoso), passwords(orgs.fabrikam)]).toEqual([
      [old, old, old],
      [fresh, fresh, fresh],
    ]);
    expect(latestPrevious()?.enabled).toBe(true);
    expect(rotationTags()['ado-reviewer-rotation-state']).toBe('written');
    expect(await post(old)).toBe(202);

    // A rotation of every organization cannot be finished from one of them.
    const narrow = await rotateWith(target('--org', orgs.fabrikam.orgUrl), environment());
    expect(narrow.code).toBe(2);
    expect(narrow.err).toContain(
      `rotation ${rotationTags()['ado-reviewer-rotation']} was started with --all-organizations`,
    );
    expect(latestPrevious()?.enabled).toBe(true);

    const resumed = await rotateWith(target('--all-organizations'), environment());

    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain(
      `carrying on rotation ${rotationTags()['ado-reviewer-rotation']} (written)`,
    );
    expect(await current()).toBe(fresh);
    expect(changeLines(resumed.out)).toEqual([
      ...lines(orgs.contoso, 'updated', 'Web'),
      ...lines(orgs.fabrikam, 'unchanged', 'Shared'),
    ]);
    expect([passwords(orgs.contoso), passwords(orgs.fabrikam)]).toEqual([
      [fresh, fresh, fresh],
      [fresh, fresh, fresh],
    ]);
    expect(latestPrevious()?.enabled).toBe(false);
    expect(rotationTags()['ado-reviewer-rotation-state']).toBe('finished');
    expectNothingSecretPrinted([old, fresh, wrongPat]);
  }, 60_000);

  it('takes either --org or --all-organizations, not both', async () => {
    const run = await rotateWith(target('--all-organizations', '--org', orgs.contoso.orgUrl), environment());

    expect(run.code).toBe(2);
    expect(run.err).toContain(
      'ado-reviewer rotate-webhook-password: --all-organizations: give either it or --org\n',
    );
    expect(orgs.contoso.authorizations).toEqual([]);
  });

  it("rotates an --org of the settings with its configured credential, warning that the others' subscriptions are left", async () => {
    const old = await hooksEverywhere();
    const sentToContoso = orgs.contoso.authorizations.length;

    const run = await rotateWith(target('--org', orgs.fabrikam.orgUrl), environment());

    expect(run.code).toBe(0);
    const fresh = (await current()) as string;
    expect(passwords(orgs.fabrikam)).toEqual([fresh, fresh, fresh]);
    expect(run.out).toContain('updated git.pullrequest.created Shared\n');
    expect(run.out).not.toContain(`${orgs.fabrikam.orgUrl}: `);
    expect(orgs.fabrikam.authorizations.every((header) => header.startsWith('Bearer '))).toBe(true);
    expect(orgs.contoso.authorizations.length).toBe(sentToContoso);
    expect(run.err).toContain(
      `warning: the app's settings name other organizations too (${orgs.contoso.orgUrl}): their subscriptions keep ` +
        'the previous password',
    );
    expectNothingSecretPrinted([old, fresh]);
  }, 60_000);
});
