import { compileGlob, globProblem } from '../../repository-config/globs';
import type { Learning, RepositoryRef, ReviewStore } from '../domain/reviewStore';
import { injectionSigns } from '../safety/injectionCheck';
import { codeSpan } from '../safety/sanitizeModelText';

/**
 * How a learning comes to be applied. A reply that dismisses a finding proposes one; it reaches later prompts only
 * once a maintainer approves it (`learnings approve <n>`). A reply is anyone's input: without this, a throwaway pull
 * request could teach every later review of the repository to look away ("never flag SQL built by concatenation").
 */

/** Learnings a repository keeps at most, proposed and approved: past it, a dismissal proposes none. */
const MAX_LEARNINGS = 100;

/** A proposal's glob is the model's only when it is short; a wider scope is a maintainer's to give. */
const MAX_PROPOSED_GLOB_CHARS = 100;

const relative = (path: string) => path.replace(/^\/+/, '');

/** The scope a proposal gets: the model's glob when short, valid and covering the thread's file; else that file. */
export function proposedScope(suggested: string | null | undefined, threadFile: string): string {
  const file = relative(threadFile);
  const glob = relative(suggested?.trim() ?? '');
  if (glob === '' || glob.length > MAX_PROPOSED_GLOB_CHARS || globProblem(glob) !== undefined) return file;
  return compileGlob(glob)(file) ? glob : file;
}

type Proposal = { proposed: number } | { notProposed: string };

/**
 * Records `learning` as proposed, unless the pull request's author wrote it (their own dismissal teaches nothing
 * for everyone), it reads like instructions to the reviewer, or the repository keeps as many as it may.
 */
export async function proposeLearning(
  store: Pick<ReviewStore, 'updateLearnings'>,
  repository: RepositoryRef,
  learning: Learning,
  by: { pullRequestAuthor: boolean },
): Promise<Proposal> {
  if (by.pullRequestAuthor)
    return { notProposed: "the pull request's author cannot teach the reviewer from their own pull request" };
  if (injectionSigns(learning.text).length > 0)
    return { notProposed: 'it reads like instructions to the reviewer' };
  let number: number | undefined;
  await store.updateLearnings(repository, (current) => {
    const same = current.findIndex(
      (kept) => kept.threadId === learning.threadId && kept.pullRequestId === learning.pullRequestId,
    );
    // A redelivered reply proposes the same learning once.
    if (same >= 0) {
      number = same + 1;
      return current;
    }
    if (current.length >= MAX_LEARNINGS) return current;
    number = current.length + 1;
    return [...current, { ...learning, status: 'proposed' }];
  });
  return number === undefined
    ? { notProposed: `the repository keeps ${MAX_LEARNINGS} learnings at most; ${codeSpan('forget')} some` }
    : { proposed: number };
}

/** A maintainer's approval of learning `number`, optionally for the files `appliesTo` matches; the reply. */
export async function approveLearning(
  store: Pick<ReviewStore, 'updateLearnings'>,
  repository: RepositoryRef,
  request: { number: number; appliesTo?: string; by: string; at: string },
): Promise<string> {
  const scope = request.appliesTo === undefined ? undefined : relative(request.appliesTo);
  const problem = scope === undefined ? undefined : globProblem(scope);
  if (problem !== undefined) return `I cannot use ${codeSpan(scope ?? '')} as the files: ${problem}.`;
  let approved: Learning | undefined;
  await store.updateLearnings(repository, (current) =>
    current.map((learning, index) => {
      if (index !== request.number - 1) return learning;
      approved = {
        ...learning,
        ...(scope === undefined ? {} : { path: scope }),
        status: 'approved',
        approved: { by: request.by, at: request.at },
      };
      return approved;
    }),
  );
  return approved === undefined
    ? `There is no learning number ${request.number} (${codeSpan('learnings')} lists them).`
    : `Approved learning ${request.number} for ${codeSpan(approved.path)}: ${codeSpan(approved.text)}. Later ` +
        'reviews of those files apply it.';
}
