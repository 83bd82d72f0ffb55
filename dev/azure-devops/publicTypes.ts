/** The public face of the Azure DevOps test server: its options, the admin requests, the records it keeps. */
import type { FaultInjection } from './faultInjection';
import type { FileContent } from './gitRepository';

export type Json = Record<string, unknown>;

/** A person or service account known to the server. */
export interface TestUser {
  id: string;
  displayName: string;
  uniqueName: string;
}

export interface AzureDevOpsServerOptions {
  /** The organization's name, or with `server` a collection path such as `tfs/DefaultCollection`. */
  organization?: string;
  token?: string;
  /** Bearer tokens accepted besides the PAT: those this says are valid (an identity stand-in's `isValid`). */
  acceptsBearerToken?: (token: string) => boolean;
  /** More PATs, each refused some routes: an identity with fewer rights than the bot's (the permission model). */
  restrictedTokens?: RestrictedToken[];
  /**
   * Behave as Azure DevOps Server: no resource areas (every area at the collection URL), `onPremises` connection
   * data, and routes that answer api-versions up to `apiVersion` only (Server 2022: 7.0, 2020: 6.0), refusing higher.
   */
  server?: { apiVersion: string };
  /** The identity that owns the token (the reviewer bot). */
  botIdentity?: Partial<TestUser>;
  /** The human that creates PRs, votes and comments through the admin API unless a `user` is given. */
  defaultUser?: Partial<TestUser>;
  /** How long a service-hook delivery may take before it counts as failed. */
  deliveryTimeoutMs?: number;
  /** Most projects one page of `GET _apis/projects` returns (the service's default is 100). */
  projectPageSize?: number;
}

/** A PAT the server accepts except on `refuses`, answered 403 as the service answers a missing permission. */
export interface RestrictedToken {
  token: string;
  refuses: RefusedRoute[];
}

export interface RefusedRoute {
  method: string;
  /** Matched against the path after the organization (`{project}/_apis/git/...`), decoded. */
  path: RegExp;
  /** The permission named in the refusal, e.g. `PullRequestContribute`. */
  permission: string;
}

export type ServiceHookEventType =
  'git.pullrequest.created' | 'git.pullrequest.updated' | 'ms.vss-code.git-pullrequest-comment-event';

/** What a `git.pullrequest.updated` was about; only its localized message text tells them apart. */
export type PullRequestUpdateAction = 'push' | 'vote' | 'completed' | 'abandoned' | 'published';

export interface BuildDeliveryOptions {
  /** For the comment event: the thread and comment it is about. */
  threadId?: number;
  commentId?: number;
  /** For the comment event: whether the comment was edited rather than added. */
  edited?: boolean;
  action?: PullRequestUpdateAction;
  /** Who did it (message text); defaults to the comment author / the default user. */
  actor?: TestUser;
}

export interface Subscriber {
  url: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  /** Subscriptions can be set to send no message texts: then message and detailedMessage are null. */
  includeMessages?: boolean;
  subscriptionId?: string;
}

export interface DeliveryRecord {
  eventType: string;
  url: string;
  payload: Json;
  /** HTTP status the subscriber answered, absent when the request failed. */
  status?: number;
  error?: string;
  time: string;
}

export interface WriteRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  time: string;
  /** HTTP status the server answered. */
  status?: number;
}

export interface CreateRepositoryRequest {
  project: string;
  name: string;
  files: Record<string, FileContent>;
  defaultBranch?: string;
  user?: TestUser;
}

export interface PushRequest {
  repositoryId: string;
  branch: string;
  files: Record<string, FileContent | null>;
  renames?: Record<string, string>;
  message?: string;
  /** Branch a new branch starts from; defaults to the repository's default branch. */
  baseBranch?: string;
  /** Rewrite history: commit on top of `baseBranch` even if `branch` exists (a force push). */
  force?: boolean;
  user?: TestUser;
}

export interface CreatePullRequestRequest {
  repositoryId: string;
  sourceBranch: string;
  targetBranch: string;
  title: string;
  description?: string;
  isDraft?: boolean;
  user?: TestUser;
  /** Reviewers it starts with, as a branch policy or its author adds them; none by default. */
  reviewers?: ReviewerRequest[];
}

/** A reviewer: a person, or a team of the pull request's project by name or id; optional unless `isRequired`. */
export type ReviewerRequest = ({ user: TestUser } | { team: string }) & { isRequired?: boolean };

export interface CreateTeamRequest {
  /** The project's name; created when there is none, as with a repository. */
  project: string;
  name: string;
  description?: string;
  members?: TestUser[];
}

export interface VoteRequest {
  pullRequestId: number;
  vote: number;
  user?: TestUser;
}

export interface AddCommentRequest {
  pullRequestId: number;
  content: string;
  /** Reply in this thread; without it a new active thread is started. */
  threadId?: number;
  parentCommentId?: number;
  /** New thread on a file (path as in the repo), optionally on a right-side line. */
  filePath?: string;
  line?: number;
  user?: TestUser;
}

export interface EditCommentRequest {
  pullRequestId: number;
  threadId: number;
  commentId: number;
  content: string;
}

export interface CreateWorkItemRequest {
  title: string;
  /** Defaults to `User Story`. */
  type?: string;
  /** HTML, as the service stores it. */
  description?: string;
  acceptanceCriteria?: string;
}

export interface LinkWorkItemRequest {
  pullRequestId: number;
  workItemId: number;
}

export interface SetThreadStatusRequest {
  pullRequestId: number;
  threadId: number;
  /** `active`, `fixed`, `wontFix`, `closed`, `byDesign` or `pending`. */
  status: string;
}

export interface ClosePullRequestRequest {
  pullRequestId: number;
  user?: TestUser;
}

export interface AzureDevOpsTestServer {
  readonly orgUrl: string;
  readonly organization: string;
  readonly token: string;
  /** From now on only `token` is accepted, as after the PAT was rotated and the old one revoked. */
  rotateToken(token: string): void;
  readonly port: number;
  /** The token owner as an IdentityRef (what `connectionData.authenticatedUser` and bot comments carry). */
  readonly botIdentity: Json & { id: string; displayName: string };
  readonly defaultUser: TestUser;
  readonly writes: WriteRecord[];
  readonly deliveries: DeliveryRecord[];
  /** The Authorization header of every REST request, in arrival order: which credential reached this server. */
  readonly authorizations: string[];

  /** A project without repositories (creating a repository also creates its project). */
  createProject(name: string): Json & { id: string; name: string };
  /** A team of a project, with its members; answered as the Teams API's WebApiTeam. */
  createTeam(request: CreateTeamRequest): Json & { id: string; name: string };
  createRepository(request: CreateRepositoryRequest): Promise<Json & { id: string; name: string }>;
  push(request: PushRequest): Promise<string>;
  createPullRequest(request: CreatePullRequestRequest): Promise<Json & { pullRequestId: number }>;
  vote(request: VoteRequest): Promise<Json>;
  addComment(request: AddCommentRequest): Promise<{ thread: Json; comment: Json }>;
  editComment(request: EditCommentRequest): Promise<Json>;
  completePullRequest(request: ClosePullRequestRequest): Promise<Json>;
  abandonPullRequest(request: ClosePullRequestRequest): Promise<Json>;
  /** A person sets a thread's status (resolves or reopens it) in the web UI. */
  setThreadStatus(request: SetThreadStatusRequest): Json;
  createWorkItem(request: CreateWorkItemRequest): Json & { id: number };
  linkWorkItem(request: LinkWorkItemRequest): void;
  publishPullRequest(request: ClosePullRequestRequest): Promise<Json>;
  dropRequests(matches: (method: string, path: string) => boolean, times?: number): void;
  /** Faults to inject into REST requests, and the record of every REST request (faultInjection.ts). */
  readonly faults: FaultInjection;

  setSubscriber(subscriber: Subscriber | null): void;
  buildDelivery(eventType: ServiceHookEventType, pullRequestId: number, options?: BuildDeliveryOptions): Json;
  deliver(
    eventType: ServiceHookEventType,
    pullRequestId: number,
    options?: BuildDeliveryOptions,
  ): Promise<DeliveryRecord>;
  /** Sends any payload (e.g. a duplicate or a tampered copy) to the subscriber the way Azure DevOps would. */
  sendDelivery(payload: Json): Promise<DeliveryRecord>;
  /** Resolves when deliveries triggered by REST writes (comment events) have finished. */
  settled(): Promise<void>;

  pullRequest(pullRequestId: number): Json;
  /** Service-hook subscriptions created through the REST API, as stored: confidential inputs unmasked. */
  serviceHookSubscriptions(): Json[];
  threads(repositoryId: string, pullRequestId: number): Json[];
  statuses(repositoryId: string, pullRequestId: number): Json[];
  close(): Promise<void>;
}
