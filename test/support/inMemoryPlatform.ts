import type {
  FileChange,
  NewThread,
  PullRequestDetails,
  PullRequestIteration,
  PullRequestPlatform,
  PullRequestRef,
  FileContent,
  LinkedWorkItem,
  PullRequestStatusUpdate,
  PullRequestWriter,
  RequiredReviewer,
  ReviewThread,
  ThreadComment,
  ThreadDetails,
  ThreadStatus,
} from '../../shared/review/domain/platform';

/**
 * A code host in memory, for unit tests of the review core: pull requests, their iterations, file contents by
 * commit, threads and statuses. Changes are derived from the files of the two commits compared, the way Azure DevOps
 * derives them, so a test describes pushes, not change lists.
 */

export type Files = Record<string, string>;

interface StoredThread {
  id: number;
  status: string;
  properties: Record<string, string>;
  position?: NewThread['position'];
  comments: ThreadComment[];
}

interface StoredPullRequest {
  details: PullRequestDetails;
  iterations: PullRequestIteration[];
  threads: StoredThread[];
  statuses: PullRequestStatusUpdate[];
  workItems: LinkedWorkItem[];
}

const keyOf = (ref: PullRequestRef) => `${ref.projectId}/${ref.repositoryId}/${ref.pullRequestId}`;

export class InMemoryPlatform implements PullRequestPlatform {
  private readonly commits = new Map<string, Files>();
  private readonly pullRequests = new Map<string, StoredPullRequest>();
  private readonly failures: { method: keyof PullRequestWriter; callNumber: number }[] = [];
  private readonly calls = new Map<string, number>();
  private readonly teams: { id: string; name: string; memberIds: string[] }[] = [];
  private nextCommit = 1;
  private nextPullRequest = 1;
  private nextThread = 1;
  private nextComment = 1;

  constructor(readonly ownId = 'bot-id') {}

  /** A commit holding `files` (the whole tree), and its id. */
  commit(files: Files): string {
    const id = `c${String(this.nextCommit++).padStart(39, '0')}`;
    this.commits.set(id, { ...files });
    return id;
  }

  /** An active pull request from `source` onto `target`, with its first iteration. */
  openPullRequest(options: {
    target: Files;
    source: Files;
    authorId?: string;
    isDraft?: boolean;
    title?: string;
    requiredReviewers?: RequiredReviewer[];
  }): PullRequestRef {
    const ref = { projectId: 'project', repositoryId: 'repo', pullRequestId: this.nextPullRequest++ };
    const target = this.commit(options.target);
    this.pullRequests.set(keyOf(ref), {
      details: {
        title: options.title ?? `PR ${ref.pullRequestId}`,
        description: '',
        status: 'active',
        isDraft: options.isDraft ?? false,
        sourceRefName: 'refs/heads/topic',
        targetRefName: 'refs/heads/main',
        authorId: options.authorId ?? 'author-id',
        requiredReviewers: options.requiredReviewers ?? [],
      },
      iterations: [],
      threads: [],
      statuses: [],
      workItems: [],
    });
    this.addIteration(ref, {
      sourceCommitId: this.commit({ ...options.target, ...options.source }),
      targetCommitId: target,
      commonCommitId: target,
      reason: 'create',
    });
    return ref;
  }

  /** A push of `files` on top of the newest iteration (or of the merge base, for a history rewrite). */
  push(ref: PullRequestRef, files: Files, reason = 'push'): PullRequestIteration {
    const newest = this.newestIteration(ref);
    const rewrite = /forcePush|rebase/i.test(reason);
    const parent = this.files(rewrite ? newest.commonCommitId : newest.sourceCommitId);
    return this.addIteration(ref, {
      sourceCommitId: this.commit({ ...parent, ...files }),
      targetCommitId: newest.targetCommitId,
      commonCommitId: newest.commonCommitId,
      reason,
    });
  }

  /** The target branch merged into the source branch: a new merge base, and the target's work in the source. */
  mergeTarget(ref: PullRequestRef, targetFiles: Files): PullRequestIteration {
    const newest = this.newestIteration(ref);
    const target = this.commit({ ...this.files(newest.targetCommitId), ...targetFiles });
    return this.addIteration(ref, {
      sourceCommitId: this.commit({ ...this.files(newest.sourceCommitId), ...targetFiles }),
      targetCommitId: target,
      commonCommitId: target,
      reason: 'push',
    });
  }

  /** Changes the pull request's details, its required reviewers included. */
  update(ref: PullRequestRef, details: Partial<PullRequestDetails>): void {
    Object.assign(this.stored(ref).details, details);
  }

  /** A team of the project (every pull request here is in the one project), found by its name or its id. */
  addTeam(name: string, memberIds: string[], id = `team-${this.teams.length + 1}`): void {
    this.teams.push({ id, name, memberIds: [...memberIds] });
  }

  /** A comment by someone else: a new thread, or a reply to the thread's first comment. */
  addComment(
    ref: PullRequestRef,
    comment: { authorId: string; content: string; threadId?: number; properties?: Record<string, string> },
  ): { threadId: number; commentId: number } {
    const pullRequest = this.stored(ref);
    let thread = pullRequest.threads.find((candidate) => candidate.id === comment.threadId);
    if (thread === undefined) {
      thread = {
        id: this.nextThread++,
        status: 'active',
        properties: { ...comment.properties },
        comments: [],
      };
      pullRequest.threads.push(thread);
    }
    const id = this.appendComment(thread, comment.authorId, comment.content, thread.comments[0]?.id ?? 0);
    return { threadId: thread.id, commentId: id };
  }

  /** A work item linked to the pull request, as a person links one. */
  linkWorkItem(ref: PullRequestRef, item: LinkedWorkItem): void {
    this.stored(ref).workItems.push({ ...item });
  }

  /** A person sets a thread's status (the app's properties stay as they were). */
  resolveThread(ref: PullRequestRef, threadId: number, status = 'fixed'): void {
    this.thread(ref, threadId).status = status;
  }

  /** Makes the `callNumber`-th call (1-based, counted from now) of a write fail, as a lost connection would. */
  failCall(method: keyof PullRequestWriter, callNumber: number): void {
    this.failures.push({ method, callNumber: (this.calls.get(method) ?? 0) + callNumber });
  }

  threads(ref: PullRequestRef): readonly StoredThread[] {
    return this.stored(ref).threads;
  }

  statuses(ref: PullRequestRef): readonly PullRequestStatusUpdate[] {
    return this.stored(ref).statuses;
  }

  // The reader.

  getOwnIdentityId(): Promise<string> {
    return Promise.resolve(this.ownId);
  }

  async getPullRequest(ref: PullRequestRef): Promise<PullRequestDetails> {
    const details = this.stored(ref).details;
    return {
      ...details,
      requiredReviewers: details.requiredReviewers.map(({ id, isContainer }) => ({
        id: id.toLowerCase(),
        isContainer,
      })),
    };
  }

  async listIterations(ref: PullRequestRef): Promise<PullRequestIteration[]> {
    return this.stored(ref).iterations.map((iteration) => ({ ...iteration }));
  }

  async listIterationChanges(
    ref: PullRequestRef,
    iterationId: number,
    compareTo?: number,
  ): Promise<FileChange[]> {
    const iteration = this.iteration(ref, iterationId);
    const left = this.files(
      compareTo === undefined ? iteration.commonCommitId : this.iteration(ref, compareTo).sourceCommitId,
    );
    const right = this.files(iteration.sourceCommitId);
    const paths = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    const changes: FileChange[] = [];
    for (const path of paths) {
      if (left[path] === right[path]) continue;
      const kind = !(path in left) ? 'add' : !(path in right) ? 'delete' : 'edit';
      changes.push({
        changeTrackingId: changes.length + 1,
        changeFlags: [kind],
        kind,
        path: `/${path}`,
        isFolder: false,
      });
    }
    return changes;
  }

  async getFileContent(
    _ref: PullRequestRef,
    path: string,
    commitId: string,
    maxBytes: number,
  ): Promise<FileContent | undefined> {
    const text = this.files(commitId)[path.replace(/^\//, '')];
    if (text === undefined) return undefined;
    const bytes = Buffer.from(text, 'utf8');
    return bytes.byteLength > maxBytes
      ? { kind: 'tooLarge', size: bytes.byteLength }
      : { kind: 'content', bytes };
  }

  async listThreads(ref: PullRequestRef): Promise<ReviewThread[]> {
    return this.stored(ref).threads.map((thread) => ({
      id: thread.id,
      status: thread.status,
      properties: { ...thread.properties },
      firstCommentId: thread.comments[0]?.id,
      firstCommentAuthorId: thread.comments[0]?.authorId,
      firstCommentContent: thread.comments[0]?.content,
    }));
  }

  async getThread(ref: PullRequestRef, threadId: number): Promise<ThreadDetails | undefined> {
    const thread = this.stored(ref).threads.find((candidate) => candidate.id === threadId);
    if (thread === undefined) return undefined;
    const onRight = thread.position?.side === 'right';
    return {
      id: thread.id,
      filePath: thread.position?.filePath,
      rightLines: onRight ? { start: thread.position!.startLine, end: thread.position!.endLine } : undefined,
      comments: thread.comments.map((comment) => ({ ...comment })),
    };
  }

  async listLinkedWorkItems(ref: PullRequestRef, max: number): Promise<LinkedWorkItem[]> {
    return [...this.stored(ref).workItems]
      .sort((a, b) => a.id - b.id)
      .slice(0, max)
      .map((item) => ({ ...item }));
  }

  async listTeamMembers(_ref: PullRequestRef, team: string): Promise<string[] | undefined> {
    const key = team.toLowerCase();
    const found = this.teams.find((candidate) =>
      [candidate.id, candidate.name].some((known) => known.toLowerCase() === key),
    );
    return found?.memberIds.map((id) => id.toLowerCase());
  }

  // The writer.

  async createThread(ref: PullRequestRef, thread: NewThread): Promise<ReviewThread> {
    this.countCall('createThread');
    const stored: StoredThread = {
      id: this.nextThread++,
      status: thread.status,
      properties: { ...thread.properties },
      position: thread.position,
      comments: [],
    };
    this.appendComment(stored, this.ownId, thread.content, 0);
    this.stored(ref).threads.push(stored);
    return (await this.listThreads(ref)).find((candidate) => candidate.id === stored.id)!;
  }

  async updateComment(ref: PullRequestRef, threadId: number, commentId: number, content: string) {
    this.countCall('updateComment');
    const comment = this.thread(ref, threadId).comments.find((candidate) => candidate.id === commentId);
    if (comment === undefined) throw new Error(`no comment ${commentId} in thread ${threadId}`);
    comment.content = content;
  }

  async replyToComment(ref: PullRequestRef, threadId: number, parentCommentId: number, content: string) {
    this.countCall('replyToComment');
    this.appendComment(this.thread(ref, threadId), this.ownId, content, parentCommentId);
  }

  async updateThreadProperties(ref: PullRequestRef, threadId: number, properties: Record<string, string>) {
    this.countCall('updateThreadProperties');
    Object.assign(this.thread(ref, threadId).properties, properties);
  }

  async setStatus(ref: PullRequestRef, status: PullRequestStatusUpdate) {
    this.countCall('setStatus');
    this.stored(ref).statuses.push({ ...status });
  }

  async updateThreadStatus(
    ref: PullRequestRef,
    threadId: number,
    status: ThreadStatus,
    properties: Record<string, string>,
  ) {
    this.countCall('updateThreadStatus');
    const thread = this.thread(ref, threadId);
    thread.status = status;
    Object.assign(thread.properties, properties);
  }

  private countCall(method: keyof PullRequestWriter): void {
    const count = (this.calls.get(method) ?? 0) + 1;
    this.calls.set(method, count);
    const failure = this.failures.findIndex((entry) => entry.method === method && entry.callNumber === count);
    if (failure === -1) return;
    this.failures.splice(failure, 1);
    throw new Error(`${method} failed: connection reset`);
  }

  private appendComment(thread: StoredThread, authorId: string, content: string, parentCommentId: number) {
    const id = this.nextComment++;
    thread.comments.push({ id, parentCommentId, authorId, authorName: authorId, content, isDeleted: false });
    return id;
  }

  private addIteration(
    ref: PullRequestRef,
    iteration: Omit<PullRequestIteration, 'id'>,
  ): PullRequestIteration {
    const iterations = this.stored(ref).iterations;
    const added = { id: iterations.length + 1, ...iteration };
    iterations.push(added);
    return added;
  }

  private newestIteration(ref: PullRequestRef): PullRequestIteration {
    return this.stored(ref).iterations.at(-1)!;
  }

  private iteration(ref: PullRequestRef, iterationId: number): PullRequestIteration {
    const iteration = this.stored(ref).iterations.find((candidate) => candidate.id === iterationId);
    if (iteration === undefined) throw new Error(`no iteration ${iterationId}`);
    return iteration;
  }

  private files(commitId: string): Files {
    const files = this.commits.get(commitId);
    if (files === undefined) throw new Error(`no commit ${commitId}`);
    return files;
  }

  private stored(ref: PullRequestRef): StoredPullRequest {
    const pullRequest = this.pullRequests.get(keyOf(ref));
    if (pullRequest === undefined) throw new Error(`no pull request ${keyOf(ref)}`);
    return pullRequest;
  }

  private thread(ref: PullRequestRef, threadId: number): StoredThread {
    const thread = this.stored(ref).threads.find((candidate) => candidate.id === threadId);
    if (thread === undefined) throw new Error(`no thread ${threadId}`);
    return thread;
  }
}
