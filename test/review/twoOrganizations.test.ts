import type { AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { openSamplePullRequest, startSandbox, threadKind, type Sandbox } from '../../dev/sandbox/sandbox';

/**
 * Two organizations on two Azure DevOps test servers, one app (AZURE_DEVOPS_ORGANIZATIONS, a PAT each) under the
 * stand-in host: a pull request opened on each is reviewed where it was opened, and each server is only ever sent
 * its own organization's PAT.
 */

let sandbox: Sandbox;
let first: AzureDevOpsTestServer;
let second: AzureDevOpsTestServer;

beforeAll(async () => {
  sandbox = await startSandbox({ retryDelayMs: 200, secondOrganization: 'fabrikam' });
  first = sandbox.devops;
  second = sandbox.secondDevops as AzureDevOpsTestServer;
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
});

const basic = (token: string) => `Basic ${Buffer.from(`:${token}`).toString('base64')}`;

it('reviews a pull request on each organization, each signed with its own PAT only', async () => {
  expect(JSON.parse(process.env.AZURE_DEVOPS_ORGANIZATIONS as string)).toHaveLength(2);
  expect(first.token).not.toBe(second.token);
  const onFirst = await openSamplePullRequest(sandbox, 'webshop', first);
  const onSecond = await openSamplePullRequest(sandbox, 'storefront', second);
  await sandbox.settled();

  for (const [server, pr] of [
    [first, onFirst],
    [second, onSecond],
  ] as const) {
    const threads = sandbox.botThreads(pr.repositoryId, pr.pullRequestId, server);
    expect(threads.filter((thread) => threadKind(thread) === 'summary')).toHaveLength(1);
    expect(threads.filter((thread) => threadKind(thread) === 'finding').length).toBeGreaterThan(0);
  }

  for (const [server, other] of [
    [first, second],
    [second, first],
  ] as const) {
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(server.authorizations.every((header) => header === basic(server.token))).toBe(true);
    expect(server.authorizations.join('\n')).not.toContain(basic(other.token));
    expect(server.authorizations.join('\n')).not.toContain(other.token);
  }
}, 180_000);
