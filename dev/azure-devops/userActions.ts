/**
 * What people do in Azure DevOps besides the app: create repositories, push, open, vote on, comment on, complete,
 * abandon and publish pull requests. Each action delivers its service-hook event before it returns. The admin API
 * and tests drive these.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ServiceHookDeliveries } from './deliveries';
import { GitRepository, toRepositoryPath } from './gitRepository';
import { addIteration, targetMoved } from './iterations';
import {
  branchName,
  branchRef,
  gitPerson,
  now,
  toAzurePath,
  VOTES,
  type CommentState,
  type ProjectState,
  type PullRequestState,
  type RepositoryState,
  type ReviewerState,
  type ServerModel,
  type ThreadState,
} from './model';
import type {
  AddCommentRequest,
  ClosePullRequestRequest,
  CreatePullRequestRequest,
  CreateRepositoryRequest,
  CreateTeamRequest,
  EditCommentRequest,
  Json,
  PushRequest,
  ReviewerRequest,
  SetThreadStatusRequest,
  TestUser,
  VoteRequest,
} from './publicTypes';
import { commentJson, projectJson, pullRequestJson, repositoryJson, threadJson } from './serialisers';
import { createTeam, teamIdentity, teamJson } from './teams';
import { addThread, editCommentContent, newComment, validateThreadContext } from './threads';

export class UserActions {
  constructor(
    private readonly model: ServerModel,
    private readonly deliveries: ServiceHookDeliveries,
  ) {}

  createProject(name: string): Json & { id: string; name: string } {
    return projectJson(this.model, this.model.projectNamed(name)) as Json & { id: string; name: string };
  }

  createTeam(request: CreateTeamRequest): Json & { id: string; name: string } {
    return teamJson(this.model, createTeam(this.model, request)) as Json & { id: string; name: string };
  }

  async createRepository(request: CreateRepositoryRequest): Promise<Json & { id: string; name: string }> {
    return this.model.exclusive(async () => {
      const project = this.model.projectNamed(request.project);
      if (
        [...this.model.repositories.values()].some(
          (r) => r.project === project && r.name.toLowerCase() === request.name.toLowerCase(),
        )
      )
        throw new Error(`repository ${request.project}/${request.name} already exists`);
      const id = randomUUID();
      const defaultBranch = branchName(request.defaultBranch ?? 'main');
      const git = await GitRepository.init(path.join(this.model.directory, `${id}.git`), defaultBranch);
      await git.commit({
        branch: defaultBranch,
        files: request.files,
        message: 'Initial commit',
        author: gitPerson(request.user ?? this.model.defaultUser),
      });
      const repository: RepositoryState = { id, name: request.name, project, defaultBranch, git };
      this.model.repositories.set(id, repository);
      return repositoryJson(this.model, repository) as Json & { id: string; name: string };
    });
  }

  async push(request: PushRequest): Promise<string> {
    const user = request.user ?? this.model.defaultUser;
    const { commitId, updated } = await this.model.exclusive(async () => {
      const repository = this.model.findRepository(request.repositoryId);
      const git = repository.git;
      const branch = branchName(request.branch);
      const base = branchName(request.baseBranch ?? repository.defaultBranch);
      const existing = request.force ? undefined : await git.resolveRef(branchRef(branch));
      const parent = existing ?? (await git.resolveRef(branchRef(base)));
      if (!parent) throw new Error(`cannot push to ${branch}: neither it nor ${base} exists`);
      const commitId = await git.commit({
        branch,
        parent,
        files: request.files,
        renames: request.renames,
        message: request.message ?? `Update ${branch}`,
        author: gitPerson(user),
      });
      const updated = this.model
        .activePullRequests(repository)
        .filter((pr) => pr.sourceRefName === branchRef(branch));
      for (const pr of updated) await addIteration(pr, user);
      await targetMoved(this.model, repository, branchRef(branch), commitId);
      return { commitId, updated };
    });
    for (const pr of updated)
      await this.deliveries.deliverIfSubscribed('git.pullrequest.updated', pr, {
        action: 'push',
        actor: user,
      });
    return commitId;
  }

  async createPullRequest(request: CreatePullRequestRequest): Promise<Json & { pullRequestId: number }> {
    const user = request.user ?? this.model.defaultUser;
    const pr = await this.model.exclusive(async () => {
      const repository = this.model.findRepository(request.repositoryId);
      const sourceRefName = branchRef(request.sourceBranch);
      const targetRefName = branchRef(request.targetBranch);
      if (sourceRefName === targetRefName) throw new Error('source and target branch are the same');
      for (const ref of [sourceRefName, targetRefName])
        if (!(await repository.git.resolveRef(ref))) throw new Error(`branch ${ref} does not exist`);
      const duplicate = [...this.model.pullRequests.values()].find(
        (other) =>
          other.repository === repository &&
          other.status === 'active' &&
          other.sourceRefName === sourceRefName &&
          other.targetRefName === targetRefName,
      );
      if (duplicate)
        throw new Error(
          `TF401179: An active pull request for the source and target branch already exists (${duplicate.id}).`,
        );
      const pr: PullRequestState = {
        id: this.model.nextPullRequestId,
        repository,
        title: request.title,
        description: request.description,
        isDraft: request.isDraft ?? false,
        sourceRefName,
        targetRefName,
        status: 'active',
        createdBy: user,
        creationDate: now(),
        mergeId: randomUUID(),
        mergeStatus: 'succeeded',
        reviewers: new Map(
          (request.reviewers ?? [])
            .map((reviewer) => this.reviewer(repository.project, reviewer))
            .map((reviewer) => [reviewer.user.id, reviewer]),
        ),
        iterations: [],
        trackingIds: new Map(),
        nextTrackingId: 1,
        targetCommit: '',
        threads: [],
        statuses: [],
        properties: new Map(),
      };
      await addIteration(pr, user);
      this.model.nextPullRequestId += 1;
      this.model.pullRequests.set(pr.id, pr);
      return pr;
    });
    await this.deliveries.deliverIfSubscribed('git.pullrequest.created', pr, { actor: user });
    return pullRequestJson(this.model, pr) as Json & { pullRequestId: number };
  }

  async vote(request: VoteRequest): Promise<Json> {
    const user = request.user ?? this.model.defaultUser;
    const pr = this.model.pullRequestById(request.pullRequestId);
    if (!VOTES.has(request.vote)) throw new Error(`vote must be one of ${[...VOTES.keys()].join(', ')}`);
    const isRequired = pr.reviewers.get(user.id)?.isRequired ?? false;
    pr.reviewers.set(user.id, { user, vote: request.vote, isRequired, isContainer: false });
    // The service records a vote as a system thread too (shape from the pullRequestThreads GET example).
    addThread(this.model, pr, {
      threadContext: null,
      pullRequestThreadContext: null,
      properties: {
        CodeReviewThreadType: 'VoteUpdate',
        CodeReviewVotedByDisplayName: user.displayName,
        CodeReviewVotedByTfId: user.id,
        CodeReviewVoteResult: String(request.vote),
      },
      comments: [{ content: `${user.displayName} voted ${request.vote}`, commentType: 'system' }],
      author: this.model.serviceAccount,
    });
    await this.deliveries.deliverIfSubscribed('git.pullrequest.updated', pr, { action: 'vote', actor: user });
    return pullRequestJson(this.model, pr);
  }

  async addComment(request: AddCommentRequest): Promise<{ thread: Json; comment: Json }> {
    const user = request.user ?? this.model.defaultUser;
    const pr = this.model.pullRequestById(request.pullRequestId);
    let thread: ThreadState;
    let comment: CommentState;
    if (request.threadId !== undefined) {
      thread = this.model.findThread(pr, request.threadId);
      comment = newComment(
        thread,
        { content: request.content, parentCommentId: request.parentCommentId ?? 1 },
        user,
        thread.comments.length,
      );
      thread.comments.push(comment);
      thread.lastUpdatedDate = comment.publishedDate;
    } else {
      const position = request.line === undefined ? undefined : { line: request.line, offset: 1 };
      const threadContext =
        request.filePath === undefined
          ? null
          : await validateThreadContext(pr, {
              filePath: toAzurePath(toRepositoryPath(request.filePath)),
              ...(position && { rightFileStart: position, rightFileEnd: position }),
            });
      thread = addThread(this.model, pr, {
        status: 'active',
        threadContext,
        pullRequestThreadContext: null,
        comments: [{ content: request.content }],
        author: user,
      });
      comment = thread.comments[0];
    }
    await this.deliveries.deliverIfSubscribed('ms.vss-code.git-pullrequest-comment-event', pr, {
      threadId: thread.id,
      commentId: comment.id,
    });
    return {
      thread: threadJson(this.model, pr, thread),
      comment: commentJson(this.model, pr, thread, comment),
    };
  }

  async editComment(request: EditCommentRequest): Promise<Json> {
    const pr = this.model.pullRequestById(request.pullRequestId);
    const thread = this.model.findThread(pr, request.threadId);
    const comment = this.model.findComment(thread, request.commentId);
    editCommentContent(thread, comment, request.content);
    await this.deliveries.deliverIfSubscribed('ms.vss-code.git-pullrequest-comment-event', pr, {
      threadId: thread.id,
      commentId: comment.id,
      edited: true,
    });
    return commentJson(this.model, pr, thread, comment);
  }

  setThreadStatus(request: SetThreadStatusRequest): Json {
    const pr = this.model.pullRequestById(request.pullRequestId);
    const thread = this.model.findThread(pr, request.threadId);
    thread.status = request.status;
    thread.lastUpdatedDate = now();
    return threadJson(this.model, pr, thread);
  }

  async completePullRequest(request: ClosePullRequestRequest): Promise<Json> {
    const user = request.user ?? this.model.defaultUser;
    const pr = await this.model.exclusive(async () => {
      const pr = this.model.pullRequestById(request.pullRequestId);
      if (pr.status !== 'active') throw new Error(`pull request ${pr.id} is ${pr.status}`);
      if (!pr.lastMergeCommit) throw new Error(`pull request ${pr.id} has merge conflicts`);
      await pr.repository.git.updateRef(pr.targetRefName, pr.lastMergeCommit.commitId);
      this.closePullRequest(pr, 'completed', user);
      await targetMoved(this.model, pr.repository, pr.targetRefName, pr.lastMergeCommit.commitId);
      return pr;
    });
    await this.deliveries.deliverIfSubscribed('git.pullrequest.updated', pr, {
      action: 'completed',
      actor: user,
    });
    return pullRequestJson(this.model, pr);
  }

  /** Turns a draft into a pull request ready for review, as "Publish" does. */
  async publishPullRequest(request: ClosePullRequestRequest): Promise<Json> {
    const user = request.user ?? this.model.defaultUser;
    const pr = this.model.pullRequestById(request.pullRequestId);
    if (!pr.isDraft) throw new Error(`pull request ${pr.id} is not a draft`);
    pr.isDraft = false;
    await this.deliveries.deliverIfSubscribed('git.pullrequest.updated', pr, {
      action: 'published',
      actor: user,
    });
    return pullRequestJson(this.model, pr);
  }

  async abandonPullRequest(request: ClosePullRequestRequest): Promise<Json> {
    const user = request.user ?? this.model.defaultUser;
    const pr = this.model.pullRequestById(request.pullRequestId);
    if (pr.status !== 'active') throw new Error(`pull request ${pr.id} is ${pr.status}`);
    this.closePullRequest(pr, 'abandoned', user);
    await this.deliveries.deliverIfSubscribed('git.pullrequest.updated', pr, {
      action: 'abandoned',
      actor: user,
    });
    return pullRequestJson(this.model, pr);
  }

  private reviewer(project: ProjectState, request: ReviewerRequest): ReviewerState {
    const isRequired = request.isRequired ?? false;
    if ('user' in request) return { user: request.user, vote: 0, isRequired, isContainer: false };
    const team = this.model.findTeam(project, request.team);
    return { user: teamIdentity(team), vote: 0, isRequired, isContainer: true };
  }

  private closePullRequest(pr: PullRequestState, status: 'completed' | 'abandoned', user: TestUser): void {
    pr.status = status;
    pr.closedDate = now();
    pr.closedBy = user;
  }
}
