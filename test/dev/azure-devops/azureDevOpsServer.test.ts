import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebApi, getPersonalAccessTokenHandler } from 'azure-devops-node-api';
import type { IGitApi } from 'azure-devops-node-api/GitApi';
import {
  CommentThreadStatus,
  GitStatusState,
  GitVersionType,
  type GitPullRequestChange,
  VersionControlChangeType,
} from 'azure-devops-node-api/interfaces/GitInterfaces';
import {
  type AzureDevOpsTestServer,
  startAzureDevOpsServer,
} from '../../../dev/azure-devops/azureDevOpsServer';

const TOKEN = 'test-token-0123456789';
const PROJECT = 'Demo';
const LOGO = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x0d, 0x0a, 0x1a, 0x00, 0x80]);
const MOVED_BODY = Array.from({ length: 20 }, (_, i) => `export const value${i} = ${i};`).join('\n') + '\n';

interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A local service-hook receiver that records what it gets. */
async function startReceiver(): Promise<{
  url: string;
  received: ReceivedRequest[];
  close: () => Promise<void>;
}> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function allChanges(git: IGitApi, repositoryId: string, pullRequestId: number, iterationId: number) {
  const pages: GitPullRequestChange[][] = [];
  let skip = 0;
  for (;;) {
    const page = await git.getPullRequestIterationChanges(
      repositoryId,
      pullRequestId,
      iterationId,
      PROJECT,
      100,
      skip,
    );
    pages.push(page.changeEntries ?? []);
    if (!page.nextSkip) return pages;
    expect(page.nextTop).toBe(100);
    skip = page.nextSkip;
  }
}

describe('Azure DevOps test server through azure-devops-node-api', () => {
  let server: AzureDevOpsTestServer;
  let git: IGitApi;
  let repositoryId: string;
  let pullRequestId: number;
  let baseCommit: string;
  let firstSourceCommit: string;

  beforeAll(async () => {
    server = await startAzureDevOpsServer({ token: TOKEN });
    git = await new WebApi(server.orgUrl, getPersonalAccessTokenHandler(TOKEN)).getGitApi();
    const repository = await server.createRepository({
      project: PROJECT,
      name: 'app',
      files: {
        'README.md': '# App\n\nFirst version.\n',
        'docs/remove.md': 'obsolete\n',
        'src/old-name.ts': 'export const name = "old";\n',
        'src/moved.ts': MOVED_BODY,
        'assets/logo.png': LOGO,
      },
    });
    repositoryId = repository.id;
    firstSourceCommit = await server.push({
      repositoryId,
      branch: 'feature/work',
      message: 'Do the work',
      files: {
        'README.md': '# App\n\nSecond version.\n',
        'src/new.ts': 'export function added(): number {\n  return 42;\n}\n',
        'docs/remove.md': null,
        'lib/moved.ts': MOVED_BODY.replace('value19 = 19', 'value19 = 1900'),
      },
      renames: { 'src/old-name.ts': 'src/new-name.ts', 'src/moved.ts': 'lib/moved.ts' },
    });
    const [main] = await git.getRepositories(PROJECT);
    expect(main.defaultBranch).toBe('refs/heads/main');
    const item = await git.getItem(repositoryId, '/README.md', PROJECT);
    baseCommit = item.commitId as string;
    // The target moves on after the branch was cut, so the merge base is not the target head.
    await server.push({ repositoryId, branch: 'main', files: { 'CHANGELOG.md': 'main moved on\n' } });
    const pr = await server.createPullRequest({
      repositoryId,
      sourceBranch: 'feature/work',
      targetBranch: 'main',
      title: 'Add the work',
      description: 'Adds, edits, deletes and renames.',
    });
    pullRequestId = pr.pullRequestId;
  });

  afterAll(async () => {
    await server.close();
  });

  it('reports the token owner as the authenticated user', async () => {
    const connection = await new WebApi(server.orgUrl, getPersonalAccessTokenHandler(TOKEN)).connect();
    expect(connection.authenticatedUser?.id).toBe(server.botIdentity.id);
    expect(connection.authenticatedUser?.providerDisplayName).toBe(server.botIdentity.displayName);
  });

  it('serves the pull request with and without the repository, URLs built from its own orgUrl', async () => {
    const byId = await git.getPullRequestById(pullRequestId, PROJECT);
    const inRepository = await git.getPullRequest(repositoryId, pullRequestId, PROJECT);
    for (const pr of [byId, inRepository]) {
      expect(pr.title).toBe('Add the work');
      expect(pr.sourceRefName).toBe('refs/heads/feature/work');
      expect(pr.targetRefName).toBe('refs/heads/main');
      expect(pr.repository?.id).toBe(repositoryId);
      expect(pr.lastMergeSourceCommit?.commitId).toBe(firstSourceCommit);
      expect(pr.url?.startsWith(`${server.orgUrl}/`)).toBe(true);
    }
    expect(await git.getPullRequestById(9999)).toBeNull();
  });

  it('reads the iteration with its source, target and merge-base commits', async () => {
    const iterations = await git.getPullRequestIterations(repositoryId, pullRequestId, PROJECT);
    expect(iterations).toHaveLength(1);
    const [iteration] = iterations;
    expect(iteration.id).toBe(1);
    expect(iteration.sourceRefCommit?.commitId).toBe(firstSourceCommit);
    expect(iteration.commonRefCommit?.commitId).toBe(baseCommit);
    expect(iteration.targetRefCommit?.commitId).not.toBe(baseCommit);
    expect(iteration.createdDate).toBeInstanceOf(Date);
  });

  it('lists added, edited, deleted and renamed files as git sees them', async () => {
    const changes = await git.getPullRequestIterationChanges(repositoryId, pullRequestId, 1, PROJECT);
    const byPath = new Map(
      (changes.changeEntries ?? []).map((change) => [change.item?.path ?? change.originalPath, change]),
    );
    expect([...byPath.keys()].sort()).toEqual([
      '/README.md',
      '/docs/remove.md',
      '/lib/moved.ts',
      '/src/new-name.ts',
      '/src/new.ts',
    ]);
    expect(byPath.get('/src/new.ts')?.changeType).toBe(VersionControlChangeType.Add);
    expect(byPath.get('/README.md')?.changeType).toBe(VersionControlChangeType.Edit);
    expect(byPath.get('/docs/remove.md')?.changeType).toBe(VersionControlChangeType.Delete);
    expect(byPath.get('/src/new-name.ts')).toMatchObject({
      changeType: VersionControlChangeType.Rename,
      originalPath: '/src/old-name.ts',
    });
    expect(byPath.get('/lib/moved.ts')).toMatchObject({
      changeType: VersionControlChangeType.Edit | VersionControlChangeType.Rename,
      originalPath: '/src/moved.ts',
    });
    expect(changes.nextSkip).toBeUndefined();
    const readme = byPath.get('/README.md');
    expect(readme?.item?.objectId).not.toBe(readme?.item?.originalObjectId);
  });

  it('reads file contents, binary-safe, at the merge base and at the source commit', async () => {
    const at = (commit: string) => ({ version: commit, versionType: GitVersionType.Commit });
    const read = async (filePath: string, commit: string) => {
      const stream = await git.getItemContent(
        repositoryId,
        filePath,
        PROJECT,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        at(commit),
      );
      return { status: (stream as http.IncomingMessage).statusCode, bytes: await readStream(stream) };
    };
    expect((await read('/README.md', baseCommit)).bytes.toString()).toBe('# App\n\nFirst version.\n');
    expect((await read('/README.md', firstSourceCommit)).bytes.toString()).toBe('# App\n\nSecond version.\n');
    expect((await read('/assets/logo.png', firstSourceCommit)).bytes.equals(LOGO)).toBe(true);
    const text = await git.getItemText(
      repositoryId,
      '/src/new.ts',
      PROJECT,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      at(firstSourceCommit),
    );
    expect((await readStream(text)).toString()).toContain('return 42;');

    const item = await git.getItem(
      repositoryId,
      '/README.md',
      PROJECT,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      at(firstSourceCommit),
    );
    const changes = await git.getPullRequestIterationChanges(repositoryId, pullRequestId, 1, PROJECT);
    const readme = changes.changeEntries?.find((change) => change.item?.path === '/README.md');
    expect(item.objectId).toBe(readme?.item?.objectId);

    const missing = await read('/src/old-name.ts', firstSourceCommit);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.bytes.toString())).toMatchObject({
      $id: '1',
      innerException: null,
      typeKey: 'GitItemNotFoundException',
      errorCode: 0,
      eventId: expect.any(Number),
      message: expect.stringContaining('/src/old-name.ts'),
    });
  });

  it('creates a thread on a right-side line, keeps its context and properties, and reads it back', async () => {
    const iterations = await git.getPullRequestIterations(repositoryId, pullRequestId, PROJECT);
    const changes = await git.getPullRequestIterationChanges(repositoryId, pullRequestId, 1, PROJECT);
    const added = changes.changeEntries?.find((change) => change.item?.path === '/src/new.ts');
    const created = await git.createThread(
      {
        comments: [{ parentCommentId: 0, content: 'Return a named constant instead.', commentType: 1 }],
        status: CommentThreadStatus.Active,
        threadContext: {
          filePath: '/src/new.ts',
          rightFileStart: { line: 2, offset: 1 },
          rightFileEnd: { line: 2, offset: 13 },
        },
        pullRequestThreadContext: {
          changeTrackingId: added?.changeTrackingId,
          iterationContext: { firstComparingIteration: 1, secondComparingIteration: iterations.length },
        },
        properties: { 'ado-reviewer.fingerprint': 'f00d' },
      },
      repositoryId,
      pullRequestId,
      PROJECT,
    );
    expect(created.id).toBeGreaterThan(0);

    const reply = await git.createComment(
      { parentCommentId: 1, content: 'Also add a test.' },
      repositoryId,
      pullRequestId,
      created.id as number,
      PROJECT,
    );
    expect(reply.id).toBe(2);
    await git.updateThread(
      { status: CommentThreadStatus.Fixed },
      repositoryId,
      pullRequestId,
      created.id as number,
      PROJECT,
    );

    const threads = await git.getThreads(repositoryId, pullRequestId, PROJECT);
    const thread = threads.find((candidate) => candidate.id === created.id);
    expect(thread?.status).toBe(CommentThreadStatus.Fixed);
    expect(thread?.threadContext).toEqual({
      filePath: '/src/new.ts',
      rightFileStart: { line: 2, offset: 1 },
      rightFileEnd: { line: 2, offset: 13 },
    });
    expect(thread?.pullRequestThreadContext?.changeTrackingId).toBe(added?.changeTrackingId);
    expect(thread?.properties).toEqual({
      'ado-reviewer.fingerprint': { $type: 'System.String', $value: 'f00d' },
    });
    expect(thread?.comments?.map((comment) => [comment.id, comment.author?.id, comment.content])).toEqual([
      [1, server.botIdentity.id, 'Return a named constant instead.'],
      [2, server.botIdentity.id, 'Also add a test.'],
    ]);
    expect(server.threads(repositoryId, pullRequestId).map((t) => t.id)).toContain(created.id);
    const posted = server.writes.find((write) => write.method === 'POST' && write.path.endsWith('/threads'));
    expect(posted?.body).toMatchObject({ threadContext: { filePath: '/src/new.ts' } });
  });

  it('rejects threads the service would reject, with the Azure DevOps error shape', async () => {
    const attempt = (thread: Record<string, unknown>) =>
      git.createThread(thread, repositoryId, pullRequestId, PROJECT);
    const comments = [{ content: 'x' }];
    const rightLine = (line: number) => ({ line, offset: 1 });
    const cases = [
      { comments: [] },
      {
        comments,
        threadContext: {
          filePath: '/not/in/pr.ts',
          rightFileStart: rightLine(1),
          rightFileEnd: rightLine(1),
        },
      },
      {
        comments,
        threadContext: { filePath: '/src/new.ts', rightFileStart: rightLine(0), rightFileEnd: rightLine(1) },
      },
      {
        comments,
        threadContext: {
          filePath: '/docs/remove.md',
          rightFileStart: rightLine(1),
          rightFileEnd: rightLine(1),
        },
      },
    ];
    for (const thread of cases)
      await expect(attempt(thread)).rejects.toMatchObject({
        statusCode: 400,
        result: { $id: '1', typeKey: expect.any(String), message: expect.any(String), errorCode: 0 },
      });
  });

  it('posts pull request and iteration statuses and lists them', async () => {
    const status = await git.createPullRequestStatus(
      {
        state: GitStatusState.Succeeded,
        description: 'No findings',
        context: { name: 'ai-review', genre: 'ado-reviewer' },
        iterationId: 1,
      },
      repositoryId,
      pullRequestId,
      PROJECT,
    );
    expect(status.createdBy?.id).toBe(server.botIdentity.id);
    await git.createPullRequestIterationStatus(
      { state: GitStatusState.Pending, context: { name: 'ai-review', genre: 'ado-reviewer' } },
      repositoryId,
      pullRequestId,
      1,
      PROJECT,
    );
    const statuses = await git.getPullRequestStatuses(repositoryId, pullRequestId, PROJECT);
    expect(statuses.map((s) => [s.state, s.iterationId])).toEqual([
      [GitStatusState.Succeeded, 1],
      [GitStatusState.Pending, 1],
    ]);
    expect(server.statuses(repositoryId, pullRequestId)).toHaveLength(2);
    await expect(
      git.createPullRequestStatus(
        { state: GitStatusState.Failed, context: { name: '' } },
        repositoryId,
        pullRequestId,
        PROJECT,
      ),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('stores pull request properties through JSON Patch', async () => {
    await git.updatePullRequestProperties(
      null,
      [{ op: 'add', path: '/ado-reviewer.reviewedCommit', value: firstSourceCommit }],
      repositoryId,
      pullRequestId,
      PROJECT,
    );
    const properties = await git.getPullRequestProperties(repositoryId, pullRequestId, PROJECT);
    expect(properties.value['ado-reviewer.reviewedCommit']).toEqual({
      $type: 'System.String',
      $value: firstSourceCommit,
    });
    expect(properties.value['Microsoft.Git.PullRequest.SourceRefName'].$value).toBe(
      'refs/heads/feature/work',
    );
  });

  it('adds an iteration per push, keeps change tracking ids, and compares iterations', async () => {
    const before = await git.getPullRequestIterationChanges(repositoryId, pullRequestId, 1, PROJECT);
    const second = await server.push({
      repositoryId,
      branch: 'feature/work',
      files: { 'README.md': '# App\n\nThird version.\n' },
    });
    const iterations = await git.getPullRequestIterations(repositoryId, pullRequestId, PROJECT);
    expect(iterations.map((iteration) => iteration.sourceRefCommit?.commitId)).toEqual([
      firstSourceCommit,
      second,
    ]);
    const after = await git.getPullRequestIterationChanges(repositoryId, pullRequestId, 2, PROJECT);
    const trackingIds = (entries: GitPullRequestChange[] | undefined) =>
      new Map(entries?.map((change) => [change.item?.path ?? change.originalPath, change.changeTrackingId]));
    expect(trackingIds(after.changeEntries)).toEqual(trackingIds(before.changeEntries));
    const delta = await git.getPullRequestIterationChanges(
      repositoryId,
      pullRequestId,
      2,
      PROJECT,
      undefined,
      undefined,
      1,
    );
    expect(delta.changeEntries?.map((change) => [change.item?.path, change.changeType])).toEqual([
      ['/README.md', VersionControlChangeType.Edit],
    ]);
  });

  it('pages 250 changed files in pages of 100', async () => {
    const repository = await server.createRepository({
      project: PROJECT,
      name: 'big',
      files: { 'README.md': 'big\n' },
    });
    const files = Object.fromEntries(
      Array.from({ length: 250 }, (_, i) => [
        `src/file${String(i).padStart(3, '0')}.ts`,
        `export const n = ${i};\n`,
      ]),
    );
    await server.push({ repositoryId: repository.id, branch: 'bulk', files });
    const pr = await server.createPullRequest({
      repositoryId: repository.id,
      sourceBranch: 'bulk',
      targetBranch: 'main',
      title: 'Bulk',
    });
    const pages = await allChanges(git, repository.id, pr.pullRequestId, 1);
    expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
    const entries = pages.flat();
    expect(new Set(entries.map((change) => change.item?.path)).size).toBe(250);
    expect(entries.map((change) => change.changeId)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  it('answers 401 to a wrong token', async () => {
    const wrong = new WebApi(server.orgUrl, getPersonalAccessTokenHandler('not-the-token'));
    await expect(wrong.getGitApi()).rejects.toMatchObject({ statusCode: 401 });
    const response = await fetch(`${server.orgUrl}/_apis/connectionData`);
    expect(response.status).toBe(401);
  });

  it('delivers service hooks shaped like the real samples, with basic auth', async () => {
    const receiver = await startReceiver();
    try {
      server.setSubscriber({ url: receiver.url, username: 'hook-user', password: 'hook-secret' });
      const commitId = await server.push({
        repositoryId,
        branch: 'feature/work',
        files: { 'src/new.ts': 'export {};\n' },
      });
      expect(receiver.received).toHaveLength(1);
      const [push] = receiver.received;
      expect(push.headers.authorization).toBe(
        `Basic ${Buffer.from('hook-user:hook-secret').toString('base64')}`,
      );
      expect(Object.keys(push.body).sort()).toEqual(
        [
          'subscriptionId',
          'notificationId',
          'id',
          'eventType',
          'publisherId',
          'message',
          'detailedMessage',
          'resource',
          'resourceVersion',
          'resourceContainers',
          'createdDate',
        ].sort(),
      );
      expect(push.body).toMatchObject({
        eventType: 'git.pullrequest.updated',
        publisherId: 'tfs',
        resourceVersion: '1.0',
        resource: { pullRequestId, status: 'active', lastMergeSourceCommit: { commitId } },
        resourceContainers: {
          project: { baseUrl: `${server.orgUrl}/` },
          account: { baseUrl: `${server.orgUrl}/` },
        },
      });
      expect(push.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(server.deliveries.at(-1)).toMatchObject({ eventType: 'git.pullrequest.updated', status: 200 });

      const thread = await git.createThread(
        { comments: [{ content: 'Bot remark' }] },
        repositoryId,
        pullRequestId,
        PROJECT,
      );
      await server.settled();
      const commentEvent = receiver.received.at(-1)?.body as {
        eventType: string;
        resourceVersion: string;
        resource: {
          comment: { author: { id: string }; _links: { threads: { href: string } } };
          pullRequest: { pullRequestId: number };
        };
      };
      expect(commentEvent.eventType).toBe('ms.vss-code.git-pullrequest-comment-event');
      expect(commentEvent.resourceVersion).toBe('2.0');
      expect(commentEvent.resource.comment.author.id).toBe(server.botIdentity.id);
      expect(commentEvent.resource.comment._links.threads.href).toBe(
        `${server.orgUrl}/_apis/git/repositories/${repositoryId}/pullRequests/${pullRequestId}/threads/${thread.id}`,
      );
      expect(commentEvent.resource.pullRequest.pullRequestId).toBe(pullRequestId);

      const human = await server.addComment({ pullRequestId, threadId: thread.id, content: 'I agree.' });
      expect(receiver.received.at(-1)?.body).toMatchObject({
        eventType: 'ms.vss-code.git-pullrequest-comment-event',
        resource: {
          comment: { id: human.comment.id, author: { id: server.defaultUser.id }, content: 'I agree.' },
        },
      });

      const deliveriesBefore = server.deliveries.length;
      const duplicate = server.buildDelivery('git.pullrequest.updated', pullRequestId);
      expect(server.deliveries).toHaveLength(deliveriesBefore);
      const count = receiver.received.length;
      await server.sendDelivery(duplicate);
      await server.sendDelivery(duplicate);
      expect(receiver.received.slice(count).map((request) => request.body.id)).toEqual([
        duplicate.id,
        duplicate.id,
      ]);
    } finally {
      server.setSubscriber(null);
      await receiver.close();
    }
  });
});
