import type { ReviewSettings } from '../../config/reviewSettings';
import type { ChatModel } from '../../llm/chatModel';
import { answerMention, commentToAnswer, hasOwnReply, type TeamPromptContext } from './answerMention';
import { parseCommentCommand } from './commands';
import { PROPERTY } from '../publish/comments';
import type { PullRequestPlatform, PullRequestRef } from '../domain/platform';
import type { ReviewOutcome, ReviewRequest } from '../reviewRequest';
import type { ReviewStore } from '../domain/reviewStore';
import { isApplied, learningsFor, renderLearningsForPrompt } from '../context/learnings';
import { fetchLinkedWorkItems, renderLinkedWorkItems } from '../context/linkedWorkItems';
import { readRepositoryConfig } from '../context/repositoryConfigFile';
import { answerInFindingThread } from './findingConversation';
import { proposeLearning } from './learningProposals';
import { maintainersOf } from './maintainers';
import { runCommand } from './runCommand';

/**
 * A comment on a pull request, routed: a command after a mention of the app is carried out and acknowledged; a
 * question after a mention is answered; a reply in one of the app's finding threads is answered without a mention
 * (`chat.auto_reply`). Every comment gets at most one reply: a comment that already has the app's reply is left
 * alone, whatever the number of deliveries or edits.
 */

export interface CommentDependencies {
  platform: PullRequestPlatform;
  model: ChatModel;
  store: ReviewStore;
  log: { info(message: string): void; warn(message: string): void };
  /** The review's settings: who is ignored, the organization's URL, and how the team steers the reviewer. */
  settings: ReviewSettings;
  /** Runs a review of the pull request now, as the `review` and `full review` commands ask. */
  review(request: ReviewRequest): Promise<ReviewOutcome>;
  now: () => Date;
}

type CommentOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'answered'; as: 'question' | 'conversation' | 'command' }
  /** The pull request's review lock is held: the job should look again later. */
  | { kind: 'busy' };

export async function answerComment(
  ref: PullRequestRef,
  threadId: number,
  commentId: number,
  deps: CommentDependencies,
): Promise<CommentOutcome> {
  const { platform, settings } = deps;
  const answering = {
    ...deps,
    ignoredIdentityIds: settings.policy.ignoredIdentityIds,
    orgUrl: settings.safety.orgUrl,
  };
  const found = await commentToAnswer(ref, threadId, commentId, answering);
  if ('skipped' in found) return { kind: 'skipped', reason: found.skipped };
  const { ownId, thread, comment } = found;
  if (hasOwnReply(thread, ownId, commentId)) return { kind: 'skipped', reason: 'already answered' };
  const command = parseCommentCommand(comment.content, ownId);
  const summary = (await platform.listThreads(ref)).find((candidate) => candidate.id === threadId);
  const inFindingThread =
    summary?.firstCommentAuthorId?.toLowerCase() === ownId &&
    summary.properties[PROPERTY.kind] === 'finding' &&
    thread.comments[0]?.id !== commentId;
  if (command === undefined && !inFindingThread)
    return { kind: 'skipped', reason: 'the app is not mentioned' };

  // The configuration of the target branch, as the review reads it: it decides auto_reply and learnings.
  const newest = (await platform.listIterations(ref)).at(-1);
  const repositoryConfig = await readRepositoryConfig(
    platform,
    ref,
    newest ?? { targetCommitId: '', sourceCommitId: '' },
    { ...settings.team, appDefaults: settings.policy },
  );
  const config = repositoryConfig.config;
  const learningsEnabled = settings.team.learningsEnabled && config.knowledge_base.learnings.enabled;
  const teamContext = async (filePath: string | undefined): Promise<TeamPromptContext> => {
    const [learnings, workItems] = await Promise.all([
      learningsEnabled ? deps.store.readLearnings(ref) : Promise.resolve([]),
      fetchLinkedWorkItems(platform, ref).catch(() => []),
    ]);
    return {
      learnings: renderLearningsForPrompt(
        filePath === undefined ? learnings.filter(isApplied) : learningsFor(learnings, filePath),
      ),
      workItems: renderLinkedWorkItems(workItems),
    };
  };

  if (command !== undefined && command.kind !== 'question') {
    const result = await runCommand(
      ref,
      command,
      { threadId, commentId, authorId: comment.authorId, authorName: comment.authorName, ownId },
      {
        ...deps,
        repositoryConfig,
        learningsEnabled,
        maintainers: () =>
          platform
            .getPullRequest(ref)
            .then((pullRequest) => maintainersOf(ref, platform, pullRequest, config.reviews.maintainers)),
      },
    );
    if ('kind' in result) return result;
    await platform.replyToComment(ref, threadId, commentId, result.reply);
    deps.log.info(`PR ${ref.pullRequestId}: command ${command.kind} in comment ${commentId} acknowledged`);
    return { kind: 'answered', as: 'command' };
  }
  // A mention is a question wherever it is; a reply without one, in a finding thread, is a conversation.
  if (command === undefined && summary !== undefined) {
    if (!config.chat.auto_reply) {
      return { kind: 'skipped', reason: 'replies are not answered without a mention (chat.auto_reply)' };
    }
    const outcome = await answerInFindingThread(ref, thread, summary, commentId, ownId, {
      ...answering,
      teamContext,
      repositoryConfig,
      learn: learningsEnabled
        ? async (learning) => {
            const { authorId } = await platform.getPullRequest(ref);
            const by = { pullRequestAuthor: authorId.toLowerCase() === comment.authorId.toLowerCase() };
            const proposal = await proposeLearning(deps.store, ref, learning, by);
            return 'proposed' in proposal
              ? `Proposed as learning ${proposal.proposed} for this repository: a maintainer applies it to ` +
                  `later reviews with \`learnings approve ${proposal.proposed}\`.`
              : `Not proposed as a learning: ${proposal.notProposed}.`;
          }
        : undefined,
    });
    return outcome.kind === 'answered' ? { kind: 'answered', as: 'conversation' } : outcome;
  }
  const outcome = await answerMention(ref, threadId, commentId, {
    ...answering,
    teamContext,
    repositoryConfig,
  });
  return outcome.kind === 'answered' ? { kind: 'answered', as: 'question' } : outcome;
}
