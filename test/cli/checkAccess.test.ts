import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { CHECK_ACCESS_THREAD_TEXT } from '../../shared/azure-devops/repositoryAccess';
import { runCheckAccessCommand } from '../../shared/cli/checkAccessCommand';
import { capturedOutput } from '../support/capturedOutput';

/**
 * `ado-reviewer check-access` against the Azure DevOps test server over HTTP, through the real client: the bot's PAT
 * (full rights) and a PAT the server refuses writes to threads and statuses and reads of items.
 */

const RESTRICTED = 'restricted-pat-never-printed';
let server: AzureDevOpsTestServer;
let repoUrl: string;
let pullRequestId: number;
let repositoryId: string;

beforeAll(async () => {
  server = await startAzureDevOpsServer({
    organization: 'access',
    restrictedTokens: [
      {
        token: RESTRICTED,
        refuses: [
          { method: 'POST', path: /\/pullRequests\/\d+\/threads$/i, permission: 'PullRequestContribute' },
          { method: 'POST', path: /\/statuses$/i, permission: 'GenericContribute' },
          { method: 'GET', path: /\/items(\/|$)/i, permission: 'GenericRead' },
        ],
      },
    ],
  });
  const repository = await server.createRepository({
    project: 'Demo Project',
    name: 'service',
    files: { 'README.md': 'x\n' },
  });
  repositoryId = repository.id;
  await server.push({ repositoryId, branch: 'topic', files: { 'a.ts': 'export const a = 1;\n' } });
  ({ pullRequestId } = await server.createPullRequest({
    repositoryId,
    sourceBranch: 'topic',
    targetBranch: 'main',
    title: 'access',
  }));
  repoUrl = `${server.orgUrl}/Demo%20Project/_git/service`;
}, 60_000);

afterAll(() => server?.close());

async function checkAccess(token: string, ...args: string[]) {
  const [stdout, stderr] = [capturedOutput(), capturedOutput()];
  const env = { AZURE_DEVOPS_ORG_URL: server.orgUrl, AZURE_DEVOPS_BOT_TOKEN: token };
  const code = await runCheckAccessCommand(args, { env, out: stdout.stream, err: stderr.stream });
  const [out, err] = [stdout.text(), stderr.text()];
  for (const secret of [token, Buffer.from(`:${token}`).toString('base64')])
    expect(out + err).not.toContain(secret);
  const lines = out.split('\n').filter((line) => line !== '');
  const outcome = (what: string) =>
    lines
      .find((line) => line.startsWith(`${what} `))
      ?.slice(what.length)
      .trim();
  return { code, out, err, outcome };
}

it('with full rights and a pull request: every check yes; the probe thread is deleted, the status says what it is', async () => {
  const { code, outcome, out } = await checkAccess(
    server.token,
    '--repo-url',
    repoUrl,
    '--pull-request',
    String(pullRequestId),
  );
  expect(out).toMatch(
    /^organization .*\/access \(pat, AZURE_DEVOPS_BOT_TOKEN\), repository Demo Project\/service$/m,
  );
  expect(outcome('sign in')).toBe(`yes          as ${server.botIdentity.displayName}`);
  expect(outcome('read pull requests')).toMatch(/^yes +listed active pull requests$/);
  expect(outcome('read items')).toMatch(/^yes +read the root of refs\/heads\/main/);
  expect(outcome('post a thread')).toMatch(/^yes +created thread \d+ on pull request \d+ and deleted it$/);
  expect(outcome('post a status')).toMatch(/^yes +posted ado-reviewer\/check-access on iteration 1$/);
  expect(code).toBe(0);

  const probe = server
    .threads(repositoryId, pullRequestId)
    .find((thread) =>
      (thread.comments as { content: string }[]).some(
        (comment) => comment.content === CHECK_ACCESS_THREAD_TEXT,
      ),
    );
  expect((probe?.comments as { isDeleted?: boolean }[]).every((comment) => comment.isDeleted)).toBe(true);
  const [status] = server.statuses(repositoryId, pullRequestId);
  expect(status).toMatchObject({
    state: 'notApplicable',
    context: { genre: 'ado-reviewer', name: 'check-access' },
    description: expect.stringMatching(/check-access.*not a review/),
    iterationId: 1,
  });
}, 30_000);

it('without --pull-request the writes are not checked, and nothing is written', async () => {
  const writes = server.writes.length;
  const { code, outcome } = await checkAccess(server.token, '--repo-url', repoUrl);
  expect(outcome('post a thread')).toMatch(/^not checked +give --pull-request$/);
  expect(outcome('post a status')).toMatch(/^not checked +give --pull-request$/);
  expect(server.writes.length).toBe(writes);
  expect(code).toBe(0);
}, 30_000);

it('a restricted identity: what it may not do is no, with the status and the service message', async () => {
  const { code, outcome } = await checkAccess(
    RESTRICTED,
    '--repo-url',
    repoUrl,
    '--pull-request',
    String(pullRequestId),
  );
  expect(outcome('sign in')).toMatch(/^yes /);
  expect(outcome('read pull requests')).toMatch(/^yes /);
  expect(outcome('read items')).toMatch(/^no +HTTP 403: TF401027: You need the Git 'GenericRead' permission/);
  expect(outcome('post a thread')).toMatch(/^no +HTTP 403: TF401027: .*'PullRequestContribute'/);
  expect(outcome('post a status')).toMatch(/^no +HTTP 403: TF401027: .*'GenericContribute'/);
  expect(code).toBe(1);
}, 30_000);

it('a refused credential: sign in no with 401, the rest no for that reason', async () => {
  const { code, outcome } = await checkAccess('wrong-pat-never-printed', '--repo-url', repoUrl);
  expect(outcome('sign in')).toMatch(/^no +HTTP 401: /);
  expect(outcome('read items')).toMatch(/^no +could not sign in$/);
  expect(code).toBe(1);
}, 30_000);

it('a repository URL outside the configured organizations is refused before any request', async () => {
  const requests = server.faults.requests.length;
  const { code, err } = await checkAccess(server.token, '--repo-url', 'https://dev.azure.com/other/p/_git/r');
  expect(err).toMatch(/--repo-url: https:\/\/dev\.azure\.com\/other is not a configured organization/);
  expect(server.faults.requests.length).toBe(requests);
  expect(code).toBe(2);
});
