/**
 * Serialisers: the JSON shapes the service answers with (identities, projects, repositories, commits, pull
 * requests, iterations, changes, threads, comments, statuses), built from the state model.
 */
import type { CommitInfo } from './gitRepository';
import {
  branchName,
  branchRef,
  toAzurePath,
  type ChangeEntry,
  type CommentState,
  type IterationState,
  type ProjectState,
  type PullRequestState,
  type RepositoryState,
  type ServerModel,
  type StatusState,
  type ThreadState,
} from './model';
import { propertiesJson } from './properties';
import type { Json, TestUser } from './publicTypes';

export function descriptor(user: TestUser): string {
  return `aad.${Buffer.from(user.id).toString('base64').replace(/=+$/, '')}`;
}

export function identityJson(model: ServerModel, user: TestUser): Json {
  return {
    displayName: user.displayName,
    url: `${model.orgUrl}/_apis/Identities/${user.id}`,
    _links: {
      avatar: { href: `${model.orgUrl}/_apis/GraphProfile/MemberAvatars/${descriptor(user)}` },
    },
    id: user.id,
    uniqueName: user.uniqueName,
    imageUrl: `${model.orgUrl}/_api/_common/identityImage?id=${user.id}`,
    descriptor: descriptor(user),
  };
}

export function repositoryUrl(model: ServerModel, repository: RepositoryState): string {
  return `${model.orgUrl}/${repository.project.id}/_apis/git/repositories/${repository.id}`;
}

export function repositoryWebUrl(model: ServerModel, repository: RepositoryState): string {
  return `${model.orgUrl}/${encodeURIComponent(repository.project.name)}/_git/${encodeURIComponent(repository.name)}`;
}

/** A TeamProjectReference, as the projects list and repositories carry it. */
export function projectJson(model: ServerModel, project: ProjectState): Json {
  return {
    id: project.id,
    name: project.name,
    url: `${model.orgUrl}/_apis/projects/${project.id}`,
    state: 'wellFormed',
    revision: 1,
    visibility: 'private',
    lastUpdateTime: project.lastUpdateTime,
  };
}

export function repositoryJson(model: ServerModel, repository: RepositoryState): Json {
  return {
    id: repository.id,
    name: repository.name,
    url: repositoryUrl(model, repository),
    project: projectJson(model, repository.project),
    defaultBranch: branchRef(repository.defaultBranch),
    size: 0,
    remoteUrl: repositoryWebUrl(model, repository),
    sshUrl: `git@ssh.dev.azure.com:v3/${model.organization}/${repository.project.name}/${repository.name}`,
    webUrl: repositoryWebUrl(model, repository),
    isDisabled: false,
    isInMaintenance: false,
  };
}

function commitRefJson(model: ServerModel, repository: RepositoryState, commitId: string): Json {
  return { commitId, url: `${repositoryUrl(model, repository)}/commits/${commitId}` };
}

export function commitJson(model: ServerModel, repository: RepositoryState, commit: CommitInfo): Json {
  return {
    commitId: commit.commitId,
    author: commit.author,
    committer: commit.committer,
    comment: commit.message,
    url: `${repositoryUrl(model, repository)}/commits/${commit.commitId}`,
  };
}

function pullRequestUrl(model: ServerModel, pr: PullRequestState): string {
  return `${repositoryUrl(model, pr.repository)}/pullRequests/${pr.id}`;
}

/** REST responses carry API links; service-hook resources carry `web` and `statuses` (as in the samples). */
export function pullRequestJson(
  model: ServerModel,
  pr: PullRequestState,
  shape: 'rest' | 'hook' = 'rest',
): Json {
  const repository = pr.repository;
  const latest = pr.iterations[pr.iterations.length - 1];
  const url = pullRequestUrl(model, pr);
  const repositoryApiUrl = repositoryUrl(model, repository);
  const links =
    shape === 'hook'
      ? {
          web: { href: `${repositoryWebUrl(model, repository)}/pullrequest/${pr.id}` },
          statuses: { href: `${url}/statuses` },
        }
      : {
          self: { href: url },
          repository: { href: repositoryApiUrl },
          workItems: { href: `${url}/workitems` },
          sourceBranch: { href: `${repositoryApiUrl}/refs/heads/${branchName(pr.sourceRefName)}` },
          targetBranch: { href: `${repositoryApiUrl}/refs/heads/${branchName(pr.targetRefName)}` },
          statuses: { href: `${url}/statuses` },
          sourceCommit: { href: `${repositoryApiUrl}/commits/${latest.sourceCommit}` },
          targetCommit: { href: `${repositoryApiUrl}/commits/${latest.targetCommit}` },
          createdBy: { href: `${model.orgUrl}/_apis/Identities/${pr.createdBy.id}` },
          iterations: { href: `${url}/iterations` },
        };
  return {
    repository: repositoryJson(model, repository),
    pullRequestId: pr.id,
    codeReviewId: pr.id,
    status: pr.status,
    createdBy: identityJson(model, pr.createdBy),
    creationDate: pr.creationDate,
    ...(pr.closedDate && { closedDate: pr.closedDate }),
    title: pr.title,
    ...(pr.description !== undefined && { description: pr.description }),
    sourceRefName: pr.sourceRefName,
    targetRefName: pr.targetRefName,
    mergeStatus: pr.mergeStatus,
    isDraft: pr.isDraft,
    mergeId: pr.mergeId,
    lastMergeSourceCommit: commitRefJson(model, repository, latest.sourceCommit),
    lastMergeTargetCommit: commitRefJson(model, repository, pr.targetCommit),
    ...(pr.lastMergeCommit && {
      lastMergeCommit: {
        commitId: pr.lastMergeCommit.commitId,
        author: pr.lastMergeCommit.author,
        committer: pr.lastMergeCommit.author,
        comment: pr.lastMergeCommit.comment,
        url: `${repositoryApiUrl}/commits/${pr.lastMergeCommit.commitId}`,
      },
    }),
    // IdentityRefWithVote: `isRequired` and `isContainer` are sent only when true (as in the captured deliveries).
    reviewers: [...pr.reviewers.values()].map((reviewer) => ({
      reviewerUrl: `${url}/reviewers/${reviewer.user.id}`,
      vote: reviewer.vote,
      hasDeclined: false,
      ...(reviewer.isRequired && { isRequired: true }),
      isFlagged: false,
      ...identityJson(model, reviewer.user),
      ...(reviewer.isContainer && { isContainer: true }),
    })),
    url,
    _links: links,
    supportsIterations: true,
    ...(pr.closedBy && { closedBy: identityJson(model, pr.closedBy) }),
    artifactId: `vstfs:///Git/PullRequestId/${repository.project.id}%2f${repository.id}%2f${pr.id}`,
  };
}

export function iterationJson(model: ServerModel, pr: PullRequestState, iteration: IterationState): Json {
  const repository = pr.repository;
  return {
    id: iteration.id,
    description: iteration.description,
    author: identityJson(model, iteration.author),
    createdDate: iteration.createdDate,
    updatedDate: iteration.createdDate,
    sourceRefCommit: { commitId: iteration.sourceCommit },
    targetRefCommit: { commitId: iteration.targetCommit },
    commonRefCommit: { commitId: iteration.commonCommit },
    hasMoreCommits: false,
    reason: iteration.reason,
    _links: {
      self: { href: `${pullRequestUrl(model, pr)}/iterations/${iteration.id}` },
      repository: { href: repositoryUrl(model, repository) },
      pullRequest: { href: pullRequestUrl(model, pr) },
      sourceCommit: { href: `${repositoryUrl(model, repository)}/commits/${iteration.sourceCommit}` },
      targetCommit: { href: `${repositoryUrl(model, repository)}/commits/${iteration.targetCommit}` },
      commonCommit: { href: `${repositoryUrl(model, repository)}/commits/${iteration.commonCommit}` },
    },
  };
}

/**
 * A change entry as the service returns it. A delete carries its path in `originalPath` and no `item.path`
 * (field reports and clients that read `originalPath ?? item.path` agree on this); its item has only the old blob.
 */
export function changeEntryJson(change: ChangeEntry, changeId: number): Json {
  // Submodules are git links (object type commit); symbolic links are blobs the item marks as such.
  const kind = {
    gitObjectType: change.mode === '160000' ? 'commit' : 'blob',
    ...(change.mode === '120000' && { isSymLink: true }),
  };
  if (change.changeType === 'delete')
    return {
      changeTrackingId: change.changeTrackingId,
      changeId,
      item: { originalObjectId: change.originalObjectId, ...kind },
      changeType: 'delete',
      originalPath: toAzurePath(change.path),
    };
  return {
    changeTrackingId: change.changeTrackingId,
    changeId,
    item: {
      objectId: change.objectId,
      ...(change.originalObjectId && { originalObjectId: change.originalObjectId }),
      path: toAzurePath(change.path),
      ...kind,
    },
    changeType: change.changeType,
    ...(change.originalPath !== undefined && { originalPath: toAzurePath(change.originalPath) }),
  };
}

function threadUrl(model: ServerModel, pr: PullRequestState, thread: ThreadState): string {
  return `${model.orgUrl}/_apis/git/repositories/${pr.repository.id}/pullRequests/${pr.id}/threads/${thread.id}`;
}

export function commentJson(
  model: ServerModel,
  pr: PullRequestState,
  thread: ThreadState,
  comment: CommentState,
): Json {
  return {
    id: comment.id,
    parentCommentId: comment.parentCommentId,
    author: identityJson(model, comment.author),
    content: comment.content,
    publishedDate: comment.publishedDate,
    lastUpdatedDate: comment.lastUpdatedDate,
    lastContentUpdatedDate: comment.lastContentUpdatedDate,
    commentType: comment.commentType,
    ...(comment.isDeleted && { isDeleted: true }),
    usersLiked: [],
    _links: {
      self: { href: `${threadUrl(model, pr, thread)}/comments/${comment.id}` },
      repository: { href: repositoryUrl(model, pr.repository) },
      threads: { href: threadUrl(model, pr, thread) },
      pullRequests: { href: `${model.orgUrl}/_apis/git/pullRequests/${pr.id}` },
    },
  };
}

export function threadJson(model: ServerModel, pr: PullRequestState, thread: ThreadState): Json {
  return {
    pullRequestThreadContext: thread.pullRequestThreadContext,
    id: thread.id,
    publishedDate: thread.publishedDate,
    lastUpdatedDate: thread.lastUpdatedDate,
    comments: thread.comments.map((comment) => commentJson(model, pr, thread, comment)),
    ...(thread.status !== undefined && { status: thread.status }),
    threadContext: thread.threadContext,
    properties: propertiesJson(thread.properties),
    identities: null,
    isDeleted: thread.comments.length > 0 && thread.comments.every((comment) => comment.isDeleted),
    _links: {
      self: { href: threadUrl(model, pr, thread) },
      repository: { href: repositoryUrl(model, pr.repository) },
    },
  };
}

export function statusJson(model: ServerModel, pr: PullRequestState, status: StatusState): Json {
  return {
    ...(status.properties && { properties: propertiesJson(status.properties) }),
    ...(status.iterationId !== undefined && { iterationId: status.iterationId }),
    id: status.id,
    state: status.state,
    ...(status.description !== undefined && { description: status.description }),
    context: status.context,
    creationDate: status.creationDate,
    updatedDate: status.creationDate,
    createdBy: identityJson(model, status.createdBy),
    ...(status.targetUrl !== undefined && { targetUrl: status.targetUrl }),
    _links: {
      self: { href: `${pullRequestUrl(model, pr)}/statuses/${status.id}` },
      repository: { href: repositoryUrl(model, pr.repository) },
    },
  };
}
