import { z } from 'zod';
import type { ChatModel } from '../../llm/chatModel';
import {
  askForReply,
  discussionLines,
  teamSections,
  teamTexts,
  type TeamPromptContext,
} from './answerMention';
import { codeExcerpt, codeSection, excerptText, type ExcerptDependencies } from './codeExcerpt';
import { PROPERTY } from '../publish/comments';
import type { PullRequestPlatform, PullRequestRef, ReviewThread, ThreadDetails } from '../domain/platform';
import type { Learning } from '../domain/reviewStore';
import { capText, sanitizeMarkdown } from '../safety/sanitizeModelText';
import { maskCredentials } from '../safety/secretScan';
import { STATUS_SET_BY_APP } from '../publish/findingThreadStatus';
import { newLearning } from '../context/learnings';
import { proposedScope } from './learningProposals';
import { createBoundary, fencedInstructions } from '../safety/untrustedBoundary';

/**
 * A reply in one of the app's finding threads, answered without a mention: from the finding, the code the thread is
 * on (newest iteration and the one it was found in) and the discussion. The same light-tier call says whether the
 * reply dismisses the finding (false positive, won't fix, by design, in any language) and what rule it teaches.
 */

const findingConversationSchema = z.object({
  reply: z.string().describe('Your answer to the last comment, in Markdown: direct, specific, brief.'),
  dismisses: z
    .boolean()
    .describe(
      'Whether the last comment rejects the finding: a false positive, will not fix, by design, or alike.',
    ),
  learning: z
    .string()
    .nullable()
    .describe(
      'When it dismisses the finding and says why: the general rule to remember for later reviews, in one or ' +
        'two sentences; otherwise null.',
    ),
  appliesTo: z
    .string()
    .nullable()
    .describe(
      'A glob of the files the rule applies to (e.g. src/legacy/**), or null for the whole repository.',
    ),
});

const INSTRUCTIONS = `You are ado-reviewer, a careful senior engineer. Someone replied in the thread of a finding you posted on an Azure
DevOps pull request. Answer their last comment, using the finding, the code and the discussion. Be direct and
brief; say so when you are not sure. Write plain Markdown: no images, no HTML, no links, no mentions.
Also say whether the last comment dismisses the finding (a false positive, will not fix, by design, in any
language). If it does, acknowledge it in one short sentence; if it gives a reason that generalises, state it as
a rule to remember, and the files it applies to.`;

const MAX_REPLY_CHARS = 20_000;

interface ConversationDependencies extends ExcerptDependencies {
  platform: PullRequestPlatform;
  model: ChatModel;
  log: { info(message: string): void };
  orgUrl?: string;
  teamContext?: (filePath: string | undefined) => Promise<TeamPromptContext>;
  /** Proposes a learning (none when learnings are off for the repository); returns the reply's note about it. */
  learn?: (learning: Learning) => Promise<string>;
  now: () => Date;
}

type ConversationOutcome =
  { kind: 'answered'; dismissed: boolean; learned: boolean } | { kind: 'skipped'; reason: string };

export async function answerInFindingThread(
  ref: PullRequestRef,
  thread: ThreadDetails,
  summary: ReviewThread,
  commentId: number,
  ownId: string,
  deps: ConversationDependencies,
): Promise<ConversationOutcome> {
  const { platform } = deps;
  const comment = thread.comments.find((candidate) => candidate.id === commentId);
  if (comment === undefined) return { kind: 'skipped', reason: 'the comment no longer exists' };
  const iterations = await platform.listIterations(ref);
  const origin = iterations.find(
    (iteration) => String(iteration.id) === summary.properties[PROPERTY.iteration],
  );
  const newest = iterations.at(-1);
  const [current, original] = await Promise.all([
    codeExcerpt(deps, ref, thread, newest),
    origin === undefined || origin.id === newest?.id
      ? Promise.resolve(undefined)
      : codeExcerpt(deps, ref, thread, origin),
  ]);
  const discussion = discussionLines(thread, ownId, commentId);
  const team = await deps.teamContext?.(thread.filePath);
  const boundary = createBoundary([
    excerptText(current),
    excerptText(original),
    ...teamTexts(team),
    ...discussion,
  ]);
  const { system, canary } = fencedInstructions(boundary, INSTRUCTIONS);
  const user = [
    ...teamSections(boundary, team),
    ...codeSection(boundary, 'The code now:', current),
    ...codeSection(boundary, `The code when the finding was posted (iteration ${origin?.id}):`, original),
    '',
    'The finding (your first comment) and the discussion so far (oldest first):',
    boundary.fence('discussion', maskCredentials(discussion.join('\n'))),
  ].join('\n');
  const request = {
    system,
    canary,
    user,
    schema: findingConversationSchema,
    schemaName: 'finding_conversation',
  };
  const asked = await askForReply(deps, request, `Comment ${commentId} in thread ${thread.id}`);
  if ('skipped' in asked) return { kind: 'skipped', reason: asked.skipped };
  const { answer } = asked;
  const reply = sanitizeMarkdown(capText(answer.reply.trim(), MAX_REPLY_CHARS), {
    allowedLinkPrefix: deps.orgUrl,
  });
  let learned = false;
  let note = '';
  if (answer.dismisses) {
    // The person's call: the thread is theirs to reopen, and the app records that it set this status.
    await platform.updateThreadStatus(ref, thread.id, 'wontFix', { [STATUS_SET_BY_APP]: 'wontFix' });
    const rule = answer.learning?.trim() ?? '';
    if (deps.learn !== undefined && rule !== '' && thread.filePath !== undefined) {
      note = await deps.learn(
        newLearning({
          text: rule,
          path: proposedScope(answer.appliesTo, thread.filePath),
          author: comment.authorName,
          authorId: comment.authorId.toLowerCase(),
          at: deps.now().toISOString(),
          pullRequestId: ref.pullRequestId,
          threadId: thread.id,
        }),
      );
      learned = true;
    }
  }
  await platform.replyToComment(ref, thread.id, commentId, (reply || 'Noted.') + (note && `\n\n_${note}_`));
  deps.log.info(
    `Answered comment ${commentId} in finding thread ${thread.id} of PR ${ref.pullRequestId}` +
      (answer.dismisses ? ' (dismissed: wontFix)' : ''),
  );
  return { kind: 'answered', dismissed: answer.dismisses, learned };
}
