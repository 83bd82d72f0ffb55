import type { TestUser } from '../../../dev/azure-devops/publicTypes';
import { scriptedReview } from '../../../dev/llm/scriptedReviewer';
import { startSandbox, threadKind, type Json, type Sandbox } from '../../../dev/sandbox/sandbox';

/**
 * Who may steer the reviewer, end to end (webhook, queue, review job, the Azure DevOps test server with a team and
 * a required reviewer, the LLM stand-in): the pull request's author can neither switch off its gate nor teach the
 * reviewer; a maintainer's pause is honoured and still never passes the gate; a learning reaches later prompts only
 * once a maintainer approved it; `forget` by someone who is no maintainer is refused.
 */

let sandbox: Sandbox;

const user = (name: string, hex: string): TestUser => ({
  id: `${hex.repeat(8)}-0000-4000-8000-000000000000`,
  displayName: name,
  uniqueName: `${name}@example.com`,
});
const author = user('Ann Author', 'a');
const maintainer = user('Max Maintainer', 'b');
const teamMember = user('Tess Team', 'c');

const bot = () => `@<${sandbox.devops.botIdentity.id}>`;

async function openPullRequest(name: string, files: Record<string, string>) {
  const repository = await sandbox.devops.createRepository({
    project: 'demo',
    name,
    files: { 'README.md': `# ${name}\n`, '.ado-reviewer.yaml': 'reviews:\n  maintainers: ["Reviewers"]\n' },
  });
  await sandbox.devops.push({
    repositoryId: repository.id,
    branch: 'feature',
    baseBranch: 'main',
    files,
    user: author,
  });
  const pr = await sandbox.devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'feature',
    targetBranch: 'main',
    title: `Change ${name}`,
    user: author,
    reviewers: [{ user: maintainer, isRequired: true }],
  });
  await sandbox.settled();
  return { repositoryId: repository.id, pullRequestId: pr.pullRequestId };
}

/** Says `text` as `who` (a new thread, or a reply in `threadId`); the app's reply to it. */
async function say(
  who: TestUser,
  pullRequestId: number,
  repositoryId: string,
  text: string,
  threadId?: number,
) {
  const { thread, comment } = await sandbox.devops.addComment({
    pullRequestId,
    content: text,
    threadId,
    user: who,
  });
  await sandbox.settled();
  const replies = (sandbox.devops.threads(repositoryId, pullRequestId) as Json[])
    .find((candidate) => candidate.id === thread.id)
    ?.comments.filter(
      (entry: Json) =>
        entry.author.id === sandbox.devops.botIdentity.id && entry.parentCommentId === comment.id,
    ) as Json[];
  return replies.map((reply) => reply.content as string).join('\n');
}

const reviewPrompts = () =>
  sandbox.llm.requests
    .filter((request) => request.body.response_format?.json_schema?.name === 'pull_request_review')
    .map((request) => JSON.stringify(request.body.messages));

beforeAll(async () => {
  sandbox = await startSandbox({
    retryDelayMs: 200,
    settings: { REVIEW_FAIL_SEVERITY: 'high' },
    responder: (request) => {
      if (request.body.response_format?.json_schema?.name === 'finding_conversation') {
        return JSON.stringify({
          reply: 'Understood.',
          dismisses: true,
          learning: 'Build scripts run trusted input only.',
          appliesTo: 'scripts/**',
        });
      }
      return scriptedReview(request);
    },
  });
  sandbox.devops.createTeam({ project: 'demo', name: 'Reviewers', members: [teamMember] });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
});

it("refuses the author's pause; honours a maintainer's, whose skipped push still does not pass the gate", async () => {
  const { repositoryId, pullRequestId } = await openPullRequest('steering', {
    'scripts/build.ts': 'export const run = (text: string) => eval(text);\n',
  });
  expect(await say(author, pullRequestId, repositoryId, `${bot()} pause`)).toMatch(
    /^Sorry, only this pull request's maintainers may use `pause`: the pull request's required reviewers and the members of "Reviewers"/,
  );
  expect(await say(teamMember, pullRequestId, repositoryId, `${bot()} pause`)).toMatch(/^Paused/);
  await sandbox.devops.push({
    repositoryId,
    branch: 'feature',
    files: { 'src/other.ts': 'export const other = 1;\n' },
    user: author,
  });
  await sandbox.settled();
  const second = (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[]).filter(
    (status) => status.iterationId === 2,
  );
  expect(second.map((status) => status.state)).toEqual(['failed']);
});

it('applies a learning only once a maintainer approves it, and never one the author proposes', async () => {
  const { repositoryId, pullRequestId } = await openPullRequest('learning', {
    'scripts/build.ts': 'export const run = (text: string) => eval(text);\n',
  });
  const finding = sandbox
    .botThreads(repositoryId, pullRequestId)
    .find((thread) => threadKind(thread) === 'finding') as Json;

  // The author's dismissal teaches nothing.
  expect(await say(author, pullRequestId, repositoryId, 'False positive.', finding.id as number)).toContain(
    "Not proposed as a learning: the pull request's author",
  );
  // A team member's dismissal proposes one; it reaches no prompt until approved.
  expect(
    await say(teamMember, pullRequestId, repositoryId, 'Trusted input.', finding.id as number),
  ).toContain('Proposed as learning 1');
  expect(await say(author, pullRequestId, repositoryId, `${bot()} forget 1`)).toMatch(/^Sorry, only/);

  const before = reviewPrompts().length;
  await sandbox.devops.push({
    repositoryId,
    branch: 'feature',
    files: { 'scripts/deploy.ts': 'export const deploy = (text: string) => eval(text);\n' },
    user: author,
  });
  await sandbox.settled();
  expect(reviewPrompts().slice(before).join('\n')).not.toContain('Build scripts run trusted input only.');

  expect(await say(maintainer, pullRequestId, repositoryId, `${bot()} learnings approve 1`)).toMatch(
    /^Approved learning 1 for `scripts\/\*\*`/,
  );
  const approvedAt = reviewPrompts().length;
  await sandbox.devops.push({
    repositoryId,
    branch: 'feature',
    files: { 'scripts/release.ts': 'export const release = (text: string) => eval(text);\n' },
    user: author,
  });
  await sandbox.settled();
  expect(reviewPrompts().slice(approvedAt).join('\n')).toContain('Build scripts run trusted input only.');
});
