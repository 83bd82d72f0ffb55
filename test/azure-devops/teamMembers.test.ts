import {
  startAzureDevOpsServer,
  type AzureDevOpsTestServer,
  type TestUser,
} from '../../dev/azure-devops/azureDevOpsServer';
import {
  createAzureDevOpsPlatform,
  type AzureDevOpsPlatformOptions,
} from '../../shared/azure-devops/azureDevOpsPlatform';
import type { PullRequestRef } from '../../shared/review/domain/platform';

/**
 * Who a pull request's maintainers are, as the Azure DevOps platform reads them from the test server over real
 * HTTP: its required reviewers, and the members of a project's teams (paged, and kept for five minutes).
 */

let devops: AzureDevOpsTestServer;
let ref: PullRequestRef;

const person = (id: string, name: string): TestUser => ({
  id,
  displayName: name,
  uniqueName: `${name.toLowerCase()}@example.com`,
});
const ada = person('0A0A0A0A-0000-4000-8000-000000000001', 'Ada');
const grace = person('0b0b0b0b-0000-4000-8000-000000000002', 'Grace');
const linus = person('0c0c0c0c-0000-4000-8000-000000000003', 'Linus');
const crowd = Array.from({ length: 250 }, (_, index) =>
  person(`1d1d1d1d-0000-4000-8000-${String(index).padStart(12, '0')}`, `Member${index}`),
);

let core: { id: string };
let web: { id: string };

beforeAll(async () => {
  devops = await startAzureDevOpsServer({ organization: 'maintainers' });
  core = devops.createTeam({ project: 'demo', name: 'Core Team', members: [ada, grace] });
  web = devops.createTeam({ project: 'demo', name: 'Web', members: [linus] });
  devops.createTeam({ project: 'demo', name: 'Everyone', members: crowd });
  devops.createTeam({ project: 'elsewhere', name: 'Elsewhere', members: [linus] });
  const repository = await devops.createRepository({
    project: 'demo',
    name: 'app',
    files: { 'a.txt': 'a\n' },
  });
  await devops.push({ repositoryId: repository.id, branch: 'topic', files: { 'a.txt': 'b\n' } });
  const pr = await devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'topic',
    targetBranch: 'main',
    title: 'maintainers',
    reviewers: [
      { user: ada, isRequired: true },
      { team: 'core team', isRequired: true },
      { user: linus },
      { team: web.id, isRequired: false },
    ],
  });
  ref = {
    projectId: (repository.project as { id: string }).id,
    repositoryId: repository.id,
    pullRequestId: pr.pullRequestId,
  };
}, 60_000);

afterAll(async () => {
  await devops?.close();
});

beforeEach(() => devops.faults.resetCounts());

const platform = (options: AzureDevOpsPlatformOptions = {}) =>
  createAzureDevOpsPlatform(devops.orgUrl, devops.token, { baseDelayMs: 10, ...options });

/** The members pages the server was asked for since the last reset: $top, $skip and the status answered. */
const memberPages = () =>
  devops.faults.requests
    .map((record) => ({ url: new URL(record.url, devops.orgUrl), status: record.status }))
    .filter(({ url }) => url.pathname.endsWith('/members'))
    .map(({ url, status }) => [url.searchParams.get('$top'), url.searchParams.get('$skip'), status]);

describe('required reviewers', () => {
  it('are the reviewers marked required, ids in lower case, a team as a container', async () => {
    const { requiredReviewers } = await platform().getPullRequest(ref);
    expect(requiredReviewers).toEqual([
      { id: ada.id.toLowerCase(), isContainer: false },
      { id: core.id, isContainer: true },
    ]);
  });
});

describe('team members', () => {
  it("are the team's identity ids in lower case, the team named by its name in any case", async () => {
    await expect(platform().listTeamMembers(ref, 'CORE TEAM')).resolves.toEqual([
      ada.id.toLowerCase(),
      grace.id,
    ]);
  });

  it('are found by the team id, as a required team reviewer names it', async () => {
    await expect(platform().listTeamMembers(ref, web.id)).resolves.toEqual([linus.id]);
  });

  it('are read page by page until a short page', async () => {
    await expect(platform().listTeamMembers(ref, 'Everyone')).resolves.toEqual(
      crowd.map((member) => member.id),
    );
    expect(memberPages()).toEqual([
      ['100', '0', 200],
      ['100', '100', 200],
      ['100', '200', 200],
    ]);
  });

  it('of a team the project does not have are undefined, another project’s team included', async () => {
    await expect(platform().listTeamMembers(ref, 'Nobody')).resolves.toBeUndefined();
    await expect(platform().listTeamMembers(ref, 'Elsewhere')).resolves.toBeUndefined();
    expect(memberPages().map(([, , status]) => status)).toEqual([404, 404]);
  });
});

describe('reading team members', () => {
  const isMembersRead = ({ path }: { path: string }) => path.endsWith('/members');

  afterEach(() => devops.faults.clear());

  it('is retried after a transient failure, as every read is', async () => {
    devops.createTeam({ project: 'demo', name: 'Flaky', members: [grace] });
    devops.faults.inject({ matches: isMembersRead, times: 1, status: 503 });
    await expect(platform().listTeamMembers(ref, 'Flaky')).resolves.toEqual([grace.id]);
    expect(memberPages().map(([, , status]) => status)).toEqual([503, 200]);
  });

  it('that failed is not kept: the next caller asks again', async () => {
    devops.createTeam({ project: 'demo', name: 'Broken', members: [grace] });
    devops.faults.inject({ matches: isMembersRead, times: 1, status: 500 });
    await expect(platform({ maxAttempts: 1 }).listTeamMembers(ref, 'Broken')).rejects.toThrow(/gave up/);
    await expect(platform().listTeamMembers(ref, 'Broken')).resolves.toEqual([grace.id]);
  });
});

describe('team members are kept for five minutes', () => {
  const MINUTE = 60_000;

  it('per organization: another platform asking again within them sends no request', async () => {
    await platform().listTeamMembers(ref, 'Core Team');
    await platform().listTeamMembers(ref, 'Nobody');
    devops.faults.resetCounts();
    await expect(platform().listTeamMembers(ref, 'core team')).resolves.toEqual([
      ada.id.toLowerCase(),
      grace.id,
    ]);
    await expect(platform().listTeamMembers(ref, 'Nobody')).resolves.toBeUndefined();
    expect(devops.faults.requests).toHaveLength(0);
  });

  it('and read again once they are over', async () => {
    devops.createTeam({ project: 'demo', name: 'Late', members: [ada] });
    let time = Date.now();
    const clocked = platform({ now: () => time });
    await expect(clocked.listTeamMembers(ref, 'Late')).resolves.toEqual([ada.id.toLowerCase()]);
    time += 5 * MINUTE - 1;
    await clocked.listTeamMembers(ref, 'Late');
    expect(memberPages()).toHaveLength(1);
    time += 1;
    await clocked.listTeamMembers(ref, 'Late');
    expect(memberPages()).toHaveLength(2);
  });
});
