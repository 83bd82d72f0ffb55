import { startSandbox, threadKind, type Json, type Sandbox } from '../../dev/sandbox/sandbox';
import { scriptedReview } from '../../dev/llm/scriptedReviewer';
import { pullRequestTitleOf as titleOf } from '../support/chatRequests';
import { seededShuffle, testSeed, withSeed } from '../support/testSeed';
import { openFlaggedPullRequest } from '../support/topicPullRequest';

/**
 * One review per change, exactly once, under at-least-once delivery: duplicates, redeliveries, bursts of pushes,
 * events that are not pushes, and the bot's own actions. Everything real but Azure DevOps and the model, which are
 * the local stand-ins.
 */

let sandbox: Sandbox;
/** Model calls per pull request currently running, and the most seen at once. */
const running = new Map<string, number>();
let maxConcurrentPerPullRequest = 0;

beforeAll(async () => {
  sandbox = await startSandbox({
    retryDelayMs: 200,
    // Slow enough that pushes land while a review is running.
    responder: async (request) => {
      const key = titleOf(request);
      running.set(key, (running.get(key) ?? 0) + 1);
      maxConcurrentPerPullRequest = Math.max(maxConcurrentPerPullRequest, running.get(key) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 150));
      running.set(key, (running.get(key) ?? 1) - 1);
      return scriptedReview(request);
    },
  });
});

afterAll(async () => {
  await sandbox?.close();
});

const threadsOf = (repositoryId: string, pullRequestId: number) =>
  sandbox.botThreads(repositoryId, pullRequestId);
const summariesOf = (threads: Json[]) => threads.filter((thread) => threadKind(thread) === 'summary');
const findingsOf = (threads: Json[]) => threads.filter((thread) => threadKind(thread) === 'finding');
const iterationOf = (thread: Json) => Number(thread.properties['ado-reviewer.iteration'].$value);
const requestsFor = (title: string) => sandbox.llm.requests.filter((request) => titleOf(request) === title);

/** A repository and an open PR whose first iteration adds one flagged line per file in `flagged`. */
const openPullRequest = (name: string, flagged: string[]) =>
  openFlaggedPullRequest(sandbox.devops, name, flagged);

describe('a second push', () => {
  let repositoryId: string;
  let pullRequestId: number;

  beforeAll(async () => {
    ({ repositoryId, pullRequestId } = await openPullRequest('incremental', ['src/one.ts']));
    await sandbox.settled();
    await sandbox.devops.push({
      repositoryId,
      branch: 'topic',
      files: { 'src/two.ts': 'export const b = 2;\nconsole.log(b);\n' },
    });
    await sandbox.settled();
  });

  // Which base is compared, and the statuses per iteration, are unit-tested (reviewPullRequest.test.ts); this proves
  // the summary is edited in place through the real client.
  it('keeps one summary, edited in place, with a line per iteration', () => {
    const threads = threadsOf(repositoryId, pullRequestId);
    const summaries = summariesOf(threads);
    expect(summaries).toHaveLength(1);
    const content = summaries[0].comments[0].content as string;
    expect(content).toContain('Incremental review: changes from iteration 1 to iteration 2');
    expect(content).toMatch(
      /\| 2 \| [0-9a-f]{8} \| incremental since 1 \| 1 \| 1 \|\n\| 1 \| [0-9a-f]{8} \| full \| 1 \| 1 \|/,
    );
    expect(findingsOf(threads).map(iterationOf).sort()).toEqual([1, 2]);
  });
});

describe('events that are not pushes', () => {
  it("votes, completion and the bot's own comments cause no review and no reply", async () => {
    const { repositoryId, pullRequestId } = await openPullRequest('not-pushes', ['src/x.ts']);
    await sandbox.settled();
    const requestsBefore = sandbox.llm.requests.length;
    const writesBefore = sandbox.devops.writes.length;

    await sandbox.devops.vote({ pullRequestId, vote: 10 });
    const botThread = threadsOf(repositoryId, pullRequestId)[0];
    await sandbox.devops.deliver('ms.vss-code.git-pullrequest-comment-event', pullRequestId, {
      threadId: botThread.id,
      commentId: botThread.comments[0].id,
    });
    await sandbox.devops.deliver('git.pullrequest.updated', pullRequestId, { action: 'vote' });
    await sandbox.settled();
    await sandbox.devops.completePullRequest({ pullRequestId });
    await sandbox.settled();

    expect(sandbox.llm.requests.length).toBe(requestsBefore);
    expect(sandbox.devops.writes.slice(writesBefore)).toEqual([]);
    const accepted = sandbox.devops.deliveries.filter((delivery) => delivery.status === 202);
    expect(accepted.length).toBeGreaterThan(0);
  });
});

describe('at-least-once delivery', () => {
  it('a delivery seen twice, or repeated under a new event id, never duplicates threads', async () => {
    const { repositoryId, pullRequestId } = await openPullRequest('duplicates', ['src/a.ts', 'src/b.ts']);
    const created = sandbox.devops.buildDelivery('git.pullrequest.created', pullRequestId);
    await sandbox.devops.sendDelivery(created);
    await sandbox.devops.sendDelivery({ ...created, id: 'a-new-event-id-for-the-same-change' });
    await sandbox.settled();
    const threads = threadsOf(repositoryId, pullRequestId);
    expect(summariesOf(threads)).toHaveLength(1);
    const fingerprints = findingsOf(threads).map(
      (thread) => thread.properties['ado-reviewer.fingerprint'].$value,
    );
    expect(fingerprints).toHaveLength(2);
    expect(new Set(fingerprints).size).toBe(2);
    expect(requestsFor('duplicates')).toHaveLength(1);
  });

  it('20 pushes in a burst: at most one review in flight, and the last review covers the newest iteration', async () => {
    const { repositoryId, pullRequestId } = await openPullRequest('burst', ['src/start.ts']);
    for (let push = 1; push <= 20; push++) {
      await sandbox.devops.push({
        repositoryId,
        branch: 'topic',
        files: { [`src/push${push}.ts`]: `console.log(${push});\n` },
      });
    }
    await sandbox.settled();
    expect(maxConcurrentPerPullRequest).toBe(1);
    const statuses = sandbox.devops.statuses(repositoryId, pullRequestId) as Json[];
    expect(statuses.at(-1)).toMatchObject({ iterationId: 21, state: 'succeeded' });
    const summary = summariesOf(threadsOf(repositoryId, pullRequestId));
    expect(summary).toHaveLength(1);
    expect(summary[0].properties['ado-reviewer.iteration'].$value).toBe('21');
    // Coalesced: far fewer reviews than pushes, and every pushed file reviewed exactly once.
    const prompts = requestsFor('burst').map((request) => request.body.messages[1].content);
    expect(prompts.length).toBeLessThan(21);
    for (let push = 1; push <= 20; push++) {
      expect(prompts.filter((prompt) => prompt.includes(`+++ b/src/push${push}.ts`))).toHaveLength(1);
    }
    const perIteration = findingsOf(threadsOf(repositoryId, pullRequestId)).map(
      (thread) => thread.threadContext.filePath,
    );
    expect(new Set(perIteration).size).toBe(perIteration.length);
    expect(perIteration).toHaveLength(21);
  });
});

describe('history rewrites and drafts', () => {
  it('a force push falls back to a full review', async () => {
    const { repositoryId, pullRequestId } = await openPullRequest('force-push', ['src/one.ts']);
    await sandbox.settled();
    await sandbox.devops.push({
      repositoryId,
      branch: 'topic',
      baseBranch: 'main',
      force: true,
      files: { 'src/one.ts': 'export const a = 2;\nconsole.log(a);\n', 'src/other.ts': 'console.log(1);\n' },
    });
    await sandbox.settled();
    const prompts = requestsFor('force-push').map((request) => request.body.messages[1].content);
    expect(prompts).toHaveLength(2);
    expect(prompts[1]).toContain('+++ b/src/one.ts');
    expect(prompts[1]).toContain('+++ b/src/other.ts');
    const summary = summariesOf(threadsOf(repositoryId, pullRequestId))[0].comments[0].content as string;
    expect(summary).toContain('Full review of iteration 2');
  });

  it('a draft is not reviewed until it is published', async () => {
    const repository = await sandbox.devops.createRepository({
      project: 'demo',
      name: 'draft',
      files: { 'a.ts': '1\n' },
    });
    await sandbox.devops.push({
      repositoryId: repository.id,
      branch: 'topic',
      baseBranch: 'main',
      files: { 'a.ts': 'console.log(1);\n' },
    });
    const pr = await sandbox.devops.createPullRequest({
      repositoryId: repository.id,
      sourceBranch: 'topic',
      targetBranch: 'main',
      title: 'draft',
      isDraft: true,
    });
    await sandbox.settled();
    expect(requestsFor('draft')).toHaveLength(0);
    expect(sandbox.devops.statuses(repository.id, pr.pullRequestId)).toEqual([]);
    await sandbox.devops.publishPullRequest({ pullRequestId: pr.pullRequestId });
    await sandbox.settled();
    expect(requestsFor('draft')).toHaveLength(1);
    expect(summariesOf(threadsOf(repository.id, pr.pullRequestId))).toHaveLength(1);
  });
});

describe('failures part-way through', () => {
  it('a job cut off while posting is redelivered and posts only what is missing, from the saved plan', async () => {
    const files = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts'];
    let threadPosts = 0;
    // The second thread POST of this PR never gets an answer (connection lost), and neither does one read: the
    // read is retried in place, the POST is not (a repeat could duplicate it), so the job fails and is redelivered.
    sandbox.devops.dropRequests(
      (method, path) => method === 'POST' && /\/threads$/.test(path) && ++threadPosts === 2,
    );
    sandbox.devops.dropRequests((method, path) => method === 'GET' && /\/iterations$/.test(path));
    const { repositoryId, pullRequestId } = await openPullRequest('cut-off', files);
    await sandbox.settled();
    const threads = threadsOf(repositoryId, pullRequestId);
    expect(summariesOf(threads)).toHaveLength(1);
    const fingerprints = findingsOf(threads).map(
      (thread) => thread.properties['ado-reviewer.fingerprint'].$value,
    );
    expect(fingerprints).toHaveLength(files.length);
    expect(new Set(fingerprints).size).toBe(files.length);
    expect(requestsFor('cut-off')).toHaveLength(1);
    const retried = sandbox.host.logs.filter(
      (entry) => entry.functionName === 'reviewJob' && /failed \(try \d\)/.test(entry.message),
    );
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(sandbox.host.logs.filter((entry) => entry.functionName === 'reviewJobPoison')).toEqual([]);
    const statuses = sandbox.devops.statuses(repositoryId, pullRequestId) as Json[];
    expect(statuses.at(-1)).toMatchObject({ state: 'succeeded', iterationId: 1 });
  });
});

describe('1,000 deliveries for 100 pull request iterations', () => {
  const seed = testSeed();

  it(
    'gives every iteration exactly one set of threads and every PR one summary, losing nothing',
    () =>
      withSeed(seed, async () => {
        const pullRequests: { repositoryId: string; pullRequestId: number }[] = [];
        sandbox.devops.setSubscriber(null);
        for (let index = 0; index < 50; index++) {
          pullRequests.push(await openPullRequest(`bulk-${index}`, [`src/first${index}.ts`]));
        }
        sandbox.devops.setSubscriber({
          url: sandbox.webhook.url,
          username: sandbox.webhook.username,
          password: sandbox.webhook.password,
        });

        /** One push event and eight other events per PR, 10 % exact duplicates, 5 % repeated under a new id. */
        const deliveriesFor = (push: 'created' | 'updated') => {
          const base = pullRequests.flatMap(({ pullRequestId }) => [
            push === 'created'
              ? sandbox.devops.buildDelivery('git.pullrequest.created', pullRequestId)
              : sandbox.devops.buildDelivery('git.pullrequest.updated', pullRequestId, { action: 'push' }),
            ...Array.from({ length: 8 }, () =>
              sandbox.devops.buildDelivery('git.pullrequest.updated', pullRequestId, { action: 'vote' }),
            ),
          ]);
          const duplicates = base.filter((_, index) => index % 10 === 0).map((delivery) => ({ ...delivery }));
          const renamed = base
            .filter((_, index) => index % 20 === 3)
            .map((delivery, index) => ({ ...delivery, id: `repeat-${push}-${index}` }));
          return seededShuffle([...base, ...duplicates, ...renamed], push === 'created' ? seed : seed + 1);
        };
        const send = async (deliveries: Record<string, unknown>[]) => {
          let next = 0;
          await Promise.all(
            Array.from({ length: 8 }, async () => {
              while (next < deliveries.length) {
                const record = await sandbox.devops.sendDelivery(deliveries[next++]);
                expect(record.status).toBe(202);
              }
            }),
          );
        };

        const first = deliveriesFor('created');
        await send(first);
        await sandbox.settled();
        for (const { repositoryId, pullRequestId } of pullRequests) {
          const index = pullRequests.findIndex((pr) => pr.pullRequestId === pullRequestId);
          sandbox.devops.setSubscriber(null);
          await sandbox.devops.push({
            repositoryId,
            branch: 'topic',
            files: { [`src/second${index}.ts`]: 'console.log(2);\n' },
          });
        }
        sandbox.devops.setSubscriber({
          url: sandbox.webhook.url,
          username: sandbox.webhook.username,
          password: sandbox.webhook.password,
        });
        const second = deliveriesFor('updated');
        await send(second);
        await sandbox.settled();

        expect(first.length + second.length).toBeGreaterThanOrEqual(1000);
        for (const { repositoryId, pullRequestId } of pullRequests) {
          const threads = threadsOf(repositoryId, pullRequestId);
          expect(summariesOf(threads)).toHaveLength(1);
          expect(findingsOf(threads).map(iterationOf).sort()).toEqual([1, 2]);
          const statuses = (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[]).filter(
            (status) => status.state === 'succeeded',
          );
          expect(statuses.map((status) => status.iterationId)).toEqual([1, 2]);
        }
      }),
    300_000,
  );
});
