import type { IncomingMessage } from 'node:http';
import type { WebApi } from 'azure-devops-node-api';
import type { ICoreApi } from 'azure-devops-node-api/CoreApi';
import type { IGitApi } from 'azure-devops-node-api/GitApi';
import type { IWorkItemTrackingApi } from 'azure-devops-node-api/WorkItemTrackingApi';
import { WorkItemErrorPolicy } from 'azure-devops-node-api/interfaces/WorkItemTrackingInterfaces';
import {
  GitVersionType,
  PullRequestStatus,
  type GitPullRequestCommentThread,
} from 'azure-devops-node-api/interfaces/GitInterfaces';
import type { RefreshingSecret } from '../secrets/refreshingSecret';
import type { AzureDevOpsCredential } from './azureDevOpsCredential';
import { openAzureDevOpsConnection, type AzureDevOpsConnection } from './azureDevOpsConnection';
import type { AzureDevOpsRequests, RequestPolicyOptions, RetryRule } from './azureDevOpsRequests';
import {
  iterationReason,
  pullRequestStatuses,
  requiredReviewers,
  statusStates,
  threadStatusValues,
  toFileChange,
  toReviewThread,
  writeProperties,
} from './gitShapes';
import { readItemContent } from './itemContent';
import { cachedTeamMembers } from './teamMembers';
import type {
  FileChange,
  FileContent,
  LinkedWorkItem,
  NewThread,
  PullRequestDetails,
  PullRequestIteration,
  PullRequestPlatform,
  PullRequestRef,
  PullRequestStatusUpdate,
  ReviewThread,
  ThreadDetails,
  ThreadStatus,
} from '../review/domain/platform';

/** The most changes Azure DevOps returns per page (`$top` max); fewer round trips for large PRs. */
const CHANGES_PAGE_SIZE = 2000;

/** The work item fields the review reads; System.Description and the criteria are HTML. */
const WORK_ITEM_FIELDS = [
  'System.WorkItemType',
  'System.Title',
  'System.Description',
  'Microsoft.VSTS.Common.AcceptanceCriteria',
];

export type AzureDevOpsPlatform = PullRequestPlatform & { requestCount(): number };

export interface AzureDevOpsPlatformOptions extends RequestPolicyOptions {
  /** The clock cached team members expire by (epoch milliseconds); for tests. */
  now?: () => number;
}

/**
 * Azure DevOps through its official Node client (azureDevOpsConnection.ts). Every call goes through
 * `AzureDevOpsRequests` (timeouts, retries, rate and concurrency limits), each with the rule for repeating it (see
 * RetryRule).
 */
export const createAzureDevOpsPlatform = (
  orgUrl: string,
  credential: string | RefreshingSecret | AzureDevOpsCredential,
  options: AzureDevOpsPlatformOptions = {},
): AzureDevOpsPlatform =>
  new AzureDevOpsClientPlatform(
    orgUrl,
    openAzureDevOpsConnection(orgUrl, credential, options),
    options.now ?? Date.now,
  );

/** The platform createAzureDevOpsPlatform returns, over one organization's connection. */
class AzureDevOpsClientPlatform implements AzureDevOpsPlatform {
  private readonly requests: AzureDevOpsRequests;
  private readonly connection: WebApi;
  private readonly git: () => Promise<IGitApi>;
  private readonly workItems: () => Promise<IWorkItemTrackingApi>;
  private readonly core: () => Promise<ICoreApi>;
  /** The identity's id, asked for once; a failed lookup is dropped so that the next caller asks again. */
  private ownIdentity: Promise<string> | undefined;

  constructor(
    private readonly orgUrl: string,
    { requests, connection, git, workItems, core }: AzureDevOpsConnection,
    private readonly now: () => number,
  ) {
    this.requests = requests;
    this.connection = connection;
    this.git = git;
    this.workItems = workItems;
    this.core = core;
  }

  /** A Git API call, with the client discovered first (see AzureDevOpsConnection.git). */
  private call<T>(
    operation: string,
    rule: RetryRule,
    work: (api: IGitApi, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return this.requests.run(operation, rule, async (signal) => work(await this.git(), signal));
  }

  requestCount(): number {
    return this.requests.requestCount();
  }

  getOwnIdentityId(): Promise<string> {
    this.ownIdentity ??= this.requests
      .run('connectionData', 'read', () => this.connection.connect())
      .then((data) => {
        const id = data.authenticatedUser?.id;
        if (id === undefined) throw new Error('Azure DevOps connectionData names no authenticated user');
        return id.toLowerCase();
      });
    this.ownIdentity.catch(() => (this.ownIdentity = undefined));
    return this.ownIdentity;
  }

  async getPullRequest(ref: PullRequestRef): Promise<PullRequestDetails> {
    const pr = await this.call('getPullRequest', 'read', (api) =>
      api.getPullRequest(ref.repositoryId, ref.pullRequestId, ref.projectId),
    );
    const status = pullRequestStatuses[pr.status ?? PullRequestStatus.NotSet] ?? 'notSet';
    return {
      title: pr.title ?? '',
      description: pr.description ?? '',
      status,
      isDraft: pr.isDraft === true,
      sourceRefName: pr.sourceRefName ?? '',
      targetRefName: pr.targetRefName ?? '',
      authorId: pr.createdBy?.id ?? '',
      requiredReviewers: requiredReviewers(pr.reviewers),
    };
  }

  async listIterations(ref: PullRequestRef): Promise<PullRequestIteration[]> {
    const iterations = await this.call('getPullRequestIterations', 'read', (api) =>
      api.getPullRequestIterations(ref.repositoryId, ref.pullRequestId, ref.projectId),
    );
    return iterations
      .filter((iteration) => iteration.id !== undefined && iteration.sourceRefCommit?.commitId !== undefined)
      .map((iteration) => ({
        id: iteration.id as number,
        sourceCommitId: iteration.sourceRefCommit?.commitId as string,
        targetCommitId: iteration.targetRefCommit?.commitId ?? '',
        commonCommitId: iteration.commonRefCommit?.commitId ?? '',
        reason: iterationReason(iteration.reason),
      }))
      .sort((a, b) => a.id - b.id);
  }

  async listIterationChanges(
    ref: PullRequestRef,
    iterationId: number,
    compareTo?: number,
  ): Promise<FileChange[]> {
    const changes: FileChange[] = [];
    let skip = 0;
    for (;;) {
      const page = await this.call('getPullRequestIterationChanges', 'read', (api) =>
        api.getPullRequestIterationChanges(
          ref.repositoryId,
          ref.pullRequestId,
          iterationId,
          ref.projectId,
          CHANGES_PAGE_SIZE,
          skip,
          compareTo,
        ),
      );
      for (const entry of page.changeEntries ?? []) {
        const change = toFileChange(entry);
        if (change !== undefined) changes.push(change);
      }
      // The service says where the next page starts; absent or zero means this was the last one.
      if (!page.nextSkip || (page.changeEntries ?? []).length === 0) return changes;
      skip = page.nextSkip;
    }
  }

  getFileContent(
    ref: PullRequestRef,
    path: string,
    commitId: string,
    maxBytes: number,
  ): Promise<FileContent | undefined> {
    return this.call('getItemContent', 'read', async (api, signal) => {
      // The library resolves the raw IncomingMessage, whatever its status: readItemContent checks it.
      const message = (await api.getItemContent(
        ref.repositoryId,
        path,
        ref.projectId,
        undefined,
        undefined,
        false,
        false,
        false,
        { version: commitId, versionType: GitVersionType.Commit },
        true,
      )) as IncomingMessage;
      return readItemContent(message, `GET item ${path}`, maxBytes, signal);
    });
  }

  async listThreads(ref: PullRequestRef): Promise<ReviewThread[]> {
    const threads = await this.call('getThreads', 'read', (api) =>
      api.getThreads(ref.repositoryId, ref.pullRequestId, ref.projectId),
    );
    return threads
      .filter((thread) => thread.id !== undefined && thread.isDeleted !== true)
      .map(toReviewThread);
  }

  async createThread(ref: PullRequestRef, thread: NewThread): Promise<ReviewThread> {
    // Not repeated: a timed-out create may have landed; a redelivered job re-lists threads by fingerprint.
    const created = await this.call('createThread', 'once', (api) =>
      api.createThread(
        {
          comments: [{ parentCommentId: 0, content: thread.content, commentType: 1 }],
          status: threadStatusValues[thread.status],
          properties: writeProperties(thread.properties),
          threadContext: thread.position && {
            filePath: thread.position.filePath,
            [`${thread.position.side}FileStart`]: { line: thread.position.startLine, offset: 1 },
            [`${thread.position.side}FileEnd`]: {
              line: thread.position.endLine,
              offset: thread.position.endOffset,
            },
          },
          pullRequestThreadContext: thread.position && {
            changeTrackingId: thread.position.changeTrackingId,
            iterationContext: {
              firstComparingIteration: 1,
              secondComparingIteration: thread.position.iterationId,
            },
          },
        },
        ref.repositoryId,
        ref.pullRequestId,
        ref.projectId,
      ),
    );
    return toReviewThread(created);
  }

  async updateComment(
    ref: PullRequestRef,
    threadId: number,
    commentId: number,
    content: string,
  ): Promise<void> {
    // Sets the content: repeating it changes nothing.
    await this.call('updateComment', 'idempotentWrite', (api) =>
      api.updateComment({ content }, ref.repositoryId, ref.pullRequestId, threadId, commentId, ref.projectId),
    );
  }

  async getThread(ref: PullRequestRef, threadId: number): Promise<ThreadDetails | undefined> {
    // The library answers a 404 with null rather than an error.
    const thread: GitPullRequestCommentThread | null = await this.call(
      'getPullRequestThread',
      'read',
      (api) => api.getPullRequestThread(ref.repositoryId, ref.pullRequestId, threadId, ref.projectId),
    );
    if (!thread) return undefined;
    const context = thread.threadContext;
    const start = context?.rightFileStart?.line;
    return {
      id: threadId,
      filePath: context?.filePath ?? undefined,
      rightLines: start === undefined ? undefined : { start, end: context?.rightFileEnd?.line ?? start },
      comments: (thread.comments ?? []).map((comment) => ({
        id: comment.id ?? 0,
        parentCommentId: comment.parentCommentId ?? 0,
        authorId: (comment.author?.id ?? '').toLowerCase(),
        authorName: comment.author?.displayName ?? 'someone',
        content: comment.content ?? '',
        isDeleted: comment.isDeleted === true,
      })),
    };
  }

  async listLinkedWorkItems(ref: PullRequestRef, max: number): Promise<LinkedWorkItem[]> {
    const refs = await this.call('getPullRequestWorkItemRefs', 'read', (api) =>
      api.getPullRequestWorkItemRefs(ref.repositoryId, ref.pullRequestId, ref.projectId),
    );
    const ids = refs
      .map((entry) => Number(entry.id))
      .filter((id) => Number.isInteger(id) && id > 0)
      .sort((a, b) => a - b)
      .slice(0, max);
    if (ids.length === 0) return [];
    // Omit: a work item the token may not read (or since deleted) is left out rather than failing the rest.
    const items = await this.requests.run('getWorkItems', 'read', async () =>
      (await this.workItems()).getWorkItems(
        ids,
        WORK_ITEM_FIELDS,
        undefined,
        undefined,
        WorkItemErrorPolicy.Omit,
      ),
    );
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return items
      .filter((item) => item?.id !== undefined)
      .map((item) => ({
        id: item.id as number,
        type: text(item.fields?.['System.WorkItemType']),
        title: text(item.fields?.['System.Title']),
        description: text(item.fields?.['System.Description']),
        acceptanceCriteria: text(item.fields?.['Microsoft.VSTS.Common.AcceptanceCriteria']),
      }));
  }

  listTeamMembers(ref: PullRequestRef, team: string): Promise<string[] | undefined> {
    return cachedTeamMembers(this.orgUrl, this.requests, this.core, {
      projectId: ref.projectId,
      team,
      now: this.now(),
    });
  }

  async updateThreadStatus(
    ref: PullRequestRef,
    threadId: number,
    status: ThreadStatus,
    properties: Record<string, string>,
  ): Promise<void> {
    await this.patchThread(ref, threadId, { status: threadStatusValues[status], properties });
  }

  async replyToComment(
    ref: PullRequestRef,
    threadId: number,
    parentCommentId: number,
    content: string,
  ): Promise<void> {
    // Not repeated: a redelivered mention finds the reply that landed and does not answer again.
    await this.call('createComment', 'once', (api) =>
      api.createComment(
        { parentCommentId, content, commentType: 1 },
        ref.repositoryId,
        ref.pullRequestId,
        threadId,
        ref.projectId,
      ),
    );
  }

  async updateThreadProperties(
    ref: PullRequestRef,
    threadId: number,
    properties: Record<string, string>,
  ): Promise<void> {
    await this.patchThread(ref, threadId, { properties });
  }

  /** Sets a thread's status or properties: repeating it changes nothing. */
  private async patchThread(
    ref: PullRequestRef,
    threadId: number,
    patch: { status?: (typeof threadStatusValues)[ThreadStatus]; properties: Record<string, string> },
  ): Promise<void> {
    const thread = { ...patch, properties: writeProperties(patch.properties) };
    await this.call('updateThread', 'idempotentWrite', (api) =>
      api.updateThread(thread, ref.repositoryId, ref.pullRequestId, threadId, ref.projectId),
    );
  }

  async setStatus(ref: PullRequestRef, status: PullRequestStatusUpdate): Promise<void> {
    const body = {
      state: statusStates[status.state],
      description: status.description,
      context: { genre: status.genre, name: status.name },
    };
    const { iterationId } = status;
    // A status posted twice is harmless: the newest one for the context is the one shown and required.
    await this.call('createPullRequestStatus', 'idempotentWrite', (api) =>
      iterationId !== undefined
        ? api.createPullRequestIterationStatus(
            body,
            ref.repositoryId,
            ref.pullRequestId,
            iterationId,
            ref.projectId,
          )
        : api.createPullRequestStatus(body, ref.repositoryId, ref.pullRequestId, ref.projectId),
    );
  }
}
