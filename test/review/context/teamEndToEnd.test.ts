import { startSandbox, threadKind, type Json, type Sandbox } from '../../../dev/sandbox/sandbox';

/**
 * Teams steering the reviewer end to end, through the stand-in host, the Azure DevOps test server and the LLM
 * stand-in: the target branch's configuration, commands answered once under redelivery, pause and resume, a reply
 * answered without a mention with the linked work item in its prompt, and a push that fixes a finding.
 */

let sandbox: Sandbox;
let repositoryId: string;
let pullRequestId: number;

const bot = () => sandbox.devops.botIdentity.id;
const threads = () => sandbox.devops.threads(repositoryId, pullRequestId) as Json[];
const findingThreads = () =>
  sandbox.botThreads(repositoryId, pullRequestId).filter((thread) => threadKind(thread) === 'finding');
const repliesTo = (threadId: number, commentId: number) =>
  (threads().find((thread) => thread.id === threadId)?.comments as Json[]).filter(
    (comment) => comment.author.id === bot() && comment.parentCommentId === commentId,
  );
const llmCalls = (schema: string) =>
  sandbox.llm.requests.filter((request) => request.body.response_format?.json_schema?.name === schema);

/** Posts `text` as a new thread, waits, delivers it again, waits: returns the app's replies to it. */
async function command(text: string) {
  const { thread, comment } = await sandbox.devops.addComment({ pullRequestId, content: text });
  await sandbox.settled();
  await sandbox.devops.deliver('ms.vss-code.git-pullrequest-comment-event', pullRequestId, {
    threadId: thread.id as number,
    commentId: comment.id as number,
  });
  await sandbox.settled();
  return repliesTo(thread.id as number, comment.id as number);
}

beforeAll(async () => {
  sandbox = await startSandbox({ retryDelayMs: 200 });
  const repository = await sandbox.devops.createRepository({
    project: 'demo',
    name: 'team',
    files: {
      'README.md': '# Team\n',
      // The team's maintainer is the test server's default user, who gives the commands below.
      '.ado-reviewer.yaml': `reviews:\n  path_filters: ["!generated/**"]\n  maintainers: ["${sandbox.devops.defaultUser.id}"]\n`,
    },
  });
  repositoryId = repository.id;
  await sandbox.devops.push({
    repositoryId,
    branch: 'feature',
    baseBranch: 'main',
    files: {
      'src/rules.ts': 'export const rules = (text: string) => eval(text);\n',
      'generated/api.ts': 'export const api = (text: string) => eval(text);\n',
      // The source branch's version of the file has no effect on this pull request's review.
      '.ado-reviewer.yaml': 'reviews:\n  path_filters: ["!src/**"]\n',
    },
  });
  const workItem = sandbox.devops.createWorkItem({
    title: 'Rules from coupons',
    description: '<p>Coupons carry pricing rules.</p>',
  });
  const pr = await sandbox.devops.createPullRequest({
    repositoryId,
    sourceBranch: 'feature',
    targetBranch: 'main',
    title: 'Coupon rules',
  });
  pullRequestId = pr.pullRequestId;
  sandbox.devops.linkWorkItem({ pullRequestId, workItemId: workItem.id });
  await sandbox.settled();
});

afterAll(async () => {
  await sandbox?.close();
});

it('reviews with the target branch configuration: excluded files get no thread, the source file has no effect', () => {
  const paths = findingThreads().map((thread) => thread.threadContext?.filePath);
  expect(paths).toContain('/src/rules.ts');
  expect(paths).not.toContain('/generated/api.ts');
});

it('help is answered once, however often it is delivered', async () => {
  const replies = await command(`@<${bot()}> help`);
  expect(replies).toHaveLength(1);
  expect(replies[0].content).toContain('| `pause` |');
});

it('pause stops reviews of new pushes, resume and review bring them back, each acknowledged once', async () => {
  expect(await command(`@<${bot()}> pause`)).toHaveLength(1);
  const reviewsBefore = sandbox.llm.requests.length;
  await sandbox.devops.push({
    repositoryId,
    branch: 'feature',
    files: { 'src/more.ts': 'console.log(1);\n' },
  });
  await sandbox.settled();
  expect(sandbox.llm.requests.length).toBe(reviewsBefore);
  expect(await command(`@<${bot()}> resume`)).toHaveLength(1);
  const reviewed = await command(`@<${bot()}> review`);
  expect(reviewed).toHaveLength(1);
  expect(reviewed[0].content).toMatch(/^Reviewed iteration 2/);
  expect(findingThreads().some((thread) => thread.threadContext?.filePath === '/src/more.ts')).toBe(true);
});

it('answers a reply in a finding thread without a mention, with the linked work item in the prompt', async () => {
  const finding = findingThreads().find((thread) => thread.threadContext?.filePath === '/src/rules.ts')!;
  const { comment } = await sandbox.devops.addComment({
    pullRequestId,
    threadId: finding.id as number,
    content: 'Is this really reachable?',
  });
  await sandbox.settled();
  expect(repliesTo(finding.id as number, comment.id as number)).toHaveLength(1);
  const prompt = llmCalls('finding_conversation').at(-1)?.body.messages[1].content as string;
  expect(prompt).toContain('Rules from coupons');
  expect(prompt).toContain('Coupons carry pricing rules.');
});

it('a push that fixes a finding resolves its thread as fixed, with a reply naming the iteration', async () => {
  await sandbox.devops.push({
    repositoryId,
    branch: 'feature',
    files: { 'src/rules.ts': 'export const rules = (text: string) => JSON.parse(text);\n' },
  });
  await sandbox.settled();
  const finding = findingThreads().find((thread) => thread.threadContext?.filePath === '/src/rules.ts')!;
  expect(finding.status).toBe('fixed');
  expect((finding.comments as Json[]).at(-1)?.content).toMatch(/^Fixed in iteration 3/);
});

it('resolve closes the open finding threads', async () => {
  const replies = await command(`@<${bot()}> resolve`);
  expect(replies).toHaveLength(1);
  expect(findingThreads().filter((thread) => thread.status === 'active')).toEqual([]);
});
