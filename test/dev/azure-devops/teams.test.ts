import {
  startAzureDevOpsServer,
  type AzureDevOpsTestServer,
  type TestUser,
} from '../../../dev/azure-devops/azureDevOpsServer';

/**
 * The test server's teams and pull request reviewers over plain HTTP, in the shapes of the official contracts: core
 * 7.1 Teams "Get Team Members With Extended Properties" (TeamMember) and git 7.1 IdentityRefWithVote.
 */

let server: AzureDevOpsTestServer;
let projectId: string;

const ada: TestUser = {
  id: 'a0a0a0a0-0000-4000-8000-000000000001',
  displayName: 'Ada',
  uniqueName: 'ada@x.com',
};
const bob: TestUser = {
  id: 'b0b0b0b0-0000-4000-8000-000000000002',
  displayName: 'Bob',
  uniqueName: 'bob@x.com',
};

beforeAll(async () => {
  server = await startAzureDevOpsServer({ organization: 'teams' });
  projectId = server.createProject('Demo').id;
}, 30_000);

afterAll(async () => {
  await server?.close();
});

const call = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${server.orgUrl}/${path}`, {
    ...init,
    headers: {
      Authorization: `Basic ${Buffer.from(`:${server.token}`).toString('base64')}`,
      'Content-Type': 'application/json',
      ...init.headers,
    },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

const members = (team: string, query = '') =>
  call(
    `_apis/projects/${projectId}/teams/${encodeURIComponent(team)}/members?api-version=7.1-preview.2${query}`,
  );

describe('teams', () => {
  it('answer their members as TeamMember items, a page at a time with $top and $skip', async () => {
    server.createTeam({ project: 'Demo', name: 'Core', members: [ada, bob] });
    const all = await members('core');
    expect(all.json).toMatchObject({
      count: 2,
      value: [
        { isTeamAdmin: false, identity: { id: ada.id, displayName: 'Ada', uniqueName: 'ada@x.com' } },
        { isTeamAdmin: false, identity: { id: bob.id } },
      ],
    });
    const second = await members('Core', '&$top=1&$skip=1');
    expect(second.json).toMatchObject({ count: 1, value: [{ identity: { id: bob.id } }] });
  });

  it('answer 404 TeamNotFoundException for a team the project does not have', async () => {
    const missing = await members('Nobody');
    expect(missing.status).toBe(404);
    expect(missing.json.typeKey).toBe('TeamNotFoundException');
  });

  it('can be created through the admin API', async () => {
    const created = await call('_test/teams', {
      method: 'POST',
      body: JSON.stringify({ project: 'Demo', name: 'Admins', members: [bob] }),
    });
    expect(created.json).toMatchObject({ name: 'Admins', projectId });
    expect((await members(String(created.json.id))).json).toMatchObject({
      value: [{ identity: { id: bob.id } }],
    });
  });

  it('are discovered in the core area with the location the node api asks for', async () => {
    const locations = await call('_apis/core', { method: 'OPTIONS' });
    expect(locations.json.value).toContainEqual(
      expect.objectContaining({ id: '294c494c-2600-4d7e-b76c-3dd50c3c95be', resourceName: 'members' }),
    );
  });
});

describe('pull request reviewers', () => {
  it('carry isRequired and, for a team, isContainer only when true, and keep isRequired through a vote', async () => {
    const team = server.createTeam({ project: 'Demo', name: 'Reviewers' });
    const repository = await server.createRepository({
      project: 'Demo',
      name: 'app',
      files: { 'a.txt': 'a\n' },
    });
    await server.push({ repositoryId: repository.id, branch: 'topic', files: { 'a.txt': 'b\n' } });
    const pr = await server.createPullRequest({
      repositoryId: repository.id,
      sourceBranch: 'topic',
      targetBranch: 'main',
      title: 'reviewers',
      reviewers: [{ user: ada, isRequired: true }, { team: 'Reviewers', isRequired: true }, { user: bob }],
    });
    await server.vote({ pullRequestId: pr.pullRequestId, vote: 10, user: ada });
    const [person, container, optional] = server.pullRequest(pr.pullRequestId).reviewers as Record<
      string,
      unknown
    >[];
    expect(person).toMatchObject({ id: ada.id, isRequired: true, vote: 10 });
    expect(person).not.toHaveProperty('isContainer');
    expect(container).toMatchObject({
      id: team.id,
      isRequired: true,
      isContainer: true,
      displayName: '[Demo]\\Reviewers',
      uniqueName: `vstfs:///Classification/TeamProject/${projectId}\\Reviewers`,
    });
    expect(optional).toMatchObject({ id: bob.id, vote: 0 });
    expect(optional).not.toHaveProperty('isRequired');
  });
});
