import { runRemoveHooksCommand, runSetupHooksCommand } from '../../shared/cli/setupHooksCommand';
import {
  type AzureDevOpsTestServer,
  type Json,
  startAzureDevOpsServer,
} from '../../dev/azure-devops/azureDevOpsServer';
import { capturedOutput } from '../support/capturedOutput';

const APP_URL = 'https://reviewer-app.example.net';
const WEBHOOK_URL = `${APP_URL}/azure_webhooks`;
const USERNAME = 'ado-hooks';
const PASSWORD = 'correct-horse-battery-staple';
const EVENT_TYPES = [
  'git.pullrequest.created',
  'git.pullrequest.updated',
  'ms.vss-code.git-pullrequest-comment-event',
];

let server: AzureDevOpsTestServer;
let demo: Json & { id: string; name: string };

beforeEach(async () => {
  // One project per page, so every run follows the projects list's continuation token.
  server = await startAzureDevOpsServer({ projectPageSize: 1 });
  server.createProject('Ops');
  demo = server.createProject('Demo');
});

afterEach(() => server.close());

const environment = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  AZURE_DEVOPS_PAT: server.token,
  WEBHOOK_USERNAME: USERNAME,
  WEBHOOK_PASSWORD: PASSWORD,
  ...overrides,
});

type HooksCommand = typeof runSetupHooksCommand;

/** Runs a command in-process with captured output; no run may print the password or the PAT. */
async function run(command: HooksCommand, args: string[], env = environment()) {
  const [stdout, stderr] = [capturedOutput(), capturedOutput()];
  const code = await command(args, { env, out: stdout.stream, err: stderr.stream });
  const [out, err] = [stdout.text(), stderr.text()];
  expect(out + err).not.toContain(PASSWORD);
  expect(out + err).not.toContain(server.token);
  return { code, out, err, lines: out.split('\n').filter((line) => line !== '') };
}

const setup = (...args: string[]) => run(runSetupHooksCommand, ['--org', server.orgUrl, ...args]);
const remove = (...args: string[]) => run(runRemoveHooksCommand, ['--org', server.orgUrl, ...args]);

const hookWrites = () => server.writes.filter((write) => write.path.includes('/_apis/hooks/'));
interface StoredSubscription {
  id: string;
  eventType: string;
  publisherInputs: Record<string, string>;
  consumerInputs: Record<string, string>;
}
const stored = () => server.serviceHookSubscriptions() as unknown as StoredSubscription[];

async function restCall(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${server.orgUrl}/${path}?api-version=7.1`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`:${server.token}`).toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
}

const webHook = (eventType: string, projectId: string, url: string, consumerInputs: Json = {}) => ({
  publisherId: 'tfs',
  eventType,
  consumerId: 'webHooks',
  consumerActionId: 'httpRequest',
  publisherInputs: { projectId },
  consumerInputs: { url, ...consumerInputs },
});

describe('setup-hooks', () => {
  it('creates the three subscriptions with the inputs the webhook endpoint needs', async () => {
    const result = await setup('--project', 'Demo', '--url', APP_URL);

    expect(result.code).toBe(0);
    expect(result.lines).toEqual(EVENT_TYPES.map((eventType) => `created ${eventType} Demo`));
    const subscriptions = stored();
    expect(subscriptions.map((subscription) => subscription.eventType)).toEqual(EVENT_TYPES);
    for (const subscription of subscriptions) {
      expect(subscription).toMatchObject({
        publisherId: 'tfs',
        consumerId: 'webHooks',
        consumerActionId: 'httpRequest',
      });
      expect(subscription.publisherInputs.projectId).toBe(demo.id);
      expect(subscription.consumerInputs).toMatchObject({
        url: WEBHOOK_URL,
        basicAuthUsername: USERNAME,
        basicAuthPassword: PASSWORD,
        resourceDetailsToSend: 'all',
        messagesToSend: 'none',
        detailedMessagesToSend: 'none',
      });
    }
    const updated = subscriptions.find(
      (subscription) => subscription.eventType === 'git.pullrequest.updated',
    );
    expect(updated?.publisherInputs.notificationType).toBe('PushNotification');
    expect(
      subscriptions.filter((subscription) => 'notificationType' in subscription.publisherInputs),
    ).toHaveLength(1);
  });

  it('changes nothing when run twice', async () => {
    await setup('--project', 'Demo', '--url', APP_URL);
    const writesBefore = hookWrites().length;

    const second = await setup('--project', 'demo', '--url', `${APP_URL}/`);

    expect(second.code).toBe(0);
    expect(second.lines).toEqual(EVENT_TYPES.map((eventType) => `unchanged ${eventType} Demo`));
    expect(hookWrites()).toHaveLength(writesBefore);
  });

  it('updates the same subscriptions in place when the app moves to another host', async () => {
    await setup('--project', 'Demo', '--url', APP_URL);
    const ids = stored().map((subscription) => subscription.id);

    const moved = await setup('--project', 'Demo', '--url', 'https://reviewer-v2.example.net');

    expect(moved.lines).toEqual(EVENT_TYPES.map((eventType) => `updated ${eventType} Demo`));
    expect(stored().map((subscription) => subscription.id)).toEqual(ids);
    expect(stored().map((subscription) => subscription.consumerInputs.url)).toEqual(
      EVENT_TYPES.map(() => 'https://reviewer-v2.example.net/azure_webhooks'),
    );
  });

  it('notices a changed password or user name although Azure DevOps never returns the password', async () => {
    await setup('--project', 'Demo', '--url', APP_URL);
    const listed = await restCall('GET', '_apis/hooks/subscriptions');
    expect((listed.json.value as Array<Record<string, Json>>)[0].consumerInputs.basicAuthPassword).toBe(
      '********',
    );

    const newPassword = 'a-rotated-webhook-password';
    const rotated = await run(
      runSetupHooksCommand,
      ['--org', server.orgUrl, '--project', 'Demo', '--url', APP_URL],
      environment({ WEBHOOK_PASSWORD: newPassword }),
    );
    expect(rotated.lines).toEqual(EVENT_TYPES.map((eventType) => `updated ${eventType} Demo`));
    expect(rotated.out).not.toContain(newPassword);
    expect(stored().map((subscription) => subscription.consumerInputs.basicAuthPassword)).toEqual(
      EVENT_TYPES.map(() => newPassword),
    );

    const renamed = await run(
      runSetupHooksCommand,
      ['--org', server.orgUrl, '--project', 'Demo', '--url', APP_URL, '--username', 'reviewer-hooks'],
      environment({ WEBHOOK_PASSWORD: newPassword }),
    );
    expect(renamed.lines).toEqual(EVENT_TYPES.map((eventType) => `updated ${eventType} Demo`));
    expect(stored().map((subscription) => subscription.consumerInputs.basicAuthUsername)).toEqual(
      EVENT_TYPES.map(() => 'reviewer-hooks'),
    );
  });

  it('takes an empty resourceDetailsToSend for All, and restores delivery options changed by hand', async () => {
    await setup('--project', 'Demo', '--url', APP_URL);
    const [created, updated] = stored();
    const edit = (subscription: StoredSubscription, inputs: Record<string, string>) =>
      restCall('PUT', `_apis/hooks/subscriptions/${subscription.id}`, {
        ...subscription,
        consumerInputs: { ...subscription.consumerInputs, ...inputs },
      });
    expect((await edit(created, { resourceDetailsToSend: '' })).status).toBe(200);
    expect((await edit(updated, { messagesToSend: 'text' })).status).toBe(200);

    const result = await setup('--project', 'Demo', '--url', APP_URL);

    expect(result.lines).toEqual([
      `unchanged ${EVENT_TYPES[0]} Demo`,
      `updated ${EVENT_TYPES[1]} Demo`,
      `unchanged ${EVENT_TYPES[2]} Demo`,
    ]);
    expect(stored()[1].consumerInputs.messagesToSend).toBe('none');
  });

  it('covers every project with --all-projects, following the continuation token', async () => {
    const result = await setup('--all-projects', '--url', APP_URL);

    expect(result.code).toBe(0);
    expect(result.lines).toEqual(
      ['Ops', 'Demo'].flatMap((project) => EVENT_TYPES.map((eventType) => `created ${eventType} ${project}`)),
    );
    expect(stored()).toHaveLength(6);
    expect(new Set(stored().map((subscription) => subscription.publisherInputs.projectId)).size).toBe(2);
  });

  it('adopts a hand-made subscription to the app, and removes a copy that would deliver events twice', async () => {
    const handMade = await restCall(
      'POST',
      '_apis/hooks/subscriptions',
      webHook(EVENT_TYPES[0], demo.id, WEBHOOK_URL),
    );
    await restCall('POST', '_apis/hooks/subscriptions', webHook(EVENT_TYPES[0], demo.id, WEBHOOK_URL));

    const result = await setup('--project', 'Demo', '--url', APP_URL);

    expect(result.lines).toEqual([
      `updated ${EVENT_TYPES[0]} Demo`,
      `deleted ${EVENT_TYPES[0]} Demo`,
      `created ${EVENT_TYPES[1]} Demo`,
      `created ${EVENT_TYPES[2]} Demo`,
    ]);
    expect(stored().map((subscription) => subscription.id)).toContain(handMade.json.id);
    expect(stored()).toHaveLength(3);
  });

  it('prints what it would do with --dry-run and writes nothing', async () => {
    const dryRun = await setup('--project', 'Demo', '--url', APP_URL, '--dry-run');

    expect(dryRun.code).toBe(0);
    expect(dryRun.lines).toEqual(EVENT_TYPES.map((eventType) => `would create ${eventType} Demo`));
    expect(hookWrites()).toHaveLength(0);
  });
});

describe('remove-hooks', () => {
  it('deletes only the subscriptions setup-hooks made', async () => {
    await setup('--all-projects', '--url', APP_URL);
    const foreign = [
      webHook('git.push', demo.id, 'https://ci.example.com/hooks'),
      // Another app's endpoint of the same name on another host, not made by this tool.
      webHook(EVENT_TYPES[0], demo.id, 'https://other-reviewer.example.com/azure_webhooks'),
    ];
    const foreignIds = await Promise.all(
      foreign.map(async (body) => (await restCall('POST', '_apis/hooks/subscriptions', body)).json.id),
    );

    const dryRun = await remove('--project', 'Demo', '--url', APP_URL, '--dry-run');
    expect(dryRun.lines).toEqual(EVENT_TYPES.map((eventType) => `would delete ${eventType} Demo`));
    expect(stored()).toHaveLength(8);

    const result = await remove('--project', 'Demo', '--url', APP_URL);

    expect(result.code).toBe(0);
    expect(result.lines).toEqual(EVENT_TYPES.map((eventType) => `deleted ${eventType} Demo`));
    const left = stored();
    expect(
      left.filter((subscription) => subscription.publisherInputs.projectId === demo.id).map((s) => s.id),
    ).toEqual(foreignIds);
    expect(left).toHaveLength(5);

    const again = await remove('--project', 'Demo', '--url', APP_URL);
    expect(again.code).toBe(0);
    expect(again.lines).toEqual([]);
    expect(again.err).toContain('no ado-reviewer subscriptions found');
  });
});

describe('hooks commands refuse bad invocations with exit code 2', () => {
  it('needs a PAT', async () => {
    const result = await run(
      runSetupHooksCommand,
      ['--org', server.orgUrl, '--project', 'Demo', '--url', APP_URL],
      environment({ AZURE_DEVOPS_PAT: undefined }),
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain('AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN): is required');
    expect(result.err).toContain('usage: ado-reviewer setup-hooks');
  });

  it.each([
    [
      'give either --project <name> (repeatable) or --all-projects',
      ['--project', 'Demo', '--all-projects', '--url', APP_URL],
    ],
    ['give either --project <name> (repeatable) or --all-projects', ['--url', APP_URL]],
    ['--url: is required', ['--project', 'Demo']],
    ['--url: must be an https URL', ['--project', 'Demo', '--url', 'http://reviewer-app.example.net']],
    ["Unknown option '--password'", ['--project', 'Demo', '--url', APP_URL, '--password', PASSWORD]],
  ])('%s', async (message, args) => {
    const result = await setup(...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });

  it('sends the PAT and the password over http only to a loopback address, not to a name like 127.evil.net', async () => {
    const port = new URL(server.orgUrl).port;
    for (const host of ['127.evil.net', '127.0.0.1.nip.io', '0x7f.evil.net']) {
      const toOrg = await run(runSetupHooksCommand, [
        ...['--org', `http://${host}:${port}/contoso`, '--project', 'Demo', '--url', APP_URL],
      ]);
      expect(toOrg).toMatchObject({ code: 2, err: expect.stringContaining('--org: must be an https URL') });
      const toApp = await setup('--project', 'Demo', '--url', `http://${host}`);
      expect(toApp).toMatchObject({ code: 2, err: expect.stringContaining('--url: must be an https URL') });
    }
    expect(hookWrites()).toEqual([]);
    // Loopback addresses in any spelling stay allowed (the local stand-ins): 127.1 is 127.0.0.1.
    const loopback = await setup('--project', 'Demo', '--url', 'http://127.1:8080', '--dry-run');
    expect(loopback.code).toBe(0);
  });

  it('--repo-url names the organization and the project by a repository URL of the project', async () => {
    const repoUrl = `${server.orgUrl}/Demo/_git/service/pullrequest/3`;
    const created = await run(runSetupHooksCommand, ['--repo-url', repoUrl, '--url', APP_URL]);
    expect(created.code).toBe(0);
    expect(created.lines).toEqual(EVENT_TYPES.map((eventType) => `created ${eventType} Demo`));
    expect(stored().every((subscription) => subscription.publisherInputs.projectId === demo.id)).toBe(true);
    const removed = await run(runRemoveHooksCommand, ['--repo-url', repoUrl, '--url', APP_URL]);
    expect(removed.lines).toEqual(EVENT_TYPES.map((eventType) => `deleted ${eventType} Demo`));
    expect(stored()).toEqual([]);
  });

  it.each([
    [
      '--repo-url: give either it or --org',
      ['--org', 'https://dev.azure.com/x', '--repo-url', 'https://dev.azure.com/x/p/_git/r'],
    ],
    [
      '--repo-url: give either it or --org',
      ['--all-projects', '--repo-url', 'https://dev.azure.com/x/p/_git/r'],
    ],
    ['--repo-url: must be a repository URL', ['--repo-url', 'https://dev.azure.com/x/p']],
  ])('%s', async (message, args) => {
    const result = await run(runSetupHooksCommand, [...args, '--url', APP_URL]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(hookWrites()).toHaveLength(0);
  });

  it('needs the webhook password from the environment, and names every problem at once', async () => {
    const result = await run(
      runSetupHooksCommand,
      ['--org', 'dev.azure.com/contoso', '--project', 'Demo', '--url', APP_URL],
      environment({ WEBHOOK_PASSWORD: ' ' }),
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain('--org: must be an absolute URL');
    expect(result.err).toContain('WEBHOOK_PASSWORD: is required');
  });

  it('names a project that does not exist', async () => {
    const result = await setup('--project', 'Missing', '--url', APP_URL);
    expect(result.code).toBe(2);
    expect(result.err).toContain('project "Missing" not found');
    expect(hookWrites()).toHaveLength(0);
  });

  it('remove-hooks needs no webhook credentials but takes no --username', async () => {
    const env = environment({ WEBHOOK_USERNAME: undefined, WEBHOOK_PASSWORD: undefined });
    const args = ['--org', server.orgUrl, '--project', 'Demo', '--url', APP_URL];
    expect((await run(runRemoveHooksCommand, args, env)).code).toBe(0);
    expect((await run(runRemoveHooksCommand, [...args, '--username', 'x'], env)).code).toBe(2);
  });
});

it('reports a rejected PAT with exit code 1 and without echoing it', async () => {
  const result = await run(
    runSetupHooksCommand,
    ['--org', server.orgUrl, '--project', 'Demo', '--url', APP_URL],
    environment({ AZURE_DEVOPS_PAT: 'not-the-right-token' }),
  );
  expect(result.code).toBe(1);
  expect(result.err).toContain('the PAT was not accepted (HTTP 401)');
  expect(result.err).not.toContain('not-the-right-token');
});

describe('test server: service hooks subscriptions API', () => {
  it('answers 400 for an unknown event type or consumer, and 404 for a deleted subscription', async () => {
    const unknownEvent = await restCall(
      'POST',
      '_apis/hooks/subscriptions',
      webHook('git.pullrequest.nope', demo.id, WEBHOOK_URL),
    );
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.json.message).toContain('git.pullrequest.nope');
    const unknownConsumer = await restCall('POST', '_apis/hooks/subscriptions', {
      ...webHook(EVENT_TYPES[0], demo.id, WEBHOOK_URL),
      consumerId: 'slack',
    });
    expect(unknownConsumer.status).toBe(400);

    const created = await restCall(
      'POST',
      '_apis/hooks/subscriptions',
      webHook(EVENT_TYPES[0], demo.id, WEBHOOK_URL, { basicAuthPassword: PASSWORD }),
    );
    const path = `_apis/hooks/subscriptions/${String(created.json.id)}`;
    expect(((await restCall('GET', path)).json.consumerInputs as Json).basicAuthPassword).toBe('********');
    expect((await restCall('DELETE', path)).status).toBe(204);
    expect((await restCall('GET', path)).status).toBe(404);
  });
});
