import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { startEntraTokenServer } from '../../dev/identity/entraTokenServer';
import { runRemoveHooksCommand, runSetupHooksCommand } from '../../shared/cli/setupHooksCommand';
import { capturedOutput } from '../support/capturedOutput';
import { AZURE_DEVOPS_RESOURCE, useTwoOrganizations } from './twoOrganizations';

/**
 * setup-hooks / remove-hooks across the organizations of the app's settings (AZURE_DEVOPS_ORGANIZATIONS): two Azure
 * DevOps test servers, contoso signed in to with a PAT and fabrikam with the app's managed identity (the local
 * managed-identity endpoint issues the tokens, fabrikam accepts only those), over real HTTP on loopback; and the
 * three sign-in modes at once through the command line in a child process, a service principal's organization added.
 */

const APP_URL = 'https://reviewer-app.example.net';
const PASSWORD = 'correct-horse-battery-staple';
const EVENT_TYPES = [
  'git.pullrequest.created',
  'git.pullrequest.updated',
  'ms.vss-code.git-pullrequest-comment-event',
];
const orgs = useTwoOrganizations({ contoso: ['Web', 'Shared'], fabrikam: ['Shared'] });

const basic = (token: string) => `Basic ${Buffer.from(`:${token}`).toString('base64')}`;

const environment = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  AZURE_DEVOPS_ORGANIZATIONS: orgs.settings(),
  WEBHOOK_USERNAME: 'ado-hooks',
  WEBHOOK_PASSWORD: PASSWORD,
  ...overrides,
});

/** Runs a command in-process with captured output; no run may print the webhook password or a PAT. */
async function run(command: typeof runSetupHooksCommand, args: string[], env = environment()) {
  const [stdout, stderr] = [capturedOutput(), capturedOutput()];
  const code = await command(args, { env, out: stdout.stream, err: stderr.stream });
  const [out, err] = [stdout.text(), stderr.text()];
  for (const secret of [PASSWORD, orgs.contoso.token, orgs.fabrikam.token])
    expect(out + err).not.toContain(secret);
  return { code, out, err, lines: out.split('\n').filter((line) => line !== '') };
}

const everywhere = ['--all-organizations', '--all-projects', '--url', APP_URL];
const lines = (server: AzureDevOpsTestServer, outcome: string, projects: string[]) =>
  projects.flatMap((project) =>
    EVENT_TYPES.map((eventType) => `${server.orgUrl}: ${outcome} ${eventType} ${project}`),
  );
const hookWrites = (server: AzureDevOpsTestServer) =>
  server.writes.filter((write) => write.path.includes('/_apis/hooks/'));

describe('setup-hooks --all-organizations', () => {
  it('creates the subscriptions in every organization, each signed in with its own credential; again: unchanged', async () => {
    const result = await run(runSetupHooksCommand, everywhere);

    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      ...lines(orgs.contoso, 'created', ['Web', 'Shared']),
      ...lines(orgs.fabrikam, 'created', ['Shared']),
    ]);
    expect(orgs.contoso.serviceHookSubscriptions()).toHaveLength(6);
    expect(orgs.fabrikam.serviceHookSubscriptions()).toHaveLength(3);
    orgs.expectOwnCredentialsOnly();
    expect(orgs.identity.requests.at(-1)).toMatchObject({ resource: AZURE_DEVOPS_RESOURCE, status: 200 });

    const writes = [hookWrites(orgs.contoso).length, hookWrites(orgs.fabrikam).length];
    const again = await run(runSetupHooksCommand, everywhere);

    expect(again.code).toBe(0);
    expect(again.lines).toEqual([
      ...lines(orgs.contoso, 'unchanged', ['Web', 'Shared']),
      ...lines(orgs.fabrikam, 'unchanged', ['Shared']),
    ]);
    expect([hookWrites(orgs.contoso).length, hookWrites(orgs.fabrikam).length]).toEqual(writes);
    orgs.expectOwnCredentialsOnly();
  }, 30_000);

  it('prints what it would do with --dry-run and writes nothing anywhere', async () => {
    const result = await run(runSetupHooksCommand, [...everywhere, '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      ...lines(orgs.contoso, 'would create', ['Web', 'Shared']),
      ...lines(orgs.fabrikam, 'would create', ['Shared']),
    ]);
    expect(orgs.contoso.writes).toEqual([]);
    expect(orgs.fabrikam.writes).toEqual([]);
  }, 30_000);

  it('sets up the other organizations when one refuses its credential, and exits 1 naming it and why', async () => {
    const wrongPat = 'not-the-contoso-pat-0f3b';
    const result = await run(
      runSetupHooksCommand,
      everywhere,
      environment({ AZURE_DEVOPS_ORGANIZATIONS: orgs.settings(wrongPat) }),
    );

    expect(result.code).toBe(1);
    expect(result.lines).toEqual(lines(orgs.fabrikam, 'created', ['Shared']));
    expect(orgs.fabrikam.serviceHookSubscriptions()).toHaveLength(3);
    expect(orgs.contoso.serviceHookSubscriptions()).toEqual([]);
    expect(result.err).toContain(
      `ado-reviewer setup-hooks: ${orgs.contoso.orgUrl}: GET /contoso/_apis/projects: the PAT was not accepted ` +
        '(HTTP 401); check AZURE_DEVOPS_ORGANIZATIONS[0]',
    );
    expect(result.err).toContain(`not done in 1 of 2 organizations: ${orgs.contoso.orgUrl}\n`);
    expect(result.err).not.toContain(wrongPat);
  }, 30_000);

  it('reports an organization it cannot reach with the cause, and still sets up the others', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const gone = `http://127.0.0.1:${closedPort}/gone`;
    const env = environment({
      AZURE_DEVOPS_ORGANIZATIONS: orgs.settings(orgs.contoso.token, [
        { url: gone, auth: 'pat', token: 'gone-pat-7c1d' },
      ]),
    });

    const result = await run(runSetupHooksCommand, everywhere, env);

    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      ...lines(orgs.contoso, 'created', ['Web', 'Shared']),
      ...lines(orgs.fabrikam, 'created', ['Shared']),
    ]);
    expect(result.err).toContain(`ado-reviewer setup-hooks: ${gone}: GET /gone/_apis/projects: `);
    expect(result.err).toContain('ECONNREFUSED');
    expect(result.err).not.toContain('gone-pat-7c1d');
  }, 30_000);

  it('tries once more when Azure DevOps refuses a managed-identity token', async () => {
    orgs.fabrikam.faults.inject({
      matches: ({ method, path }) => method === 'GET' && path.endsWith('/_apis/hooks/subscriptions'),
      times: 1,
      status: 401,
    });

    const result = await run(runSetupHooksCommand, everywhere);

    expect(result.code).toBe(0);
    expect(orgs.fabrikam.serviceHookSubscriptions()).toHaveLength(3);
    const listed = orgs.fabrikam.faults.requests.filter(
      (request) => request.method === 'GET' && request.url.includes('/_apis/hooks/subscriptions?'),
    );
    expect(listed.map((request) => request.status)).toEqual([401, 200]);
    orgs.expectOwnCredentialsOnly();
  }, 30_000);

  it('leaves an organization without a named project as it is (exit 2) and sets up the others', async () => {
    const result = await run(runSetupHooksCommand, [
      '--all-organizations',
      '--project',
      'Web',
      '--url',
      APP_URL,
    ]);

    expect(result.code).toBe(2);
    expect(result.lines).toEqual(lines(orgs.contoso, 'created', ['Web']));
    expect(result.err).toContain(
      `ado-reviewer setup-hooks: ${orgs.fabrikam.orgUrl}: project "Web" not found in ${orgs.fabrikam.orgUrl}`,
    );
    expect(hookWrites(orgs.fabrikam)).toEqual([]);

    const shared = await run(runSetupHooksCommand, [
      '--all-organizations',
      '--project',
      'shared',
      '--url',
      APP_URL,
    ]);
    expect(shared.code).toBe(0);
    expect(shared.lines).toEqual([
      ...lines(orgs.contoso, 'created', ['Shared']),
      ...lines(orgs.fabrikam, 'created', ['Shared']),
    ]);
  }, 30_000);

  it('takes the classic single organization (AZURE_DEVOPS_ORG_URL and its bot token) as the list', async () => {
    const env = environment({
      AZURE_DEVOPS_ORGANIZATIONS: undefined,
      AZURE_DEVOPS_ORG_URL: orgs.contoso.orgUrl,
      AZURE_DEVOPS_BOT_TOKEN: orgs.contoso.token,
      AZURE_DEVOPS_PAT: 'an-admin-pat-not-used',
    });

    const result = await run(runSetupHooksCommand, everywhere, env);

    expect(result.code).toBe(0);
    expect(result.lines).toEqual(lines(orgs.contoso, 'created', ['Web', 'Shared']));
    expect(result.err).toContain('warning: AZURE_DEVOPS_PAT is not used with --all-organizations');
    expect(orgs.contoso.authorizations.every((header) => header === basic(orgs.contoso.token))).toBe(true);
  }, 30_000);
});

describe('remove-hooks --all-organizations', () => {
  it('deletes the subscriptions in every organization', async () => {
    await run(runSetupHooksCommand, everywhere);

    const dryRun = await run(runRemoveHooksCommand, [...everywhere, '--dry-run']);
    expect(dryRun.lines).toEqual([
      ...lines(orgs.contoso, 'would delete', ['Web', 'Shared']),
      ...lines(orgs.fabrikam, 'would delete', ['Shared']),
    ]);
    expect(orgs.fabrikam.serviceHookSubscriptions()).toHaveLength(3);

    const env = environment({ WEBHOOK_USERNAME: undefined, WEBHOOK_PASSWORD: undefined });
    const result = await run(runRemoveHooksCommand, everywhere, env);

    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      ...lines(orgs.contoso, 'deleted', ['Web', 'Shared']),
      ...lines(orgs.fabrikam, 'deleted', ['Shared']),
    ]);
    expect(orgs.contoso.serviceHookSubscriptions()).toEqual([]);
    expect(orgs.fabrikam.serviceHookSubscriptions()).toEqual([]);
    orgs.expectOwnCredentialsOnly();
  }, 30_000);
});

describe('--org naming an organization of the settings', () => {
  it("uses that organization's configured credential when no AZURE_DEVOPS_PAT is given", async () => {
    const args = ['--org', orgs.fabrikam.orgUrl, '--project', 'Shared', '--url', APP_URL];
    const result = await run(runSetupHooksCommand, args);

    expect(result.code).toBe(0);
    expect(result.lines).toEqual(EVENT_TYPES.map((eventType) => `created ${eventType} Shared`));
    expect(orgs.fabrikam.authorizations.every((header) => header.startsWith('Bearer '))).toBe(true);
    expect(orgs.contoso.authorizations).toEqual([]);

    const removed = await run(runRemoveHooksCommand, args);
    expect(removed.lines).toEqual(EVENT_TYPES.map((eventType) => `deleted ${eventType} Shared`));
  }, 30_000);

  it('uses AZURE_DEVOPS_PAT when it is given, as without the settings', async () => {
    const result = await run(
      runSetupHooksCommand,
      ['--org', orgs.contoso.orgUrl, '--project', 'Web', '--url', APP_URL],
      environment({
        AZURE_DEVOPS_ORGANIZATIONS: orgs.settings('a-stale-configured-pat'),
        AZURE_DEVOPS_PAT: orgs.contoso.token,
      }),
    );

    expect(result.code).toBe(0);
    expect(orgs.contoso.authorizations.every((header) => header === basic(orgs.contoso.token))).toBe(true);
  }, 30_000);
});

describe('bad invocations exit 2', () => {
  it.each([
    ['--all-organizations: give either it or --org/--repo-url', ['--org', 'https://dev.azure.com/x']],
    [
      '--repo-url: give either it or --org',
      ['--repo-url', 'https://dev.azure.com/x/p/_git/r', '--all-projects'],
    ],
  ])('%s', async (message, extra) => {
    const result = await run(runSetupHooksCommand, [...everywhere, ...extra]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });

  it('names what is wrong with the settings --all-organizations reads', async () => {
    const result = await run(
      runSetupHooksCommand,
      everywhere,
      environment({ AZURE_DEVOPS_ORGANIZATIONS: '[{"url": "http://dev.azure.com/plain-http"}]' }),
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain('--all-organizations: AZURE_DEVOPS_ORGANIZATIONS');
    expect(result.err).toContain('must be an https URL');
    expect(orgs.contoso.authorizations).toEqual([]);
  });

  it('an --org the settings do not name needs a PAT', async () => {
    const result = await run(runSetupHooksCommand, [
      '--org',
      'https://dev.azure.com/elsewhere',
      '--all-projects',
      '--url',
      APP_URL,
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN): is required');
    expect(result.err).toContain('https://dev.azure.com/elsewhere is not one of them');
  });
});

describe('all three sign-in modes', () => {
  const tenantId = '8f0d3c2e-5b1a-4c47-9d2e-0a6b7c8d9e10';
  const clientId = '2c7e9a41-0f3b-4d6e-8a15-b3c4d5e6f708';
  const clientSecret = 'sp-secret-never-shown~Q8';

  it('sets up an organization signed in to as a service principal next to the PAT and managed-identity ones', async () => {
    const entra = await startEntraTokenServer({ tenantId, clientId, clientSecret });
    const principal = await startAzureDevOpsServer({
      organization: 'principal',
      acceptsBearerToken: (token) => entra.isValid(token, AZURE_DEVOPS_RESOURCE),
    });
    principal.createProject('Tools');
    const caDirectory = await mkdtemp(path.join(tmpdir(), 'hooks-entra-ca-'));
    try {
      const caFile = path.join(caDirectory, 'ca.pem');
      await writeFile(caFile, entra.caCertificate);
      const organizations = orgs.settings(orgs.contoso.token, [
        {
          url: principal.orgUrl,
          auth: 'service-principal',
          tenantId,
          clientId,
          clientSecret,
          authorityHost: entra.authorityHost,
        },
      ]);
      // MSAL takes an https authority only and Node reads extra CAs at start: the command runs in its own process.
      const root = path.join(__dirname, '../..');
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [
          '-r',
          path.join(root, 'test/support/transpileOnRequire.js'),
          '-e',
          "require('./shared/cli/main').main(['node', 'ado-reviewer', ...process.argv.slice(1)]).then((code) => { process.exitCode = code; })",
          'setup-hooks',
          ...everywhere,
        ],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH,
            NODE_NO_WARNINGS: '1',
            NODE_EXTRA_CA_CERTS: caFile,
            IDENTITY_ENDPOINT: orgs.identity.endpoint,
            IDENTITY_HEADER: orgs.identity.header,
            AZURE_DEVOPS_ORGANIZATIONS: organizations,
            WEBHOOK_USERNAME: 'ado-hooks',
            WEBHOOK_PASSWORD: PASSWORD,
          },
        },
      );

      expect(stderr).toBe('');
      expect(stdout.split('\n').filter(Boolean)).toEqual([
        ...lines(orgs.contoso, 'created', ['Web', 'Shared']),
        ...lines(orgs.fabrikam, 'created', ['Shared']),
        ...lines(principal, 'created', ['Tools']),
      ]);
      expect(stdout).not.toContain(clientSecret);
      expect(principal.serviceHookSubscriptions()).toHaveLength(3);
      orgs.expectOwnCredentialsOnly();
      expect(principal.authorizations.length).toBeGreaterThan(0);
      for (const header of principal.authorizations) {
        expect(header).toMatch(/^Bearer /);
        expect(entra.isValid(header.slice('Bearer '.length), AZURE_DEVOPS_RESOURCE)).toBe(true);
        expect(orgs.identity.isValid(header.slice('Bearer '.length))).toBe(false);
      }
      expect(entra.requests).toContainEqual(
        expect.objectContaining({ tenant: tenantId, clientId, status: 200 }),
      );
    } finally {
      await principal.close();
      await entra.close();
      await rm(caDirectory, { recursive: true, force: true });
    }
  }, 60_000);
});
