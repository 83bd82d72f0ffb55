import { stringify } from 'yaml';
import type { ResolvedRepositoryConfig } from '../../repository-config';
import { commandCatalog, renderCommandHelp, type CommentCommand } from './commands';
import { approveLearning } from './learningProposals';
import type { Maintainers } from './maintainers';
import { PROPERTY, renderSummaryComment } from '../publish/comments';
import { fencedPlatform } from '../publish/fencedPlatform';
import type { PullRequestPlatform, PullRequestRef } from '../domain/platform';
import type { ReviewOutcome, ReviewRequest } from '../reviewRequest';
import type { Learning, ReviewLock, ReviewState, ReviewStore } from '../domain/reviewStore';
import { codeFence, codeSpan } from '../safety/sanitizeModelText';
import { isOpen, STATUS_SET_BY_APP } from '../publish/findingThreadStatus';
import { isApplied } from '../context/learnings';
import { describeConfigProblems } from '../context/repositoryConfigFile';

/** What a command needs: the platform and store, a way to run a review, and the repository's configuration. */
interface CommandDependencies {
  platform: PullRequestPlatform;
  store: ReviewStore;
  review(request: ReviewRequest): Promise<ReviewOutcome>;
  repositoryConfig: ResolvedRepositoryConfig;
  learningsEnabled: boolean;
  /** Who may give the commands the catalog marks `maintainers` (read only when one is given). */
  maintainers: () => Promise<Maintainers>;
  now: () => Date;
}

/** The reply to post, or `busy` when the pull request's review lock is held (the job looks again later). */
type CommandResult = { reply: string } | { kind: 'busy' };

type Command = Exclude<CommentCommand, { kind: 'question' }>;

/**
 * Carries out one command and words its acknowledgement. Each is safe to repeat: a job redelivered before its reply
 * was posted does the same again (a review already done is not done twice) and then replies.
 */
export async function runCommand(
  ref: PullRequestRef,
  command: Command,
  source: { threadId: number; commentId: number; authorId: string; authorName: string; ownId: string },
  deps: CommandDependencies,
): Promise<CommandResult> {
  const entry = commandCatalog.find((candidate) => candidate.kind === command.kind);
  if (entry?.maintainers) {
    const maintainers = await deps.maintainers();
    if (!(await maintainers.includes(source.authorId))) {
      return {
        reply:
          `Sorry, only this pull request's maintainers may use ${codeSpan(entry.usage)}: ` +
          `${maintainers.description}. Ask one of them, or ask me a question instead.`,
      };
    }
  }
  switch (command.kind) {
    case 'review':
    case 'fullReview': {
      const full = command.kind === 'fullReview';
      const outcome = await deps.review({
        kind: 'command',
        full,
        key: `full-${source.threadId}-${source.commentId}`,
      });
      if (outcome.kind === 'busy') return { kind: 'busy' };
      const reviewed = outcome.passes.filter((pass) => pass.kind === 'reviewed');
      if (outcome.kind === 'handedOver') return { kind: 'busy' };
      if (reviewed.length === 0) {
        const reason = outcome.passes.find((pass) => pass.kind === 'skipped')?.reason ?? 'nothing to review';
        return { reply: `Nothing to review: ${reason}.` };
      }
      const lines = reviewed.map(
        (pass) =>
          `Reviewed iteration ${pass.iterationId} (${pass.mode}): ${pass.findings} finding` +
          `${pass.findings === 1 ? '' : 's'}, ${pass.posted} new.`,
      );
      return { reply: lines.join('\n') };
    }
    case 'pause':
    case 'resume':
      return setPaused(ref, command.kind === 'pause', source.authorName, deps);
    case 'resolve': {
      const open = (await deps.platform.listThreads(ref)).filter(
        (thread) =>
          thread.firstCommentAuthorId?.toLowerCase() === source.ownId &&
          thread.properties[PROPERTY.kind] === 'finding' &&
          isOpen(thread),
      );
      for (const thread of open) {
        await deps.platform.updateThreadStatus(ref, thread.id, 'closed', { [STATUS_SET_BY_APP]: 'closed' });
      }
      return {
        reply:
          open.length === 0
            ? 'No open finding threads of mine to resolve.'
            : `Resolved ${open.length} finding thread${open.length === 1 ? '' : 's'}.`,
      };
    }
    case 'summary':
      return rewriteSummary(ref, source.ownId, deps);
    case 'configuration':
      return { reply: renderConfiguration(deps.repositoryConfig) };
    case 'learnings':
      return { reply: renderLearnings(await deps.store.readLearnings(ref), deps.learningsEnabled) };
    case 'forget':
      return forget(ref, command.learning, deps);
    case 'approveLearning':
      return {
        reply: await approveLearning(deps.store, ref, {
          number: command.learning,
          ...(command.appliesTo === undefined ? {} : { appliesTo: command.appliesTo }),
          by: source.authorName,
          at: deps.now().toISOString(),
        }),
      };
    case 'ignore':
      return {
        reply:
          `${codeSpan('ignore')} works in the pull request description: write the mention and ` +
          `${codeSpan('ignore')} there, and this pull request is not reviewed automatically.`,
      };
    case 'help':
      return { reply: renderCommandHelp(source.ownId) };
    case 'unknown':
      return { reply: renderCommandHelp(source.ownId, command.word) };
  }
}

/** Runs a command that writes the review state under the review lock; while a review holds it, the job retries. */
async function underReviewLock(
  ref: PullRequestRef,
  deps: CommandDependencies,
  command: (state: ReviewState, lock: ReviewLock) => Promise<CommandResult>,
): Promise<CommandResult> {
  const lock = await deps.store.tryLock(ref);
  if (lock === undefined) return { kind: 'busy' };
  try {
    return await command(await deps.store.readState(ref), lock);
  } finally {
    await lock.release();
  }
}

/** `pause` and `resume` change the review state, which only the review lock's holder may write. */
async function setPaused(
  ref: PullRequestRef,
  paused: boolean,
  by: string,
  deps: CommandDependencies,
): Promise<CommandResult> {
  return underReviewLock(ref, deps, async (state, lock) => {
    const { paused: _previous, ...rest } = state;
    await deps.store.writeState(
      ref,
      paused ? { ...rest, paused: { by, at: deps.now().toISOString() } } : rest,
      lock,
    );
    return {
      reply: paused
        ? 'Paused: I will not review new pushes to this pull request until someone writes `resume` (a `review` command still works).'
        : 'Resumed: I will review new pushes to this pull request again.',
    };
  });
}

async function rewriteSummary(
  ref: PullRequestRef,
  ownId: string,
  deps: CommandDependencies,
): Promise<CommandResult> {
  return underReviewLock(ref, deps, async (state, lock) => {
    const plan =
      state.lastReviewedIteration === undefined
        ? undefined
        : await deps.store.readPlan(ref, state.lastReviewedIteration);
    const summary = (await deps.platform.listThreads(ref)).find(
      (thread) =>
        thread.firstCommentAuthorId?.toLowerCase() === ownId &&
        (thread.id === state.summaryThreadId || thread.properties[PROPERTY.kind] === 'summary'),
    );
    if (plan === undefined || summary?.firstCommentId === undefined) {
      return { reply: 'There is no summary to write yet: the pull request has not been reviewed.' };
    }
    await fencedPlatform(deps.platform, lock).updateComment(
      ref,
      summary.id,
      summary.firstCommentId,
      renderSummaryComment(plan.summarySection, state.history),
    );
    return { reply: `Rewrote the summary (iteration ${plan.iterationId}).` };
  });
}

async function forget(
  ref: PullRequestRef,
  number: number,
  deps: CommandDependencies,
): Promise<CommandResult> {
  let removed: Learning | undefined;
  await deps.store.updateLearnings(ref, (current) => {
    removed = current[number - 1];
    return current.filter((_learning, index) => index !== number - 1);
  });
  return {
    reply:
      removed === undefined
        ? `There is no learning number ${number} (${codeSpan('learnings')} lists them).`
        : `Forgot learning ${number}: ${codeSpan(removed.text)}.`,
  };
}

/** The effective configuration as YAML (it holds no secrets: the file and the app's team settings have none). */
function renderConfiguration(reading: ResolvedRepositoryConfig): string {
  const problems = describeConfigProblems(reading);
  const ignored = reading.ignored.map((key) => `${key.source}: ${key.key}`);
  return [
    'This pull request is reviewed with this configuration (the target branch’s `.ado-reviewer.yaml` over the organization’s and the app’s defaults):',
    '',
    codeFence(stringify(reading.config).trimEnd(), 'yaml'),
    ...(problems.length === 0 ? [] : ['', 'Problems:', codeFence(problems.join('\n'), 'text')]),
    ...(ignored.length === 0 ? [] : ['', 'Accepted but not used:', codeFence(ignored.join('\n'), 'text')]),
  ].join('\n');
}

function renderLearnings(learnings: readonly Learning[], enabled: boolean): string {
  const off = enabled ? '' : '\n\n_Learnings are turned off for this repository: none are used or added._';
  if (learnings.length === 0) return `I have not learnt anything in this repository yet.${off}`;
  const rows = learnings.map(
    (learning, index) =>
      `${index + 1}. ${codeSpan(learning.text)} — files ${codeSpan(learning.path)}, from ${codeSpan(learning.author)}, ${learning.at.slice(0, 10)}` +
      (isApplied(learning) ? '' : ' — proposed, not applied'),
  );
  const heading =
    `What I have learnt in this repository (maintainers: ${codeSpan('learnings approve <n>')} applies a ` +
    `proposed one, ${codeSpan('forget <n>')} removes one):`;
  return [heading, '', ...rows].join('\n') + off;
}
