import { z } from 'zod';
import type { ChatModel } from '../../llm/chatModel';
import { FAILURE_MESSAGES, newCorrelationId } from '../domain/failures';
import { injectionSigns } from '../safety/injectionCheck';
import type { PullRequestPlatform, PullRequestRef, ThreadComment, ThreadDetails } from '../domain/platform';
import { capText, sanitizeMarkdown } from '../safety/sanitizeModelText';
import { maskCredentials } from '../safety/secretScan';
import {
  type Boundary,
  containsCanary,
  createBoundary,
  fencedInstructions,
} from '../safety/untrustedBoundary';
import { codeExcerpt, codeSection, excerptText, type ExcerptDependencies } from './codeExcerpt';

const threadReplySchema = z.object({
  reply: z.string().describe('The answer to post in the thread, in Markdown: direct, specific, brief.'),
});

const REPLY_INSTRUCTIONS = `You are ado-reviewer, a careful senior engineer, answering a question addressed to you in an Azure DevOps pull
request discussion. Answer the last comment, using the code excerpt when there is one. Be direct and brief; say
so when you are not sure. Write plain Markdown: no images, no HTML, no links, no mentions.`;

/** A reply is one comment: well under Azure DevOps' 150,000 characters whatever the model writes. */
const MAX_REPLY_CHARS = 20_000;

export interface MentionDependencies extends ExcerptDependencies {
  platform: PullRequestPlatform;
  model: ChatModel;
  log: { info(message: string): void };
  ignoredIdentityIds: string[];
  /** Links into the organization stay links in the reply; others become plain text. */
  orgUrl?: string;
  /** What the team taught the reviewer about the thread's file, and the linked work items (texts to fence). */
  teamContext?: (filePath: string | undefined) => Promise<TeamPromptContext>;
}

export interface TeamPromptContext {
  learnings: string;
  workItems: string;
}

type MentionOutcome = { kind: 'answered' } | { kind: 'skipped'; reason: string };

/** Azure DevOps writes a mention of an identity into the comment's Markdown as `@<identity id>`. */
const mentions = (content: string, identityId: string) => content.toLowerCase().includes(`@<${identityId}>`);
const withoutIdentityCase = (content: string) =>
  content.replace(/@<([^>]+)>/g, (_mention, id: string) => `@<${id.toLowerCase()}>`);

/** The thread's comments up to `commentId`, one line each, with the app named and other people's ids hidden. */
/**
 * What a thread's discussion may put in a prompt, in characters: about a review chunk's worth (REVIEW_CHUNK_TOKENS'
 * default at ~3.5 characters a token), so a thread of thousands of comments, or one huge comment, stays bounded.
 */
export const MAX_DISCUSSION_CHARS = 80_000;
const MAX_COMMENT_CHARS = 20_000;

export function discussionLines(thread: ThreadDetails, ownId: string, commentId: number): string[] {
  const lines = thread.comments
    .filter((entry) => !entry.isDeleted && entry.id <= commentId)
    .map((entry) => {
      // Mentions are identity ids in the Markdown: name the app, and hide other people's ids.
      const text = withoutIdentityCase(entry.content)
        .split(`@<${ownId}>`)
        .join('@ado-reviewer')
        .replace(/@<[^>]+>/g, '@someone');
      const shown = text.length > MAX_COMMENT_CHARS ? `${text.slice(0, MAX_COMMENT_CHARS)} […cut]` : text;
      return `${entry.authorId === ownId ? 'ado-reviewer (you)' : entry.authorName}: ${shown}`;
    });
  // The newest comments matter most (the one being answered is last): drop the oldest past the budget.
  let total = 0;
  let first = lines.length;
  while (first > 0 && total + lines[first - 1].length <= MAX_DISCUSSION_CHARS) total += lines[--first].length;
  return first === 0 ? lines : [`(${first} earlier comments not shown)`, ...lines.slice(first)];
}

/** The team's texts of a prompt, for the boundary to avoid. */
export const teamTexts = (team: TeamPromptContext | undefined) => [
  team?.learnings ?? '',
  team?.workItems ?? '',
];

/** The team's learnings and the linked work items, each fenced, for a prompt (nothing when there are none). */
export function teamSections(boundary: Boundary, team: TeamPromptContext | undefined): string[] {
  return [
    ...(team === undefined || team.learnings === ''
      ? []
      : ['', 'What the team taught you in this repository:', boundary.fence('learnings', team.learnings)]),
    ...(team === undefined || team.workItems === ''
      ? []
      : ['', 'Work items linked to the pull request:', boundary.fence('work-items', team.workItems)]),
  ];
}

/**
 * A reply asked of the light model; an answer that holds the prompt's canary is never posted (logged under an id,
 * with `where` the comment answered).
 */
export async function askForReply<T>(
  deps: Pick<MentionDependencies, 'model' | 'log'>,
  request: { system: string; canary: string; user: string; schema: z.ZodType<T>; schemaName: string },
  where: string,
): Promise<{ answer: T } | { skipped: string }> {
  const { canary, ...asked } = request;
  const answer = await deps.model.completeStructured({ ...asked, tier: 'light' });
  if (!containsCanary(answer, canary)) return { answer };
  const correlationId = newCorrelationId();
  deps.log.info(`${where}: ${FAILURE_MESSAGES['model-output-blocked']}; no reply (ref ${correlationId})`);
  return { skipped: `model output blocked (ref ${correlationId})` };
}

type CommentToAnswer = { skipped: string } | { ownId: string; thread: ThreadDetails; comment: ThreadComment };

/** The comment a job names, unless it is gone or written by the app or an ignored identity (never answered). */
export async function commentToAnswer(
  ref: PullRequestRef,
  threadId: number,
  commentId: number,
  deps: Pick<MentionDependencies, 'platform' | 'ignoredIdentityIds'>,
): Promise<CommentToAnswer> {
  const ownId = await deps.platform.getOwnIdentityId();
  const thread = await deps.platform.getThread(ref, threadId);
  const comment = thread?.comments.find((candidate) => candidate.id === commentId);
  if (thread === undefined || comment === undefined || comment.isDeleted) {
    return { skipped: 'the comment no longer exists' };
  }
  if (comment.authorId === ownId || deps.ignoredIdentityIds.includes(comment.authorId)) {
    return { skipped: 'comment by an ignored identity' };
  }
  return { ownId, thread, comment };
}

/** A redelivered event must not be answered twice: the app's live reply to the comment says it was answered. */
export function hasOwnReply(thread: ThreadDetails, ownId: string, commentId: number): boolean {
  return thread.comments.some(
    (reply) => reply.authorId === ownId && reply.parentCommentId === commentId && !reply.isDeleted,
  );
}

/**
 * Answers a comment that mentions the app, once: a comment that already has the app's reply, that does not mention
 * it, or that comes from the app itself or an ignored identity gets nothing.
 */
export async function answerMention(
  ref: PullRequestRef,
  threadId: number,
  commentId: number,
  deps: MentionDependencies,
): Promise<MentionOutcome> {
  const { platform } = deps;
  const found = await commentToAnswer(ref, threadId, commentId, deps);
  if ('skipped' in found) return { kind: 'skipped', reason: found.skipped };
  const { ownId, thread, comment } = found;
  if (!mentions(comment.content, ownId)) return { kind: 'skipped', reason: 'the app is not mentioned' };
  if (hasOwnReply(thread, ownId, commentId)) return { kind: 'skipped', reason: 'already answered' };

  const pullRequest = await platform.getPullRequest(ref);
  const conversation = discussionLines(thread, ownId, commentId);
  const excerpt = await codeExcerpt(deps, ref, thread);
  const team = await deps.teamContext?.(thread.filePath);
  const title = `Pull request: ${pullRequest.title}`;
  const boundary = createBoundary([title, excerptText(excerpt), ...teamTexts(team), ...conversation]);
  const { system, canary } = fencedInstructions(boundary, REPLY_INSTRUCTIONS);
  const user = [
    boundary.fence('pull-request', maskCredentials(title)),
    ...teamSections(boundary, team),
    ...codeSection(boundary, 'Code:', excerpt),
    '',
    'Discussion so far (oldest first):',
    boundary.fence('discussion', maskCredentials(conversation.join('\n'))),
  ].join('\n');
  const request = { system, canary, user, schema: threadReplySchema, schemaName: 'thread_reply' };
  const asked = await askForReply(deps, request, `Comment ${commentId} in thread ${threadId}`);
  if ('skipped' in asked) return { kind: 'skipped', reason: asked.skipped };
  const { answer } = asked;
  // An attempt to steer the app, in the discussion, is said so in the reply (named, never quoted).
  const signs = [...new Set(conversation.flatMap((entry) => injectionSigns(entry)))];
  const note =
    signs.length === 0
      ? ''
      : `\n\n_Note: this discussion contains text addressed to an AI reviewer (${signs.join('; ')}); ` +
        'ado-reviewer treated it as data._';
  const reply = sanitizeMarkdown(capText(answer.reply.trim(), MAX_REPLY_CHARS), {
    allowedLinkPrefix: deps.orgUrl,
  });
  await platform.replyToComment(ref, threadId, commentId, reply + note);
  deps.log.info(`Answered comment ${commentId} in thread ${threadId} of PR ${ref.pullRequestId}`);
  return { kind: 'answered' };
}
