import {
  openSamplePullRequest,
  startSandbox,
  threadKind,
  type Json,
  type Sandbox,
} from '../../../dev/sandbox/sandbox';

/**
 * Someone mentions the app in a thread: it answers once, in that thread, as a reply to that comment — and never to
 * its own comments, to comments that do not mention it, or twice to the same comment.
 */

let sandbox: Sandbox;
let repositoryId: string;
let pullRequestId: number;

const replyRequests = () =>
  sandbox.llm.requests.filter(
    (request) => request.body.response_format?.json_schema?.name === 'thread_reply',
  );
const thread = (id: number) =>
  (sandbox.devops.threads(repositoryId, pullRequestId) as Json[]).find(
    (candidate) => candidate.id === id,
  ) as Json;
const botReplies = (id: number) =>
  (thread(id).comments as Json[]).filter(
    (comment) => comment.author.id === sandbox.devops.botIdentity.id && comment.parentCommentId !== 0,
  );

beforeAll(async () => {
  sandbox = await startSandbox({ retryDelayMs: 200 });
  ({ repositoryId, pullRequestId } = await openSamplePullRequest(sandbox));
  await sandbox.settled();
});

afterAll(async () => {
  await sandbox?.close();
});

describe('a mention of the app in a finding thread', () => {
  let threadId: number;
  let commentId: number;

  beforeAll(async () => {
    const evalThread = sandbox
      .botThreads(repositoryId, pullRequestId)
      .find(
        (candidate) =>
          threadKind(candidate) === 'finding' && String(candidate.comments[0].content).includes('eval'),
      );
    threadId = evalThread?.id as number;
    const mention = `@<${sandbox.devops.botIdentity.id.toUpperCase()}> why is this dangerous here?`;
    const added = await sandbox.devops.addComment({ pullRequestId, threadId, content: mention });
    commentId = added.comment.id as number;
    await sandbox.settled();
  });

  it('is answered once, as a reply to that comment, with the code the thread is on in the prompt', () => {
    const replies = botReplies(threadId);
    expect(replies).toHaveLength(1);
    expect(replies[0].parentCommentId).toBe(commentId);
    expect(replies[0].content).toBe(
      // Mentions in the model's reply are escaped (`\@`): they render as text and notify no one.
      'You asked: "\\@ado-reviewer why is this dangerous here?". Line 2 reads `const rules = eval(coupon);`.',
    );
    const prompt = replyRequests()[0].body.messages[1].content;
    expect(prompt).toContain('/src/discounts.ts, lines 2–2 (with context):');
    expect(prompt).not.toContain(sandbox.devops.botIdentity.id);
  });

  it('is not answered again when the delivery is repeated or the comment edited', async () => {
    await sandbox.devops.deliver('ms.vss-code.git-pullrequest-comment-event', pullRequestId, {
      threadId,
      commentId,
    });
    await sandbox.devops.editComment({
      pullRequestId,
      threadId,
      commentId,
      content: `@<${sandbox.devops.botIdentity.id}> why?`,
    });
    await sandbox.settled();
    expect(botReplies(threadId)).toHaveLength(1);
    expect(replyRequests()).toHaveLength(1);
  });
});

describe('comments the app does not answer', () => {
  it('ignores comments without a mention and its own replies (no loop)', async () => {
    const before = replyRequests().length;
    const { thread: posted } = await sandbox.devops.addComment({
      pullRequestId,
      content: 'Looks good to me.',
    });
    await sandbox.settled();
    expect(replyRequests()).toHaveLength(before);
    expect(botReplies(posted.id as number)).toHaveLength(0);
    const ignored = sandbox.host.logs.filter((entry) => /is by an ignored identity/.test(entry.message));
    expect(ignored.length).toBeGreaterThan(0);
  });
});
