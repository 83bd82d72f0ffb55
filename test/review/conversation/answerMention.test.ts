import {
  answerMention,
  MAX_DISCUSSION_CHARS,
  type MentionDependencies,
} from '../../../shared/review/conversation/answerMention';
import { InMemoryPlatform } from '../../support/inMemoryPlatform';
import { ScriptedChatModel } from '../../support/scriptedChatModel';

/** Answering a mention of the app, against an in-memory platform and a scripted model: once, and only to others. */

function setUp() {
  const platform = new InMemoryPlatform('bot-id');
  const model = new ScriptedChatModel(() => ({ reply: '  Because it runs arbitrary code.  ' }));
  const deps: MentionDependencies = {
    platform,
    model,
    log: { info: () => undefined },
    ignoredIdentityIds: ['other-bot'],
  };
  const ref = platform.openPullRequest({
    target: { 'src/a.ts': 'export {};\n' },
    source: { 'src/a.ts': 'export {};\nconst rules = eval(coupon);\n' },
    title: 'Coupons',
  });
  return { platform, model, deps, ref };
}

const MENTION = '@<BOT-ID> why is this dangerous? cc @<someone-else>';

describe('a comment that mentions the app', () => {
  it('is answered as a reply to it, with the code the thread is on and no identity ids in the prompt', async () => {
    const { platform, model, deps, ref } = setUp();
    const finding = await platform.createThread(ref, {
      content: 'eval is dangerous',
      status: 'active',
      properties: {},
      position: {
        filePath: '/src/a.ts',
        side: 'right',
        startLine: 2,
        endLine: 2,
        endOffset: 1,
        iterationId: 1,
        changeTrackingId: 1,
      },
    });
    const { commentId } = platform.addComment(ref, {
      authorId: 'dev-id',
      content: MENTION,
      threadId: finding.id,
    });

    expect(await answerMention(ref, finding.id, commentId, deps)).toEqual({ kind: 'answered' });
    const replies = platform
      .threads(ref)[0]
      .comments.filter((comment) => comment.parentCommentId === commentId);
    expect(replies).toEqual([
      expect.objectContaining({ authorId: 'bot-id', content: 'Because it runs arbitrary code.' }),
    ]);
    const prompt = model.requests[0].user;
    expect(prompt).toContain('Pull request: Coupons');
    expect(prompt).toContain('/src/a.ts, lines 2–2 (with context):');
    expect(prompt).toContain('    2 const rules = eval(coupon);');
    expect(prompt).toContain('dev-id: @ado-reviewer why is this dangerous? cc @someone');
    expect(prompt.toLowerCase()).not.toContain('bot-id');
  });

  it('puts a bounded discussion in the prompt, newest comments first kept, however long the thread', async () => {
    const { platform, model, deps, ref } = setUp();
    const thread = await platform.createThread(ref, { content: 'start', status: 'active', properties: {} });
    for (let index = 0; index < 300; index++) {
      platform.addComment(ref, {
        authorId: 'dev-id',
        content: `${index} ${'x'.repeat(1_000)}`,
        threadId: thread.id,
      });
    }
    platform.addComment(ref, { authorId: 'dev-id', content: 'y'.repeat(200_000), threadId: thread.id });
    const { commentId } = platform.addComment(ref, {
      authorId: 'dev-id',
      content: MENTION,
      threadId: thread.id,
    });

    expect(await answerMention(ref, thread.id, commentId, deps)).toEqual({ kind: 'answered' });
    const prompt = model.requests[0].user;
    expect(prompt.length).toBeLessThan(MAX_DISCUSSION_CHARS + 5_000);
    expect(prompt).toContain('why is this dangerous?');
    expect(prompt).toMatch(/\(\d+ earlier comments not shown\)/);
    expect(prompt).toContain('[…cut]');
  });

  it('is answered once, however often it is delivered', async () => {
    const { platform, model, deps, ref } = setUp();
    const { threadId, commentId } = platform.addComment(ref, { authorId: 'dev-id', content: MENTION });
    expect(await answerMention(ref, threadId, commentId, deps)).toEqual({ kind: 'answered' });
    expect(await answerMention(ref, threadId, commentId, deps)).toEqual({
      kind: 'skipped',
      reason: 'already answered',
    });
    expect(model.requests).toHaveLength(1);
    expect(platform.threads(ref)[0].comments).toHaveLength(2);
  });
});

describe('comments the app does not answer', () => {
  it.each([
    ['its own', 'bot-id', MENTION, 'comment by an ignored identity'],
    ['an ignored identity’s', 'other-bot', MENTION, 'comment by an ignored identity'],
    ['one without a mention', 'dev-id', 'Looks good to me.', 'the app is not mentioned'],
  ])('%s', async (_name, authorId, content, reason) => {
    const { platform, model, deps, ref } = setUp();
    const { threadId, commentId } = platform.addComment(ref, { authorId, content });
    expect(await answerMention(ref, threadId, commentId, deps)).toEqual({ kind: 'skipped', reason });
    expect(model.requests).toHaveLength(0);
    expect(platform.threads(ref)[0].comments).toHaveLength(1);
  });

  it('one that no longer exists', async () => {
    const { deps, ref } = setUp();
    expect(await answerMention(ref, 99, 1, deps)).toEqual({
      kind: 'skipped',
      reason: 'the comment no longer exists',
    });
  });
});
