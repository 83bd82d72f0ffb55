/**
 * Iterations and trial merges: what a push to a PR's source branch, or a move of its target branch, does to the
 * pull request. Callers hold `model.exclusive` so iteration numbers follow push order.
 */
import { randomUUID } from 'node:crypto';
import type { TreeChange } from './gitRepository';
import {
  branchName,
  gitPerson,
  now,
  type ChangeEntry,
  type PullRequestState,
  type RepositoryState,
  type ServerModel,
} from './model';
import type { TestUser } from './publicTypes';

/** Gives each change the tracking id its file already has in this PR (following renames), or a new one. */
export function assignTrackingIds(pr: PullRequestState, changes: TreeChange[]): ChangeEntry[] {
  return changes.map((change) => {
    const known =
      (change.originalPath !== undefined ? pr.trackingIds.get(change.originalPath) : undefined) ??
      pr.trackingIds.get(change.path);
    const changeTrackingId = known ?? pr.nextTrackingId++;
    pr.trackingIds.set(change.path, changeTrackingId);
    return { ...change, changeTrackingId };
  });
}

/** Records the current source/target heads as a new iteration and refreshes the PR's merge commit. */
export async function addIteration(pr: PullRequestState, author: TestUser): Promise<void> {
  const git = pr.repository.git;
  const [sourceCommit, targetCommit] = await Promise.all([
    git.resolveRef(pr.sourceRefName),
    git.resolveRef(pr.targetRefName),
  ]);
  if (!sourceCommit || !targetCommit) throw new Error(`PR ${pr.id}: source or target branch is missing`);
  const commonCommit = await git.mergeBase(sourceCommit, targetCommit);
  if (!commonCommit) throw new Error(`PR ${pr.id}: source and target branches have no common history`);
  const previous = pr.iterations[pr.iterations.length - 1];
  const reason = !previous
    ? 'create'
    : (await git.isAncestor(previous.sourceCommit, sourceCommit))
      ? 'push'
      : 'forcePush';
  const [changes, [head]] = await Promise.all([
    git.diff(commonCommit, sourceCommit),
    git.commits(sourceCommit, undefined, 1),
  ]);
  pr.iterations.push({
    id: pr.iterations.length + 1,
    sourceCommit,
    targetCommit,
    commonCommit,
    reason,
    author,
    description: head?.message ?? '',
    createdDate: now(),
    changes: assignTrackingIds(pr, changes),
  });
  pr.targetCommit = targetCommit;
  await refreshMerge(pr);
}

/** Azure DevOps keeps a trial merge of every PR (refs/pull/{id}/merge); so does this server. */
async function refreshMerge(pr: PullRequestState): Promise<void> {
  const source = pr.iterations[pr.iterations.length - 1].sourceCommit;
  const comment = `Merge pull request ${pr.id} from ${branchName(pr.sourceRefName)} into ${branchName(pr.targetRefName)}`;
  const author = gitPerson(pr.createdBy);
  const commitId = await pr.repository.git.merge(pr.targetCommit, source, comment, author);
  pr.mergeId = randomUUID();
  if (!commitId) {
    pr.mergeStatus = 'conflicts';
    pr.lastMergeCommit = undefined;
    return;
  }
  await pr.repository.git.updateRef(`refs/pull/${pr.id}/merge`, commitId);
  pr.mergeStatus = 'succeeded';
  pr.lastMergeCommit = { commitId, author: { ...author, date: now() }, comment };
}

/** A moved target branch changes the trial merge of the PRs into it, not their iterations. */
export async function targetMoved(
  model: ServerModel,
  repository: RepositoryState,
  ref: string,
  commitId: string,
): Promise<void> {
  for (const pr of model
    .activePullRequests(repository)
    .filter((candidate) => candidate.targetRefName === ref)) {
    pr.targetCommit = commitId;
    await refreshMerge(pr);
  }
}
