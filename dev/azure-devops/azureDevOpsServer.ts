/**
 * A local stand-in for Azure DevOps Services, for tests and the local sandbox. It speaks real HTTP on 127.0.0.1,
 * answers the discovery calls of `azure-devops-node-api` (OPTIONS {org}/_apis/Location, GET {org}/_apis/ResourceAreas,
 * OPTIONS {org}/_apis/git) with the route templates below, and serves pull requests backed by real git repositories
 * (bare repos in a temp dir, driven with the `git` CLI). Shapes follow the official REST spec (git 7.1) and its
 * httpExamples; service-hook deliveries follow the captured samples in the reference material.
 *
 * Every request, admin ones included, needs the PAT as basic auth (any user name): `curl -u :$TOKEN ...`.
 * Besides git, it serves the Core projects list (paged with a continuation token) and the Service Hooks
 * subscriptions API (hooks 7.1: list, create, get, replace, delete; confidential inputs come back as ********).
 * Those subscriptions are stored only: deliveries still go to the subscriber set with `setSubscriber`.
 * Like the service, comments the bot writes through the REST API also fire the comment event (after the response;
 * `settled()` waits for those), and admin actions deliver their events before they return.
 *
 * Admin API — JSON in, JSON out. File contents are a string (UTF-8 text), {"base64": "..."} (bytes) or null (delete).
 *   POST   {orgUrl}/_test/projects                     {name}                                   → TeamProjectReference
 *   POST   {orgUrl}/_test/repositories                 {project, name, files, defaultBranch?}   → GitRepository
 *   POST   {orgUrl}/_test/pushes                       {repositoryId, branch, files, renames?, message?, baseBranch?}
 *                                                      → {commitId}  (adds an iteration to an active PR from `branch`)
 *   POST   {orgUrl}/_test/pullRequests                 {repositoryId, sourceBranch, targetBranch, title,
 *                                                       description?, isDraft?}                  → GitPullRequest
 *   POST   {orgUrl}/_test/pullRequests/{id}/votes      {vote: 10|5|0|-5|-10}                    → GitPullRequest
 *   POST   {orgUrl}/_test/pullRequests/{id}/comments   {content, threadId?, parentCommentId?, filePath?, line?}
 *                                                      → {thread, comment}  (by a human user)
 *   PATCH  {orgUrl}/_test/pullRequests/{id}/threads/{threadId}/comments/{commentId}   {content}  → Comment
 *   POST   {orgUrl}/_test/pullRequests/{id}/complete   {}                                       → GitPullRequest
 *   POST   {orgUrl}/_test/pullRequests/{id}/abandon    {}                                       → GitPullRequest
 *   PUT    {orgUrl}/_test/subscriber                   {url, username?, password?, headers?, includeMessages?}
 *   DELETE {orgUrl}/_test/subscriber
 *   POST   {orgUrl}/_test/deliveries                   {eventType, pullRequestId, threadId?, commentId?, action?,
 *                                                       send?: boolean (default true)}  → DeliveryRecord | payload
 *   POST   {orgUrl}/_test/deliveries/raw               any payload, sent as is to the subscriber → DeliveryRecord
 *   GET    {orgUrl}/_test/deliveries                   → DeliveryRecord[]
 *   GET    {orgUrl}/_test/writes                       → WriteRecord[] (every REST write the app made)
 *   GET    {orgUrl}/_test/hookSubscriptions            → service-hook subscriptions as stored (passwords unmasked)
 *
 * Example:
 *   curl -u :$TOKEN -H 'Content-Type: application/json' $ORG/_test/repositories \
 *        -d '{"project":"demo","name":"app","files":{"README.md":"hello\n"}}'
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  type CommitInfo,
  type FileContent,
  GitRepository,
  type GitPerson,
  type TreeChange,
  toRepositoryPath,
} from './gitRepository';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

export type Json = Record<string, unknown>;

/** A person or service account known to the server. */
export interface TestUser {
  id: string;
  displayName: string;
  uniqueName: string;
}

export interface AzureDevOpsServerOptions {
  organization?: string;
  token?: string;
  /** The identity that owns the token (the reviewer bot). */
  botIdentity?: Partial<TestUser>;
  /** The human that creates PRs, votes and comments through the admin API unless a `user` is given. */
  defaultUser?: Partial<TestUser>;
  /** How long a service-hook delivery may take before it counts as failed. */
  deliveryTimeoutMs?: number;
  /** Most projects one page of `GET _apis/projects` returns (the service's default is 100). */
  projectPageSize?: number;
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

export interface ClosePullRequestRequest {
  pullRequestId: number;
  user?: TestUser;
}

export interface AzureDevOpsTestServer {
  readonly orgUrl: string;
  readonly organization: string;
  readonly token: string;
  readonly port: number;
  /** The token owner as an IdentityRef (what `connectionData.authenticatedUser` and bot comments carry). */
  readonly botIdentity: Json & { id: string; displayName: string };
  readonly defaultUser: TestUser;
  readonly writes: WriteRecord[];
  readonly deliveries: DeliveryRecord[];

  /** A project without repositories (creating a repository also creates its project). */
  createProject(name: string): Json & { id: string; name: string };
  createRepository(request: CreateRepositoryRequest): Promise<Json & { id: string; name: string }>;
  push(request: PushRequest): Promise<string>;
  createPullRequest(request: CreatePullRequestRequest): Promise<Json & { pullRequestId: number }>;
  vote(request: VoteRequest): Promise<Json>;
  addComment(request: AddCommentRequest): Promise<{ thread: Json; comment: Json }>;
  editComment(request: EditCommentRequest): Promise<Json>;
  completePullRequest(request: ClosePullRequestRequest): Promise<Json>;
  abandonPullRequest(request: ClosePullRequestRequest): Promise<Json>;
  publishPullRequest(request: ClosePullRequestRequest): Promise<Json>;
  dropRequests(matches: (method: string, path: string) => boolean, times?: number): void;

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

// ---------------------------------------------------------------------------------------------------------------
// Wire constants: locations the client discovers, enums as the service spells them
// ---------------------------------------------------------------------------------------------------------------

const GIT_AREA_ID = '4e080c62-fa21-4fbc-8fef-2a10a2b38049';
const MAX_API_VERSION = 7.2;
const RELEASED_API_VERSION = 7.1;
const PR_PATH = '{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}';
const ITERATION_PATH = `${PR_PATH}/iterations/{iterationId}`;

const THREAD_STATUSES = ['unknown', 'active', 'fixed', 'wontFix', 'closed', 'byDesign', 'pending'];
const COMMENT_TYPES = ['unknown', 'text', 'codeChange', 'system'];
const STATUS_STATES = [
  'notSet',
  'pending',
  'succeeded',
  'failed',
  'error',
  'notApplicable',
  'partiallySucceeded',
];
const PULL_REQUEST_STATUSES = ['notSet', 'active', 'abandoned', 'completed', 'all'];
const VERSION_TYPES = ['branch', 'tag', 'commit'];
const VOTES = new Map([
  [10, 'approved'],
  [5, 'approved with suggestions'],
  [0, 'reset their vote'],
  [-5, 'waiting for the author'],
  [-10, 'rejected'],
]);

const CORE_AREA_ID = '79134c72-4a58-4b42-976c-04e7115f32bf';
/** Events the `tfs` publisher lists (hooks eventTypes example) plus the comment event ms.vss-code contributes. */
const TFS_EVENT_TYPES = new Set([
  'build.complete',
  'message.posted',
  'git.pullrequest.created',
  'git.pullrequest.updated',
  'git.push',
  'tfvc.checkin',
  'workitem.created',
  'workitem.commented',
  'workitem.updated',
  'ms.vss-code.git-pullrequest-comment-event',
]);
/** The `notificationType` filter of git.pullrequest.updated ('' is "[Any]"). */
const PULL_REQUEST_CHANGES = [
  '',
  'PushNotification',
  'ReviewersUpdateNotification',
  'StatusUpdateNotification',
  'ReviewerVoteNotification',
];
/**
 * Combo inputs of the webHooks consumer's httpRequest action. The descriptor lists '' for "All"; the service also
 * takes 'all', which the Terraform provider and published scripts send.
 */
const MESSAGE_CHOICES = ['', 'all', 'text', 'html', 'markdown', 'none'];
const WEB_HOOK_CHOICES: Record<string, string[]> = {
  resourceDetailsToSend: ['', 'all', 'minimal', 'none'],
  messagesToSend: MESSAGE_CHOICES,
  detailedMessagesToSend: MESSAGE_CHOICES,
};
/** Inputs the descriptor marks isConfidential: stored, and answered as the mask (see the subscriptions example). */
const CONFIDENTIAL_WEB_HOOK_INPUTS = ['basicAuthPassword'];
const CONFIDENTIAL_MASK = '********';

// ---------------------------------------------------------------------------------------------------------------
// Errors in the Azure DevOps shape
// ---------------------------------------------------------------------------------------------------------------

const GIT_SERVER = 'Microsoft.TeamFoundation.Git.Server';
const WEB_SERVER = 'Microsoft.TeamFoundation.SourceControl.WebServer';
const VSS_COMMON = 'Microsoft.VisualStudio.Services.WebApi';

class AzureDevOpsError extends Error {
  constructor(
    readonly status: number,
    readonly typeKey: string,
    message: string,
    readonly namespace: string = WEB_SERVER,
    readonly eventId = 3000,
    readonly assembly = namespace,
  ) {
    super(message);
  }

  toJson(): Json {
    return {
      $id: '1',
      innerException: null,
      message: this.message,
      typeName: `${this.namespace}.${this.typeKey}, ${this.assembly}`,
      typeKey: this.typeKey,
      errorCode: 0,
      eventId: this.eventId,
    };
  }
}

const badRequest = (message: string, typeKey = 'InvalidArgumentValueException', namespace = WEB_SERVER) =>
  new AzureDevOpsError(400, typeKey, message, namespace, 0);
const argumentNull = (parameter: string) =>
  new AzureDevOpsError(
    400,
    'ArgumentNullException',
    `Value cannot be null.\r\nParameter name: ${parameter}`,
    'System',
    0,
    'mscorlib',
  );
const notFound = (typeKey: string, message: string) =>
  new AzureDevOpsError(404, typeKey, message, GIT_SERVER);
const SERVICE_HOOKS = 'Microsoft.VisualStudio.Services.ServiceHooks.WebApi';
const hooksBadRequest = (message: string) =>
  badRequest(message, 'InvalidArgumentValueException', SERVICE_HOOKS);

/** Clients send enums as numbers (the TypeScript enums) or names; the service answers with camelCase names. */
function parseEnum(value: unknown, names: string[], field: string): string {
  const index = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof index === 'number' && Number.isInteger(index) && names[index] !== undefined) return names[index];
  if (typeof value === 'string') {
    const name = names.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    if (name) return name;
  }
  throw badRequest(`The value '${String(value)}' is not valid for ${field}.`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalInteger(value: unknown, field: string, minimum: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum)
    throw badRequest(`${field} must be a whole number of at least ${minimum}, got ${JSON.stringify(value)}.`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// PropertiesCollection: stored and returned as { key: { $type, $value } }, the way the service answers
// ---------------------------------------------------------------------------------------------------------------

interface TypedProperty {
  $type: string;
  $value: unknown;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Thread and status properties keep the JSON type of what the client sent (see the statusWithProperties example). */
function typedProperty(key: string, value: unknown): TypedProperty {
  if (isObject(value) && typeof value.$type === 'string' && '$value' in value) {
    if (value.$type === 'System.Guid' && typeof value.$value === 'string')
      return { $type: 'System.String', $value: value.$value.replace(/-/g, '') };
    if (value.$type === 'System.DateTime' && typeof value.$value === 'string')
      return { $type: 'System.DateTime', $value: new Date(value.$value).toISOString() };
    return { $type: value.$type, $value: value.$value };
  }
  if (typeof value === 'string') return { $type: 'System.String', $value: value };
  if (typeof value === 'boolean') return { $type: 'System.Boolean', $value: value };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { $type: 'System.Double', $value: value };
    return { $type: Math.abs(value) <= 2 ** 31 - 1 ? 'System.Int32' : 'System.Int64', $value: value };
  }
  throw badRequest(`The value of property '${key}' has an unsupported type.`);
}

/** Pull request properties store plain values as strings, except ISO dates (see AddPullRequestProperties). */
function pullRequestProperty(key: string, value: unknown): TypedProperty {
  if (isObject(value)) return typedProperty(key, value);
  if (typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value)))
    return { $type: 'System.DateTime', $value: new Date(value).toISOString() };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return { $type: 'System.String', $value: String(value) };
  throw badRequest(`The value of property '${key}' has an unsupported type.`);
}

/** Merges `{ key: value }` into `target`; a null value removes the key. */
function mergeProperties(target: Map<string, TypedProperty>, update: unknown, field: string): void {
  if (update === undefined || update === null) return;
  if (!isObject(update)) throw badRequest(`${field} must be an object of key/value pairs.`);
  for (const [key, value] of Object.entries(update)) {
    if (value === null) target.delete(key);
    else target.set(key, typedProperty(key, value));
  }
}

const propertiesJson = (properties: Map<string, TypedProperty>): Json => Object.fromEntries(properties);

// ---------------------------------------------------------------------------------------------------------------
// Route table: one entry per REST location; the same templates answer OPTIONS and route requests
// ---------------------------------------------------------------------------------------------------------------

interface RequestContext {
  method: string;
  params: Record<string, string | undefined>;
  query: Map<string, string>;
  body: unknown;
  contentType: string;
  accept: string;
}

interface Reply {
  status?: number;
  json?: unknown;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

type Handler = (context: RequestContext) => Promise<Reply> | Reply;

interface ApiLocation {
  id: string;
  area: string;
  resourceName: string;
  routeTemplate: string;
  resourceVersion: number;
  handlers: Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>;
}

/** Matches URL segments against a route template whose `{param}` segments may be left out, as the client does. */
function matchTemplate(
  location: ApiLocation,
  segments: string[],
): Record<string, string | undefined> | undefined {
  const template = location.routeTemplate
    .replace('{area}', location.area)
    .replace('{resource}', location.resourceName)
    .split('/');
  const params: Record<string, string | undefined> = {};
  const walk = (templateIndex: number, segmentIndex: number): boolean => {
    if (templateIndex === template.length) return segmentIndex === segments.length;
    const part = template[templateIndex];
    const wildcard = /^\{\*(\w+)\}$/.exec(part);
    if (wildcard) {
      params[wildcard[1]] = segments.slice(segmentIndex).join('/') || undefined;
      return true;
    }
    const param = /^\{(\w+)\}$/.exec(part);
    if (param) {
      if (segmentIndex < segments.length && walk(templateIndex + 1, segmentIndex + 1)) {
        params[param[1]] = segments[segmentIndex];
        return true;
      }
      return walk(templateIndex + 1, segmentIndex);
    }
    return (
      segmentIndex < segments.length &&
      segments[segmentIndex].toLowerCase() === part.toLowerCase() &&
      walk(templateIndex + 1, segmentIndex + 1)
    );
  };
  return walk(0, 0) ? params : undefined;
}

function requestedApiVersion(accept: string, query: Map<string, string>): string | undefined {
  const fromAccept = /api-version=([^;,\s]+)/i.exec(accept);
  return fromAccept?.[1] ?? query.get('api-version');
}

/** Rejects api-versions the service would reject: too new, or a preview version without `-preview`. */
function checkApiVersion(requested: string | undefined, method: string, location: ApiLocation): void {
  if (requested === undefined) {
    if (method === 'GET') return;
    throw badRequest(
      `No api-version was supplied for the "${method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
      'VssVersionNotSpecifiedException',
      VSS_COMMON,
    );
  }
  const parsed = /^(\d+(?:\.\d+)?)(-preview(?:\.(\d+))?)?$/.exec(requested);
  if (!parsed)
    throw badRequest(
      `The api-version '${requested}' is not valid.`,
      'VssInvalidApiVersionException',
      VSS_COMMON,
    );
  const version = Number(parsed[1]);
  if (version > MAX_API_VERSION)
    throw badRequest(
      `The requested REST API version of ${requested} is out of range for this server. The latest REST API version for this server is ${MAX_API_VERSION}.`,
      'VssVersionOutOfRangeException',
      VSS_COMMON,
    );
  if (version > RELEASED_API_VERSION && !parsed[2])
    throw badRequest(
      `The requested version "${requested}" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: "${requested}-preview"`,
      'VssInvalidPreviewVersionException',
      VSS_COMMON,
    );
  if (parsed[3] !== undefined && Number(parsed[3]) > location.resourceVersion)
    throw badRequest(
      `The requested resource version ${parsed[3]} of ${location.resourceName} is not supported; the latest is ${location.resourceVersion}.`,
      'VssVersionNotSupportedException',
      VSS_COMMON,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------

interface ProjectState {
  id: string;
  name: string;
  lastUpdateTime: string;
}

interface RepositoryState {
  id: string;
  name: string;
  project: ProjectState;
  defaultBranch: string;
  git: GitRepository;
}

interface ChangeEntry extends TreeChange {
  changeTrackingId: number;
}

interface IterationState {
  id: number;
  sourceCommit: string;
  targetCommit: string;
  commonCommit: string;
  reason: 'create' | 'push' | 'forcePush';
  author: TestUser;
  description: string;
  createdDate: string;
  changes: ChangeEntry[];
}

interface MergeCommit {
  commitId: string;
  author: GitPerson & { date: string };
  comment: string;
}

interface ReviewerState {
  user: TestUser;
  vote: number;
}

interface CommentState {
  id: number;
  parentCommentId: number;
  author: TestUser;
  content: string;
  commentType: string;
  publishedDate: string;
  lastUpdatedDate: string;
  lastContentUpdatedDate: string;
  isDeleted: boolean;
}

interface ThreadState {
  id: number;
  publishedDate: string;
  lastUpdatedDate: string;
  status?: string;
  threadContext: Json | null;
  pullRequestThreadContext: Json | null;
  properties: Map<string, TypedProperty>;
  comments: CommentState[];
}

interface StatusState {
  id: number;
  iterationId?: number;
  state: string;
  description?: string;
  context: { name: string; genre?: string };
  targetUrl?: string;
  properties?: Map<string, TypedProperty>;
  createdBy: TestUser;
  creationDate: string;
}

interface PullRequestState {
  id: number;
  repository: RepositoryState;
  title: string;
  description?: string;
  isDraft: boolean;
  sourceRefName: string;
  targetRefName: string;
  status: 'active' | 'abandoned' | 'completed';
  createdBy: TestUser;
  creationDate: string;
  closedDate?: string;
  closedBy?: TestUser;
  mergeId: string;
  mergeStatus: 'succeeded' | 'conflicts';
  lastMergeCommit?: MergeCommit;
  reviewers: Map<string, ReviewerState>;
  iterations: IterationState[];
  /** changeTrackingId per path, so a file keeps its id across iterations (and through renames). */
  trackingIds: Map<string, number>;
  nextTrackingId: number;
  /** Target branch head the trial merge was made with (moves when the target branch moves). */
  targetCommit: string;
  threads: ThreadState[];
  statuses: StatusState[];
  properties: Map<string, TypedProperty>;
}

interface SubscriptionState extends Subscriber {
  subscriptionId: string;
  notificationCount: number;
}

/** A subscription made through the Service Hooks REST API. */
interface HookSubscriptionState {
  id: string;
  publisherId: string;
  eventType: string;
  resourceVersion: string | null;
  consumerId: string;
  consumerActionId: string;
  publisherInputs: Record<string, string>;
  consumerInputs: Record<string, string>;
  tfsSubscriptionId: string;
  createdDate: string;
  modifiedDate: string;
}

const now = () => new Date().toISOString();
const toAzurePath = (repositoryPath: string) => `/${repositoryPath}`;
const branchName = (ref: string) => ref.replace(/^refs\/heads\//, '');
const branchRef = (name: string) => `refs/heads/${branchName(name)}`;
const gitPerson = (user: TestUser): GitPerson => ({ name: user.displayName, email: user.uniqueName });

function completeUser(partial: Partial<TestUser> | undefined, fallback: Omit<TestUser, 'id'>): TestUser {
  return {
    id: partial?.id ?? randomUUID(),
    displayName: partial?.displayName ?? fallback.displayName,
    uniqueName: partial?.uniqueName ?? fallback.uniqueName,
  };
}

const pullRequestNotFound = () =>
  notFound('GitPullRequestNotFoundException', 'TF401180: The requested pull request was not found.');

// ---------------------------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------------------------

class AzureDevOpsServer implements AzureDevOpsTestServer {
  readonly writes: WriteRecord[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  readonly defaultUser: TestUser;
  orgUrl = '';
  port = 0;

  private readonly bot: TestUser;
  /** Author of system comments (vote records), like the service's "Project Collection Service Accounts". */
  private readonly serviceAccount: TestUser;
  private readonly deliveryTimeoutMs: number;
  private readonly http: http.Server;
  private readonly collectionId = randomUUID();
  private readonly accountId = randomUUID();
  private readonly projects = new Map<string, ProjectState>();
  private readonly repositories = new Map<string, RepositoryState>();
  private readonly pullRequests = new Map<number, PullRequestState>();
  private readonly hookSubscriptions = new Map<string, HookSubscriptionState>();
  private readonly projectPageSize: number;
  private readonly locations: ApiLocation[];
  private readonly pendingDeliveries = new Set<Promise<unknown>>();
  private subscription?: SubscriptionState;
  private nextPullRequestId = 1;
  private nextThreadId = 1;
  /** Git mutations (commits, iterations, merges) run one at a time so iteration numbers follow push order. */
  private gitQueue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly organization: string,
    readonly token: string,
    private readonly directory: string,
    options: AzureDevOpsServerOptions,
  ) {
    this.bot = completeUser(options.botIdentity, {
      displayName: 'AI Reviewer',
      uniqueName: `ai-reviewer@${organization}.example.com`,
    });
    this.defaultUser = completeUser(options.defaultUser, {
      displayName: 'Alex Developer',
      uniqueName: `alex@${organization}.example.com`,
    });
    this.serviceAccount = {
      id: randomUUID(),
      displayName: `[${organization}]\\Project Collection Service Accounts`,
      uniqueName: `vstfs:///Framework/IdentityDomain/${this.collectionId}\\Project Collection Service Accounts`,
    };
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 20_000;
    this.projectPageSize = options.projectPageSize ?? 100;
    this.locations = this.buildLocations();
    this.http = http.createServer((request, response) => void this.serve(request, response));
  }

  get botIdentity(): Json & { id: string; displayName: string } {
    return this.identityJson(this.bot) as Json & { id: string; displayName: string };
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
    this.orgUrl = `http://127.0.0.1:${this.port}/${this.organization}`;
  }

  async close(): Promise<void> {
    await Promise.race([this.settled(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await rm(this.directory, { recursive: true, force: true });
  }

  // ---- locations -------------------------------------------------------------------------------------------

  private buildLocations(): ApiLocation[] {
    const git = (
      id: string,
      resourceName: string,
      routeTemplate: string,
      resourceVersion: number,
      handlers: ApiLocation['handlers'],
    ): ApiLocation => ({ id, area: 'git', resourceName, routeTemplate, resourceVersion, handlers });
    return [
      {
        id: 'e81700f7-3be2-46de-8624-2eb35882fcaa',
        area: 'Location',
        resourceName: 'ResourceAreas',
        routeTemplate: '_apis/{resource}/{areaId}',
        resourceVersion: 1,
        handlers: { GET: () => this.resourceAreas() },
      },
      {
        id: '00d9565f-ed9c-4a06-9a50-00e7896ccab4',
        area: 'Location',
        resourceName: 'ConnectionData',
        routeTemplate: '_apis/{resource}',
        resourceVersion: 1,
        handlers: { GET: () => ({ json: this.connectionData() }) },
      },
      {
        id: '603fe2ac-9723-48b9-88ad-09305aa6c6e1',
        area: 'core',
        resourceName: 'projects',
        routeTemplate: '_apis/{resource}/{projectId}',
        resourceVersion: 4,
        handlers: { GET: (context) => this.getProjects(context) },
      },
      {
        id: 'fc50d02a-849f-41fb-8af1-0a5216103269',
        area: 'hooks',
        resourceName: 'subscriptions',
        routeTemplate: '_apis/{area}/{resource}/{subscriptionId}',
        resourceVersion: 1,
        handlers: {
          GET: (context) => this.getHookSubscriptions(context),
          POST: (context) => this.createHookSubscription(context),
          PUT: (context) => this.replaceHookSubscription(context),
          DELETE: (context) => this.deleteHookSubscription(context),
        },
      },
      git(
        '225f7195-f9c7-4d14-ab28-a83f7ff77e1f',
        'repositories',
        '{project}/_apis/{area}/{resource}/{repositoryId}',
        2,
        {
          GET: (context) => this.getRepositories(context),
        },
      ),
      git(
        '01a46dea-7d46-4d40-bc84-319e7c260d99',
        'pullRequests',
        '{project}/_apis/{area}/{resource}/{pullRequestId}',
        2,
        {
          GET: (context) => this.getPullRequests(context),
        },
      ),
      git(
        '9946fd70-0d40-406e-b686-b4744cbbcc37',
        'pullRequests',
        '{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{pullRequestId}',
        2,
        { GET: (context) => this.getPullRequests(context) },
      ),
      git('d43911ee-6958-46b0-a42b-8445b8a0d004', 'pullRequestIterations', ITERATION_PATH, 2, {
        GET: (context) => this.getIterations(context),
      }),
      git(
        '4216bdcf-b6b1-4d59-8b82-c34cc183fc8b',
        'pullRequestIterationChanges',
        `${ITERATION_PATH}/changes`,
        1,
        {
          GET: (context) => this.getIterationChanges(context),
        },
      ),
      git(
        'e7ea0883-095f-4926-b5fb-f24691c26fb9',
        'pullRequestIterationCommits',
        `${ITERATION_PATH}/commits`,
        1,
        {
          GET: (context) => this.getIterationCommits(context),
        },
      ),
      git(
        'fb93c0db-47ed-4a31-8c20-47552878fb44',
        'items',
        '{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{*path}',
        1,
        { GET: (context) => this.getItems(context) },
      ),
      git('ab6e2e5d-a0b7-4153-b64a-a4efe0d49449', 'pullRequestThreads', `${PR_PATH}/threads/{threadId}`, 1, {
        GET: (context) => this.getThreads(context),
        POST: (context) => this.createThread(context),
        PATCH: (context) => this.updateThread(context),
      }),
      git(
        '965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b',
        'pullRequestThreadComments',
        `${PR_PATH}/threads/{threadId}/comments/{commentId}`,
        1,
        {
          GET: (context) => this.getComments(context),
          POST: (context) => this.createComment(context),
          PATCH: (context) => this.updateComment(context),
          DELETE: (context) => this.deleteComment(context),
        },
      ),
      git(
        'b5f6bb4f-8d1e-4d79-8d11-4c9172c99c35',
        'pullRequestStatuses',
        `${PR_PATH}/statuses/{statusId}`,
        2,
        {
          GET: (context) => this.getStatuses(context),
          POST: (context) => this.createStatus(context),
        },
      ),
      git(
        '75cf11c5-979f-4038-a76e-058a06adf2bf',
        'pullRequestIterationStatuses',
        `${ITERATION_PATH}/statuses/{statusId}`,
        2,
        { GET: (context) => this.getStatuses(context), POST: (context) => this.createStatus(context) },
      ),
      git('48a52185-5b9e-4736-9dc1-bb1e2feac80b', 'pullRequestProperties', `${PR_PATH}/properties`, 1, {
        GET: (context) => ({ json: this.pullRequestPropertiesJson(this.findPullRequest(context)) }),
        PATCH: (context) => this.updatePullRequestProperties(context),
      }),
    ];
  }

  private locationJson(location: ApiLocation): Json {
    return {
      id: location.id,
      area: location.area,
      resourceName: location.resourceName,
      routeTemplate: location.routeTemplate,
      resourceVersion: location.resourceVersion,
      minVersion: '1.0',
      maxVersion: String(MAX_API_VERSION),
      releasedVersion: String(RELEASED_API_VERSION),
    };
  }

  private resourceAreas(): Reply {
    const value = [
      { id: GIT_AREA_ID, name: 'git', locationUrl: `${this.orgUrl}/` },
      { id: CORE_AREA_ID, name: 'core', locationUrl: `${this.orgUrl}/` },
    ];
    return { json: { count: value.length, value } };
  }

  private connectionData(): Json {
    const user = {
      id: this.bot.id,
      descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${this.collectionId}\\${this.bot.uniqueName}`,
      subjectDescriptor: this.descriptor(this.bot),
      providerDisplayName: this.bot.displayName,
      isActive: true,
      properties: { Account: { $type: 'System.String', $value: this.bot.uniqueName } },
      resourceVersion: 2,
      metaTypeId: 0,
    };
    return {
      authenticatedUser: user,
      authorizedUser: user,
      instanceId: this.collectionId,
      deploymentId: this.accountId,
      deploymentType: 'hosted',
      locationServiceData: {
        serviceOwner: '00025394-6065-48ca-87d9-7f5672854ef7',
        defaultAccessMappingMoniker: 'PublicAccessMapping',
        lastChangeId: 1,
        lastChangeId64: 1,
      },
    };
  }

  // ---- JSON shapes -----------------------------------------------------------------------------------------

  private descriptor(user: TestUser): string {
    return `aad.${Buffer.from(user.id).toString('base64').replace(/=+$/, '')}`;
  }

  private identityJson(user: TestUser): Json {
    return {
      displayName: user.displayName,
      url: `${this.orgUrl}/_apis/Identities/${user.id}`,
      _links: {
        avatar: { href: `${this.orgUrl}/_apis/GraphProfile/MemberAvatars/${this.descriptor(user)}` },
      },
      id: user.id,
      uniqueName: user.uniqueName,
      imageUrl: `${this.orgUrl}/_api/_common/identityImage?id=${user.id}`,
      descriptor: this.descriptor(user),
    };
  }

  private repositoryUrl(repository: RepositoryState): string {
    return `${this.orgUrl}/${repository.project.id}/_apis/git/repositories/${repository.id}`;
  }

  private repositoryWebUrl(repository: RepositoryState): string {
    return `${this.orgUrl}/${encodeURIComponent(repository.project.name)}/_git/${encodeURIComponent(repository.name)}`;
  }

  /** A TeamProjectReference, as the projects list and repositories carry it. */
  private projectJson(project: ProjectState): Json {
    return {
      id: project.id,
      name: project.name,
      url: `${this.orgUrl}/_apis/projects/${project.id}`,
      state: 'wellFormed',
      revision: 1,
      visibility: 'private',
      lastUpdateTime: project.lastUpdateTime,
    };
  }

  private repositoryJson(repository: RepositoryState): Json {
    return {
      id: repository.id,
      name: repository.name,
      url: this.repositoryUrl(repository),
      project: this.projectJson(repository.project),
      defaultBranch: branchRef(repository.defaultBranch),
      size: 0,
      remoteUrl: this.repositoryWebUrl(repository),
      sshUrl: `git@ssh.dev.azure.com:v3/${this.organization}/${repository.project.name}/${repository.name}`,
      webUrl: this.repositoryWebUrl(repository),
      isDisabled: false,
      isInMaintenance: false,
    };
  }

  private commitRefJson(repository: RepositoryState, commitId: string): Json {
    return { commitId, url: `${this.repositoryUrl(repository)}/commits/${commitId}` };
  }

  private commitJson(repository: RepositoryState, commit: CommitInfo): Json {
    return {
      commitId: commit.commitId,
      author: commit.author,
      committer: commit.committer,
      comment: commit.message,
      url: `${this.repositoryUrl(repository)}/commits/${commit.commitId}`,
    };
  }

  private pullRequestUrl(pr: PullRequestState): string {
    return `${this.repositoryUrl(pr.repository)}/pullRequests/${pr.id}`;
  }

  /** REST responses carry API links; service-hook resources carry `web` and `statuses` (as in the samples). */
  private pullRequestJson(pr: PullRequestState, shape: 'rest' | 'hook' = 'rest'): Json {
    const repository = pr.repository;
    const latest = pr.iterations[pr.iterations.length - 1];
    const url = this.pullRequestUrl(pr);
    const repositoryUrl = this.repositoryUrl(repository);
    const links =
      shape === 'hook'
        ? {
            web: { href: `${this.repositoryWebUrl(repository)}/pullrequest/${pr.id}` },
            statuses: { href: `${url}/statuses` },
          }
        : {
            self: { href: url },
            repository: { href: repositoryUrl },
            workItems: { href: `${url}/workitems` },
            sourceBranch: { href: `${repositoryUrl}/refs/heads/${branchName(pr.sourceRefName)}` },
            targetBranch: { href: `${repositoryUrl}/refs/heads/${branchName(pr.targetRefName)}` },
            statuses: { href: `${url}/statuses` },
            sourceCommit: { href: `${repositoryUrl}/commits/${latest.sourceCommit}` },
            targetCommit: { href: `${repositoryUrl}/commits/${latest.targetCommit}` },
            createdBy: { href: `${this.orgUrl}/_apis/Identities/${pr.createdBy.id}` },
            iterations: { href: `${url}/iterations` },
          };
    return {
      repository: this.repositoryJson(repository),
      pullRequestId: pr.id,
      codeReviewId: pr.id,
      status: pr.status,
      createdBy: this.identityJson(pr.createdBy),
      creationDate: pr.creationDate,
      ...(pr.closedDate && { closedDate: pr.closedDate }),
      title: pr.title,
      ...(pr.description !== undefined && { description: pr.description }),
      sourceRefName: pr.sourceRefName,
      targetRefName: pr.targetRefName,
      mergeStatus: pr.mergeStatus,
      isDraft: pr.isDraft,
      mergeId: pr.mergeId,
      lastMergeSourceCommit: this.commitRefJson(repository, latest.sourceCommit),
      lastMergeTargetCommit: this.commitRefJson(repository, pr.targetCommit),
      ...(pr.lastMergeCommit && {
        lastMergeCommit: {
          commitId: pr.lastMergeCommit.commitId,
          author: pr.lastMergeCommit.author,
          committer: pr.lastMergeCommit.author,
          comment: pr.lastMergeCommit.comment,
          url: `${repositoryUrl}/commits/${pr.lastMergeCommit.commitId}`,
        },
      }),
      reviewers: [...pr.reviewers.values()].map((reviewer) => ({
        reviewerUrl: `${url}/reviewers/${reviewer.user.id}`,
        vote: reviewer.vote,
        hasDeclined: false,
        isFlagged: false,
        ...this.identityJson(reviewer.user),
      })),
      url,
      _links: links,
      supportsIterations: true,
      ...(pr.closedBy && { closedBy: this.identityJson(pr.closedBy) }),
      artifactId: `vstfs:///Git/PullRequestId/${repository.project.id}%2f${repository.id}%2f${pr.id}`,
    };
  }

  private iterationJson(pr: PullRequestState, iteration: IterationState): Json {
    const repository = pr.repository;
    return {
      id: iteration.id,
      description: iteration.description,
      author: this.identityJson(iteration.author),
      createdDate: iteration.createdDate,
      updatedDate: iteration.createdDate,
      sourceRefCommit: { commitId: iteration.sourceCommit },
      targetRefCommit: { commitId: iteration.targetCommit },
      commonRefCommit: { commitId: iteration.commonCommit },
      hasMoreCommits: false,
      reason: iteration.reason,
      _links: {
        self: { href: `${this.pullRequestUrl(pr)}/iterations/${iteration.id}` },
        repository: { href: this.repositoryUrl(repository) },
        pullRequest: { href: this.pullRequestUrl(pr) },
        sourceCommit: { href: `${this.repositoryUrl(repository)}/commits/${iteration.sourceCommit}` },
        targetCommit: { href: `${this.repositoryUrl(repository)}/commits/${iteration.targetCommit}` },
        commonCommit: { href: `${this.repositoryUrl(repository)}/commits/${iteration.commonCommit}` },
      },
    };
  }

  /**
   * A change entry as the service returns it. A delete carries its path in `originalPath` and no `item.path`
   * (field reports and clients that read `originalPath ?? item.path` agree on this); its item has only the old blob.
   */
  private changeEntryJson(change: ChangeEntry, changeId: number): Json {
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

  private threadUrl(pr: PullRequestState, thread: ThreadState): string {
    return `${this.orgUrl}/_apis/git/repositories/${pr.repository.id}/pullRequests/${pr.id}/threads/${thread.id}`;
  }

  private commentJson(pr: PullRequestState, thread: ThreadState, comment: CommentState): Json {
    return {
      id: comment.id,
      parentCommentId: comment.parentCommentId,
      author: this.identityJson(comment.author),
      content: comment.content,
      publishedDate: comment.publishedDate,
      lastUpdatedDate: comment.lastUpdatedDate,
      lastContentUpdatedDate: comment.lastContentUpdatedDate,
      commentType: comment.commentType,
      ...(comment.isDeleted && { isDeleted: true }),
      usersLiked: [],
      _links: {
        self: { href: `${this.threadUrl(pr, thread)}/comments/${comment.id}` },
        repository: { href: this.repositoryUrl(pr.repository) },
        threads: { href: this.threadUrl(pr, thread) },
        pullRequests: { href: `${this.orgUrl}/_apis/git/pullRequests/${pr.id}` },
      },
    };
  }

  private threadJson(pr: PullRequestState, thread: ThreadState): Json {
    return {
      pullRequestThreadContext: thread.pullRequestThreadContext,
      id: thread.id,
      publishedDate: thread.publishedDate,
      lastUpdatedDate: thread.lastUpdatedDate,
      comments: thread.comments.map((comment) => this.commentJson(pr, thread, comment)),
      ...(thread.status !== undefined && { status: thread.status }),
      threadContext: thread.threadContext,
      properties: propertiesJson(thread.properties),
      identities: null,
      isDeleted: thread.comments.length > 0 && thread.comments.every((comment) => comment.isDeleted),
      _links: {
        self: { href: this.threadUrl(pr, thread) },
        repository: { href: this.repositoryUrl(pr.repository) },
      },
    };
  }

  private statusJson(pr: PullRequestState, status: StatusState): Json {
    return {
      ...(status.properties && { properties: propertiesJson(status.properties) }),
      ...(status.iterationId !== undefined && { iterationId: status.iterationId }),
      id: status.id,
      state: status.state,
      ...(status.description !== undefined && { description: status.description }),
      context: status.context,
      creationDate: status.creationDate,
      updatedDate: status.creationDate,
      createdBy: this.identityJson(status.createdBy),
      ...(status.targetUrl !== undefined && { targetUrl: status.targetUrl }),
      _links: {
        self: { href: `${this.pullRequestUrl(pr)}/statuses/${status.id}` },
        repository: { href: this.repositoryUrl(pr.repository) },
      },
    };
  }

  private pullRequestPropertiesJson(pr: PullRequestState): Json {
    const value = {
      'Microsoft.Git.PullRequest.SourceRefName': { $type: 'System.String', $value: pr.sourceRefName },
      'Microsoft.Git.PullRequest.TargetRefName': { $type: 'System.String', $value: pr.targetRefName },
      ...propertiesJson(pr.properties),
    };
    return { count: Object.keys(value).length, value };
  }

  // ---- lookups ---------------------------------------------------------------------------------------------

  private findProject(idOrName: string | undefined): ProjectState | undefined {
    if (idOrName === undefined) return undefined;
    const key = idOrName.toLowerCase();
    const project = [...this.projects.values()].find((p) => p.id === key || p.name.toLowerCase() === key);
    if (!project)
      throw new AzureDevOpsError(
        404,
        'ProjectDoesNotExistWithNameException',
        `TF200016: The following project does not exist: ${idOrName}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
        'Microsoft.TeamFoundation.Core.WebApi',
      );
    return project;
  }

  private findRepository(idOrName: string, projectIdOrName?: string): RepositoryState {
    const project = this.findProject(projectIdOrName);
    const key = idOrName.toLowerCase();
    const repository = [...this.repositories.values()].find(
      (candidate) =>
        (candidate.id === key || candidate.name.toLowerCase() === key) &&
        (project === undefined || candidate.project === project),
    );
    if (!repository)
      throw notFound(
        'GitRepositoryNotFoundException',
        `TF401019: The Git repository with name or identifier ${idOrName} does not exist or you do not have permissions for the operation you are attempting.`,
      );
    return repository;
  }

  private pullRequestById(pullRequestId: number): PullRequestState {
    const pr = this.pullRequests.get(pullRequestId);
    if (!pr) throw pullRequestNotFound();
    return pr;
  }

  /** The PR a REST route names, checking that it belongs to the named repository and project. */
  private findPullRequest(context: RequestContext): PullRequestState {
    const repository = context.params.repositoryId
      ? this.findRepository(context.params.repositoryId, context.params.project)
      : undefined;
    const project = this.findProject(context.params.project);
    const id = Number(context.params.pullRequestId);
    const pr = Number.isInteger(id) ? this.pullRequests.get(id) : undefined;
    if (!pr || (repository && pr.repository !== repository) || (project && pr.repository.project !== project))
      throw pullRequestNotFound();
    return pr;
  }

  private findIteration(pr: PullRequestState, value: string | number | undefined): IterationState {
    const iteration = pr.iterations[Number(value) - 1];
    if (!iteration)
      throw notFound(
        'GitPullRequestIterationNotFoundException',
        `The iteration ${String(value)} of pull request ${pr.id} was not found.`,
      );
    return iteration;
  }

  private findThread(pr: PullRequestState, value: string | number | undefined): ThreadState {
    const thread = pr.threads.find((candidate) => candidate.id === Number(value));
    if (!thread)
      throw notFound(
        'GitPullRequestCommentThreadNotFoundException',
        `The comment thread ${String(value)} of pull request ${pr.id} was not found.`,
      );
    return thread;
  }

  private findComment(thread: ThreadState, value: string | number | undefined): CommentState {
    const comment = thread.comments.find((candidate) => candidate.id === Number(value));
    if (!comment)
      throw notFound('GitPullRequestCommentNotFoundException', `The comment ${String(value)} was not found.`);
    return comment;
  }

  // ---- REST: repositories and pull requests ---------------------------------------------------------------

  private getRepositories(context: RequestContext): Reply {
    if (context.params.repositoryId)
      return {
        json: this.repositoryJson(this.findRepository(context.params.repositoryId, context.params.project)),
      };
    const project = this.findProject(context.params.project);
    const value = [...this.repositories.values()]
      .filter((repository) => project === undefined || repository.project === project)
      .map((repository) => this.repositoryJson(repository));
    return { json: { count: value.length, value } };
  }

  private async getPullRequests(context: RequestContext): Promise<Reply> {
    if (context.params.pullRequestId) {
      const pr = this.findPullRequest(context);
      const json = this.pullRequestJson(pr);
      if (context.query.get('includecommits') === 'true') {
        const latest = pr.iterations[pr.iterations.length - 1];
        const commits = await pr.repository.git.commits(latest.sourceCommit, latest.commonCommit);
        json.commits = commits.map((commit) => this.commitJson(pr.repository, commit));
      }
      return { json };
    }
    const repository = context.params.repositoryId
      ? this.findRepository(context.params.repositoryId, context.params.project)
      : undefined;
    const project = this.findProject(context.params.project);
    const status = parseEnum(
      context.query.get('searchcriteria.status') ?? 'active',
      PULL_REQUEST_STATUSES,
      'searchCriteria.status',
    );
    const numeric = (name: string) => {
      const raw = context.query.get(name);
      return raw === undefined ? undefined : Number(raw);
    };
    const source = context.query.get('searchcriteria.sourcerefname');
    const target = context.query.get('searchcriteria.targetrefname');
    const skip = numeric('$skip') ?? 0;
    const top = numeric('$top') ?? 101;
    const value = [...this.pullRequests.values()]
      .filter(
        (pr) =>
          (repository === undefined || pr.repository === repository) &&
          (project === undefined || pr.repository.project === project) &&
          (status === 'all' || pr.status === status) &&
          (source === undefined || pr.sourceRefName === source) &&
          (target === undefined || pr.targetRefName === target),
      )
      .sort((a, b) => b.id - a.id)
      .slice(skip, skip + top)
      .map((pr) => this.pullRequestJson(pr));
    return { json: { count: value.length, value } };
  }

  private async getIterations(context: RequestContext): Promise<Reply> {
    const pr = this.findPullRequest(context);
    if (context.params.iterationId)
      return { json: this.iterationJson(pr, this.findIteration(pr, context.params.iterationId)) };
    const includeCommits = context.query.get('includecommits') === 'true';
    const value = await Promise.all(
      pr.iterations.map(async (iteration) => ({
        ...this.iterationJson(pr, iteration),
        ...(includeCommits && {
          commits: (await this.iterationCommits(pr, iteration)).map((c) => this.commitJson(pr.repository, c)),
        }),
      })),
    );
    return { json: { count: value.length, value } };
  }

  private iterationCommits(pr: PullRequestState, iteration: IterationState): Promise<CommitInfo[]> {
    const previous = pr.iterations[iteration.id - 2];
    return pr.repository.git.commits(
      iteration.sourceCommit,
      previous?.sourceCommit ?? iteration.commonCommit,
    );
  }

  private async getIterationCommits(context: RequestContext): Promise<Reply> {
    const pr = this.findPullRequest(context);
    const iteration = this.findIteration(pr, context.params.iterationId);
    const skip = Number(context.query.get('skip') ?? 0);
    const top = Number(context.query.get('top') ?? 100);
    const value = (await this.iterationCommits(pr, iteration))
      .slice(skip, skip + top)
      .map((commit) => this.commitJson(pr.repository, commit));
    return { json: { count: value.length, value } };
  }

  private async getIterationChanges(context: RequestContext): Promise<Reply> {
    const pr = this.findPullRequest(context);
    const iteration = this.findIteration(pr, context.params.iterationId);
    const queryInteger = (name: string, fallback: number) => {
      const raw = context.query.get(name);
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 0)
        throw badRequest(`${name} must be a non-negative whole number.`);
      return value;
    };
    const top = Math.min(queryInteger('$top', 100) || 100, 2000);
    const skip = queryInteger('$skip', 0);
    const compareTo = queryInteger('$compareto', 0);
    const changes =
      compareTo === 0
        ? iteration.changes
        : this.assignTrackingIds(
            pr,
            await pr.repository.git.diff(
              this.findIteration(pr, compareTo).sourceCommit,
              iteration.sourceCommit,
            ),
          );
    const page = changes
      .slice(skip, skip + top)
      .map((change, index) => this.changeEntryJson(change, skip + index + 1));
    const more = skip + top < changes.length;
    return { json: { changeEntries: page, ...(more && { nextSkip: skip + top, nextTop: top }) } };
  }

  // ---- REST: items -----------------------------------------------------------------------------------------

  private async resolveVersion(repository: RepositoryState, query: Map<string, string>): Promise<string> {
    const versionType = parseEnum(
      query.get('versiondescriptor.versiontype') ?? 'branch',
      VERSION_TYPES,
      'versionDescriptor.versionType',
    );
    const version =
      query.get('versiondescriptor.version') ?? (versionType === 'branch' ? repository.defaultBranch : '');
    const commitId =
      versionType === 'commit'
        ? await repository.git.resolveCommit(version)
        : await repository.git.resolveRef(
            versionType === 'tag' ? `refs/tags/${version}` : branchRef(version),
          );
    if (!commitId)
      throw notFound(
        'GitUnresolvableToCommitException',
        `TF401175:The version descriptor <${versionType[0].toUpperCase()}${versionType.slice(1)}: ${version}> could not be resolved to a version in the repository ${repository.name}`,
      );
    return commitId;
  }

  private async getItems(context: RequestContext): Promise<Reply> {
    const repository = this.findRepository(context.params.repositoryId ?? '', context.params.project);
    const itemPath =
      context.query.get('path') ?? context.query.get('scopepath') ?? context.params.path ?? '/';
    const commitId = await this.resolveVersion(repository, context.query);
    const entry = await repository.git.entry(commitId, itemPath);
    if (!entry)
      throw notFound(
        'GitItemNotFoundException',
        `TF401174: The item '${itemPath}' could not be found in the repository '${repository.name}' at the version specified by '<Commit: ${commitId}>' (resolved to commit '${commitId}').`,
      );
    const itemJson = (entryPath: string, type: string, objectId: string): Json => ({
      objectId,
      gitObjectType: type,
      commitId,
      path: toAzurePath(entryPath),
      ...(type === 'tree' && { isFolder: true }),
      url: `${this.repositoryUrl(repository)}/items/${encodeURI(entryPath)}?versionType=Commit&version=${commitId}`,
    });
    const format = (context.query.get('$format') ?? '').toLowerCase();
    const accept = context.accept.toLowerCase();
    const wantsJson =
      format === 'json' || (format === '' && (accept === '' || accept.includes('application/json')));
    const recursion = (context.query.get('recursionlevel') ?? 'none').toLowerCase();
    if (entry.type === 'tree' && recursion !== 'none' && recursion !== '0') {
      const children = await repository.git.listTree(
        commitId,
        entry.path,
        recursion === 'full' || recursion === '120',
      );
      const value = [
        itemJson(entry.path, 'tree', entry.objectId),
        ...children.map((child) => itemJson(child.path, child.type, child.objectId)),
      ];
      return { json: { count: value.length, value } };
    }
    if (wantsJson) {
      const json = itemJson(entry.path, entry.type, entry.objectId);
      if (entry.type === 'blob' && context.query.get('includecontent') === 'true')
        json.content = (await repository.git.readBlob(entry.objectId)).toString('utf8');
      return { json };
    }
    if (entry.type !== 'blob')
      throw badRequest(`The item '${itemPath}' is a folder; request it as JSON or zip.`);
    const download = context.query.get('download') === 'true';
    return {
      bytes: await repository.git.readBlob(entry.objectId),
      contentType:
        format === 'text' || accept.includes('text/plain') ? 'text/plain' : 'application/octet-stream',
      headers: download
        ? { 'Content-Disposition': `attachment; filename="${path.posix.basename(entry.path)}"` }
        : {},
    };
  }

  // ---- REST: threads and comments ------------------------------------------------------------------------

  private getThreads(context: RequestContext): Reply {
    const pr = this.findPullRequest(context);
    if (context.params.threadId)
      return { json: this.threadJson(pr, this.findThread(pr, context.params.threadId)) };
    const value = pr.threads.map((thread) => this.threadJson(pr, thread));
    return { json: { count: value.length, value } };
  }

  /** Checks a threadContext the way the service does: the file must exist on the side the positions refer to. */
  private async validateThreadContext(pr: PullRequestState, context: unknown): Promise<Json | null> {
    if (context === undefined || context === null) return null;
    if (!isObject(context) || typeof context.filePath !== 'string' || !context.filePath.startsWith('/'))
      throw badRequest('threadContext.filePath must be a path starting with "/".');
    const latest = pr.iterations[pr.iterations.length - 1];
    const position = (name: string) => {
      const value = context[name];
      if (value === undefined || value === null) return undefined;
      if (!isObject(value)) throw badRequest(`threadContext.${name} must be an object with line and offset.`);
      const line = optionalInteger(value.line, `threadContext.${name}.line`, 1);
      const offset = optionalInteger(value.offset, `threadContext.${name}.offset`, 0);
      if (line === undefined) throw badRequest(`threadContext.${name}.line is required.`);
      return { line, ...(offset !== undefined && { offset }) };
    };
    const sides = [
      {
        start: position('rightFileStart'),
        end: position('rightFileEnd'),
        commit: latest.sourceCommit,
        side: 'right',
      },
      {
        start: position('leftFileStart'),
        end: position('leftFileEnd'),
        commit: latest.commonCommit,
        side: 'left',
      },
    ];
    const checked: Json = { filePath: context.filePath };
    for (const { start, end, commit, side } of sides) {
      if (!start && !end) continue;
      if (!start || !end)
        throw badRequest(`threadContext.${side}FileStart and ${side}FileEnd must be given together.`);
      if (end.line < start.line || (end.line === start.line && (end.offset ?? 0) < (start.offset ?? 0)))
        throw badRequest(`threadContext.${side}FileEnd is before ${side}FileStart.`);
      if ((await pr.repository.git.entry(commit, context.filePath))?.type !== 'blob')
        throw badRequest(
          `The file '${context.filePath}' does not exist on the ${side} side of pull request ${pr.id} (commit ${commit}).`,
        );
      checked[`${side}FileStart`] = start;
      checked[`${side}FileEnd`] = end;
    }
    if (!sides.some((side) => side.start)) {
      const onEitherSide = await Promise.all(
        [latest.sourceCommit, latest.commonCommit].map((commit) =>
          pr.repository.git.entry(commit, String(context.filePath)),
        ),
      );
      if (!onEitherSide.some((entry) => entry?.type === 'blob'))
        throw badRequest(`The file '${context.filePath}' is not part of pull request ${pr.id}.`);
    }
    return checked;
  }

  private validatePullRequestThreadContext(pr: PullRequestState, context: unknown): Json | null {
    if (context === undefined || context === null) return null;
    if (!isObject(context)) throw badRequest('pullRequestThreadContext must be an object.');
    const changeTrackingId = optionalInteger(context.changeTrackingId, 'changeTrackingId', 1);
    let iterationContext: Json | undefined;
    if (context.iterationContext !== undefined && context.iterationContext !== null) {
      if (!isObject(context.iterationContext)) throw badRequest('iterationContext must be an object.');
      const first = optionalInteger(
        context.iterationContext.firstComparingIteration,
        'firstComparingIteration',
        1,
      );
      const second = optionalInteger(
        context.iterationContext.secondComparingIteration,
        'secondComparingIteration',
        1,
      );
      for (const value of [first, second]) if (value !== undefined) this.findIteration(pr, value);
      iterationContext = { firstComparingIteration: first, secondComparingIteration: second };
    }
    return {
      ...(iterationContext && { iterationContext }),
      ...(changeTrackingId !== undefined && { changeTrackingId }),
    };
  }

  private newComment(thread: ThreadState, body: unknown, author: TestUser, index: number): CommentState {
    if (!isObject(body)) throw argumentNull('comment');
    if (typeof body.content !== 'string' || body.content.trim() === '')
      throw badRequest('The comment content cannot be empty.');
    const parentCommentId =
      optionalInteger(body.parentCommentId, 'parentCommentId', 0) ?? (index === 0 ? 0 : 1);
    if (parentCommentId !== 0 && !thread.comments.some((comment) => comment.id === parentCommentId))
      throw badRequest(`The parent comment ${parentCommentId} does not exist in thread ${thread.id}.`);
    const time = now();
    return {
      id: thread.comments.reduce((max, comment) => Math.max(max, comment.id), 0) + 1,
      parentCommentId,
      author,
      content: body.content,
      commentType:
        body.commentType === undefined ? 'text' : parseEnum(body.commentType, COMMENT_TYPES, 'commentType'),
      publishedDate: time,
      lastUpdatedDate: time,
      lastContentUpdatedDate: time,
      isDeleted: false,
    };
  }

  private async createThread(context: RequestContext): Promise<Reply> {
    const pr = this.findPullRequest(context);
    const body = context.body;
    if (!isObject(body)) throw argumentNull('commentThread');
    if (!Array.isArray(body.comments) || body.comments.length === 0)
      throw badRequest('A comment thread must contain at least one comment.');
    const threadContext = await this.validateThreadContext(pr, body.threadContext);
    const thread = this.addThread(pr, {
      status: body.status === undefined ? undefined : parseEnum(body.status, THREAD_STATUSES, 'status'),
      threadContext,
      pullRequestThreadContext: this.validatePullRequestThreadContext(pr, body.pullRequestThreadContext),
      properties: body.properties,
      comments: body.comments,
      author: this.bot,
    });
    for (const comment of thread.comments) this.deliverInBackground(pr, thread, comment, false);
    return { json: this.threadJson(pr, thread) };
  }

  private addThread(
    pr: PullRequestState,
    request: {
      status?: string;
      threadContext: Json | null;
      pullRequestThreadContext: Json | null;
      properties?: unknown;
      comments: unknown[];
      author: TestUser;
    },
  ): ThreadState {
    const time = now();
    const thread: ThreadState = {
      id: this.nextThreadId,
      publishedDate: time,
      lastUpdatedDate: time,
      status: request.status,
      threadContext: request.threadContext,
      pullRequestThreadContext: request.pullRequestThreadContext,
      properties: new Map(),
      comments: [],
    };
    mergeProperties(thread.properties, request.properties, 'properties');
    request.comments.forEach((body, index) =>
      thread.comments.push(this.newComment(thread, body, request.author, index)),
    );
    this.nextThreadId += 1;
    pr.threads.push(thread);
    return thread;
  }

  private updateThread(context: RequestContext): Reply {
    const pr = this.findPullRequest(context);
    const thread = this.findThread(pr, context.params.threadId);
    if (!isObject(context.body)) throw argumentNull('commentThread');
    const status =
      context.body.status === undefined
        ? thread.status
        : parseEnum(context.body.status, THREAD_STATUSES, 'status');
    const properties = new Map(thread.properties);
    mergeProperties(properties, context.body.properties, 'properties');
    thread.status = status;
    thread.properties = properties;
    thread.lastUpdatedDate = now();
    return { json: this.threadJson(pr, thread) };
  }

  private getComments(context: RequestContext): Reply {
    const pr = this.findPullRequest(context);
    const thread = this.findThread(pr, context.params.threadId);
    if (context.params.commentId)
      return { json: this.commentJson(pr, thread, this.findComment(thread, context.params.commentId)) };
    const value = thread.comments.map((comment) => this.commentJson(pr, thread, comment));
    return { json: { count: value.length, value } };
  }

  private createComment(context: RequestContext): Reply {
    const pr = this.findPullRequest(context);
    const thread = this.findThread(pr, context.params.threadId);
    const comment = this.newComment(thread, context.body, this.bot, thread.comments.length);
    thread.comments.push(comment);
    thread.lastUpdatedDate = comment.publishedDate;
    this.deliverInBackground(pr, thread, comment, false);
    return { json: this.commentJson(pr, thread, comment) };
  }

  /** Only a comment's author may change it, as in the service. */
  private ownComment(context: RequestContext): {
    pr: PullRequestState;
    thread: ThreadState;
    comment: CommentState;
  } {
    const pr = this.findPullRequest(context);
    const thread = this.findThread(pr, context.params.threadId);
    const comment = this.findComment(thread, context.params.commentId);
    if (comment.author.id !== this.bot.id)
      throw new AzureDevOpsError(
        403,
        'UnauthorizedAccessException',
        'Only the author of a comment can change it.',
      );
    return { pr, thread, comment };
  }

  private updateComment(context: RequestContext): Reply {
    const { pr, thread, comment } = this.ownComment(context);
    const body = context.body;
    if (!isObject(body) || typeof body.content !== 'string' || body.content.trim() === '')
      throw badRequest('The comment content cannot be empty.');
    this.editCommentContent(thread, comment, body.content);
    this.deliverInBackground(pr, thread, comment, true);
    return { json: this.commentJson(pr, thread, comment) };
  }

  private editCommentContent(thread: ThreadState, comment: CommentState, content: string): void {
    const time = now();
    comment.content = content;
    comment.lastUpdatedDate = time;
    comment.lastContentUpdatedDate = time;
    thread.lastUpdatedDate = time;
  }

  private deleteComment(context: RequestContext): Reply {
    const { thread, comment } = this.ownComment(context);
    comment.isDeleted = true;
    comment.lastUpdatedDate = now();
    thread.lastUpdatedDate = comment.lastUpdatedDate;
    return { status: 200 };
  }

  // ---- REST: statuses and properties ---------------------------------------------------------------------

  private getStatuses(context: RequestContext): Reply {
    const pr = this.findPullRequest(context);
    const iterationId = context.params.iterationId
      ? this.findIteration(pr, context.params.iterationId).id
      : undefined;
    const visible = pr.statuses.filter(
      (status) => iterationId === undefined || status.iterationId === iterationId,
    );
    if (context.params.statusId) {
      const status = visible.find((candidate) => candidate.id === Number(context.params.statusId));
      if (!status)
        throw notFound('GitStatusNotFoundException', `The status ${context.params.statusId} was not found.`);
      return { json: this.statusJson(pr, status) };
    }
    const value = visible.map((status) => this.statusJson(pr, status));
    return { json: { count: value.length, value } };
  }

  private createStatus(context: RequestContext): Reply {
    const pr = this.findPullRequest(context);
    const body = context.body;
    if (!isObject(body)) throw argumentNull('status');
    if (!isObject(body.context) || typeof body.context.name !== 'string' || body.context.name.trim() === '')
      throw badRequest('The status context name cannot be null or empty.');
    if (
      body.context.genre !== undefined &&
      body.context.genre !== null &&
      typeof body.context.genre !== 'string'
    )
      throw badRequest('The status context genre must be a string.');
    const routeIteration = context.params.iterationId
      ? this.findIteration(pr, context.params.iterationId).id
      : undefined;
    const bodyIteration = optionalInteger(body.iterationId, 'iterationId', 1);
    if (routeIteration !== undefined && bodyIteration !== undefined && bodyIteration !== routeIteration)
      throw badRequest(
        `The iterationId in the body (${bodyIteration}) does not match the route (${routeIteration}).`,
      );
    const iterationId = routeIteration ?? bodyIteration;
    if (iterationId !== undefined) this.findIteration(pr, iterationId);
    if (body.targetUrl !== undefined && body.targetUrl !== null) {
      if (typeof body.targetUrl !== 'string' || !URL.canParse(body.targetUrl))
        throw badRequest('The status targetUrl must be an absolute URL.');
    }
    if (body.description !== undefined && body.description !== null && typeof body.description !== 'string')
      throw badRequest('The status description must be a string.');
    let properties: Map<string, TypedProperty> | undefined;
    if (body.properties !== undefined && body.properties !== null) {
      properties = new Map();
      mergeProperties(properties, body.properties, 'properties');
    }
    const status: StatusState = {
      id: pr.statuses.length + 1,
      iterationId,
      state: parseEnum(body.state ?? 'notSet', STATUS_STATES, 'state'),
      description: (body.description as string | undefined) ?? undefined,
      context: {
        name: body.context.name,
        ...(typeof body.context.genre === 'string' && { genre: body.context.genre }),
      },
      targetUrl: (body.targetUrl as string | undefined) ?? undefined,
      properties,
      createdBy: this.bot,
      creationDate: now(),
    };
    pr.statuses.push(status);
    return { json: this.statusJson(pr, status) };
  }

  private updatePullRequestProperties(context: RequestContext): Reply {
    const pr = this.findPullRequest(context);
    if (!context.contentType.toLowerCase().startsWith('application/json-patch+json'))
      throw new AzureDevOpsError(
        415,
        'VssRequestContentTypeNotSupportedException',
        `The content type '${context.contentType}' is not supported; use application/json-patch+json.`,
        VSS_COMMON,
        0,
      );
    if (!Array.isArray(context.body))
      throw badRequest('The request body must be a JSON Patch document (an array).');
    const properties = new Map(pr.properties);
    for (const operation of context.body) {
      if (!isObject(operation) || typeof operation.path !== 'string')
        throw badRequest('Each JSON Patch operation needs an op and a path.');
      const key = operation.path.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~');
      const op = String(operation.op).toLowerCase();
      if (op === 'remove') properties.delete(key);
      else if ((op === 'add' || op === 'replace') && key === '' && isObject(operation.value))
        for (const [name, value] of Object.entries(operation.value))
          properties.set(name, pullRequestProperty(name, value));
      else if ((op === 'add' || op === 'replace') && key !== '')
        properties.set(key, pullRequestProperty(key, operation.value));
      else
        throw badRequest(
          `The JSON Patch operation '${String(operation.op)}' on '${operation.path}' is not supported.`,
        );
    }
    pr.properties = properties;
    return { json: this.pullRequestPropertiesJson(pr) };
  }

  // ---- iterations (git) ----------------------------------------------------------------------------------

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.gitQueue.then(work);
    this.gitQueue = result.catch(() => undefined);
    return result;
  }

  /** Gives each change the tracking id its file already has in this PR (following renames), or a new one. */
  private assignTrackingIds(pr: PullRequestState, changes: TreeChange[]): ChangeEntry[] {
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
  private async addIteration(pr: PullRequestState, author: TestUser): Promise<void> {
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
      changes: this.assignTrackingIds(pr, changes),
    });
    pr.targetCommit = targetCommit;
    await this.refreshMerge(pr);
  }

  /** Azure DevOps keeps a trial merge of every PR (refs/pull/{id}/merge); so does this server. */
  private async refreshMerge(pr: PullRequestState): Promise<void> {
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

  // ---- REST: projects and service-hook subscriptions ------------------------------------------------------

  /** One project, or a page of them in creation order; the `x-ms-continuationtoken` header asks for the next. */
  private getProjects(context: RequestContext): Reply {
    const project = this.findProject(context.params.projectId);
    if (project) return { json: this.projectJson(project) };
    const skip = Number(context.query.get('continuationtoken') ?? context.query.get('$skip') ?? 0);
    const top = Number(context.query.get('$top') ?? this.projectPageSize);
    if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(top) || top < 1)
      throw badRequest('$top, $skip and continuationToken must be whole numbers.');
    const projects = [...this.projects.values()];
    const value = projects.slice(skip, skip + top).map((candidate) => this.projectJson(candidate));
    const more = skip + top < projects.length;
    return {
      json: { count: value.length, value },
      headers: more ? { 'x-ms-continuationtoken': String(skip + top) } : undefined,
    };
  }

  private findHookSubscription(id: string | undefined): HookSubscriptionState {
    const subscription = id === undefined ? undefined : this.hookSubscriptions.get(id.toLowerCase());
    if (!subscription)
      throw new AzureDevOpsError(
        404,
        'SubscriptionNotFoundException',
        `The subscription '${id}' does not exist.`,
        SERVICE_HOOKS,
      );
    return subscription;
  }

  /** Validates a Subscription body as the service does for the one publisher and consumer this server knows. */
  private hookSubscriptionInput(
    body: unknown,
  ): Omit<HookSubscriptionState, 'id' | 'tfsSubscriptionId' | 'createdDate' | 'modifiedDate'> {
    if (!isObject(body)) throw argumentNull('subscription');
    const { publisherId, eventType, consumerId, consumerActionId } = body;
    if (publisherId !== 'tfs')
      throw hooksBadRequest(`The publisher '${String(publisherId)}' does not exist.`);
    if (typeof eventType !== 'string' || !TFS_EVENT_TYPES.has(eventType))
      throw hooksBadRequest(`The event type '${String(eventType)}' is not supported by publisher 'tfs'.`);
    if (consumerId !== 'webHooks')
      throw hooksBadRequest(`The consumer '${String(consumerId)}' does not exist.`);
    if (consumerActionId !== 'httpRequest')
      throw hooksBadRequest(
        `The action '${String(consumerActionId)}' does not exist for consumer 'webHooks'.`,
      );
    const publisherInputs = stringInputs(body.publisherInputs, 'publisherInputs');
    const consumerInputs = stringInputs(body.consumerInputs, 'consumerInputs');
    if (publisherInputs.projectId !== undefined) this.findProject(publisherInputs.projectId);
    const change = publisherInputs.notificationType;
    if (
      change !== undefined &&
      (eventType !== 'git.pullrequest.updated' || !PULL_REQUEST_CHANGES.includes(change))
    )
      throw hooksBadRequest(`The value '${change}' is not valid for input notificationType.`);
    const url = consumerInputs.url;
    if (url === undefined || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw hooksBadRequest('The url input must be an absolute http or https URL.');
    for (const [input, choices] of Object.entries(WEB_HOOK_CHOICES)) {
      const value = consumerInputs[input];
      if (value !== undefined && !choices.includes(value))
        throw hooksBadRequest(`The value '${value}' is not valid for input ${input}.`);
    }
    return {
      publisherId,
      eventType,
      resourceVersion: typeof body.resourceVersion === 'string' ? body.resourceVersion : null,
      consumerId,
      consumerActionId,
      publisherInputs,
      consumerInputs,
    };
  }

  /** The subscription as the API answers it: service-added publisher inputs, confidential inputs masked. */
  private hookSubscriptionJson(subscription: HookSubscriptionState): Json {
    const consumerInputs = Object.fromEntries(
      Object.entries(subscription.consumerInputs).map(([input, value]) => [
        input,
        CONFIDENTIAL_WEB_HOOK_INPUTS.includes(input) && value !== '' ? CONFIDENTIAL_MASK : value,
      ]),
    );
    const owner = { id: this.bot.id };
    return {
      id: subscription.id,
      url: `${this.orgUrl}/_apis/hooks/subscriptions/${subscription.id}`,
      status: 'enabled',
      publisherId: subscription.publisherId,
      eventType: subscription.eventType,
      resourceVersion: subscription.resourceVersion,
      eventDescription: '',
      consumerId: subscription.consumerId,
      consumerActionId: subscription.consumerActionId,
      actionDescription: `To host ${new URL(subscription.consumerInputs.url).hostname}`,
      createdBy: owner,
      createdDate: subscription.createdDate,
      modifiedBy: owner,
      modifiedDate: subscription.modifiedDate,
      publisherInputs: {
        ...subscription.publisherInputs,
        hostId: this.collectionId,
        tfsSubscriptionId: subscription.tfsSubscriptionId,
      },
      consumerInputs,
    };
  }

  private getHookSubscriptions(context: RequestContext): Reply {
    if (context.params.subscriptionId)
      return { json: this.hookSubscriptionJson(this.findHookSubscription(context.params.subscriptionId)) };
    const filters = ['publisherId', 'eventType', 'consumerId', 'consumerActionId'] as const;
    const value = [...this.hookSubscriptions.values()]
      .filter((subscription) =>
        filters.every((filter) => {
          const wanted = context.query.get(filter.toLowerCase());
          return wanted === undefined || subscription[filter].toLowerCase() === wanted.toLowerCase();
        }),
      )
      .map((subscription) => this.hookSubscriptionJson(subscription));
    return { json: { count: value.length, value } };
  }

  private createHookSubscription(context: RequestContext): Reply {
    if (context.params.subscriptionId) throw hooksBadRequest('A new subscription is created without an id.');
    const time = now();
    const subscription: HookSubscriptionState = {
      id: randomUUID(),
      tfsSubscriptionId: randomUUID(),
      createdDate: time,
      modifiedDate: time,
      ...this.hookSubscriptionInput(context.body),
    };
    this.hookSubscriptions.set(subscription.id, subscription);
    return { json: this.hookSubscriptionJson(subscription) };
  }

  private replaceHookSubscription(context: RequestContext): Reply {
    const existing = this.findHookSubscription(context.params.subscriptionId);
    const input = this.hookSubscriptionInput(context.body);
    // A client that round-trips a subscription sends the mask back for a secret it is not changing.
    for (const secret of CONFIDENTIAL_WEB_HOOK_INPUTS) {
      const kept = existing.consumerInputs[secret];
      if (input.consumerInputs[secret] === CONFIDENTIAL_MASK && kept !== undefined)
        input.consumerInputs[secret] = kept;
    }
    const replaced: HookSubscriptionState = { ...existing, ...input, modifiedDate: now() };
    this.hookSubscriptions.set(replaced.id, replaced);
    return { json: this.hookSubscriptionJson(replaced) };
  }

  private deleteHookSubscription(context: RequestContext): Reply {
    this.hookSubscriptions.delete(this.findHookSubscription(context.params.subscriptionId).id);
    return { status: 204 };
  }

  serviceHookSubscriptions(): Json[] {
    return [...this.hookSubscriptions.values()].map((subscription) => ({
      ...this.hookSubscriptionJson(subscription),
      consumerInputs: { ...subscription.consumerInputs },
    }));
  }

  // ---- admin API -----------------------------------------------------------------------------------------

  createProject(name: string): Json & { id: string; name: string } {
    return this.projectJson(this.projectNamed(name)) as Json & { id: string; name: string };
  }

  /** The project with this name (any case), created when there is none. */
  private projectNamed(name: string): ProjectState {
    const key = name.toLowerCase();
    let project = [...this.projects.values()].find((candidate) => candidate.name.toLowerCase() === key);
    if (!project) {
      project = { id: randomUUID(), name, lastUpdateTime: now() };
      this.projects.set(project.id, project);
    }
    return project;
  }

  async createRepository(request: CreateRepositoryRequest): Promise<Json & { id: string; name: string }> {
    return this.exclusive(async () => {
      const project = this.projectNamed(request.project);
      if (
        [...this.repositories.values()].some(
          (r) => r.project === project && r.name.toLowerCase() === request.name.toLowerCase(),
        )
      )
        throw new Error(`repository ${request.project}/${request.name} already exists`);
      const id = randomUUID();
      const defaultBranch = branchName(request.defaultBranch ?? 'main');
      const git = await GitRepository.init(path.join(this.directory, `${id}.git`), defaultBranch);
      await git.commit({
        branch: defaultBranch,
        files: request.files,
        message: 'Initial commit',
        author: gitPerson(request.user ?? this.defaultUser),
      });
      const repository: RepositoryState = { id, name: request.name, project, defaultBranch, git };
      this.repositories.set(id, repository);
      return this.repositoryJson(repository) as Json & { id: string; name: string };
    });
  }

  async push(request: PushRequest): Promise<string> {
    const user = request.user ?? this.defaultUser;
    const { commitId, updated } = await this.exclusive(async () => {
      const repository = this.findRepository(request.repositoryId);
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
      const updated = this.activePullRequests(repository).filter(
        (pr) => pr.sourceRefName === branchRef(branch),
      );
      for (const pr of updated) await this.addIteration(pr, user);
      await this.targetMoved(repository, branchRef(branch), commitId);
      return { commitId, updated };
    });
    for (const pr of updated)
      await this.deliverIfSubscribed('git.pullrequest.updated', pr, { action: 'push', actor: user });
    return commitId;
  }

  async createPullRequest(request: CreatePullRequestRequest): Promise<Json & { pullRequestId: number }> {
    const user = request.user ?? this.defaultUser;
    const pr = await this.exclusive(async () => {
      const repository = this.findRepository(request.repositoryId);
      const sourceRefName = branchRef(request.sourceBranch);
      const targetRefName = branchRef(request.targetBranch);
      if (sourceRefName === targetRefName) throw new Error('source and target branch are the same');
      for (const ref of [sourceRefName, targetRefName])
        if (!(await repository.git.resolveRef(ref))) throw new Error(`branch ${ref} does not exist`);
      const duplicate = [...this.pullRequests.values()].find(
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
        id: this.nextPullRequestId,
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
        reviewers: new Map(),
        iterations: [],
        trackingIds: new Map(),
        nextTrackingId: 1,
        targetCommit: '',
        threads: [],
        statuses: [],
        properties: new Map(),
      };
      await this.addIteration(pr, user);
      this.nextPullRequestId += 1;
      this.pullRequests.set(pr.id, pr);
      return pr;
    });
    await this.deliverIfSubscribed('git.pullrequest.created', pr, { actor: user });
    return this.pullRequestJson(pr) as Json & { pullRequestId: number };
  }

  async vote(request: VoteRequest): Promise<Json> {
    const user = request.user ?? this.defaultUser;
    const pr = this.pullRequestById(request.pullRequestId);
    if (!VOTES.has(request.vote)) throw new Error(`vote must be one of ${[...VOTES.keys()].join(', ')}`);
    pr.reviewers.set(user.id, { user, vote: request.vote });
    // The service records a vote as a system thread too (shape from the pullRequestThreads GET example).
    this.addThread(pr, {
      threadContext: null,
      pullRequestThreadContext: null,
      properties: {
        CodeReviewThreadType: 'VoteUpdate',
        CodeReviewVotedByDisplayName: user.displayName,
        CodeReviewVotedByTfId: user.id,
        CodeReviewVoteResult: String(request.vote),
      },
      comments: [{ content: `${user.displayName} voted ${request.vote}`, commentType: 'system' }],
      author: this.serviceAccount,
    });
    await this.deliverIfSubscribed('git.pullrequest.updated', pr, { action: 'vote', actor: user });
    return this.pullRequestJson(pr);
  }

  async addComment(request: AddCommentRequest): Promise<{ thread: Json; comment: Json }> {
    const user = request.user ?? this.defaultUser;
    const pr = this.pullRequestById(request.pullRequestId);
    let thread: ThreadState;
    let comment: CommentState;
    if (request.threadId !== undefined) {
      thread = this.findThread(pr, request.threadId);
      comment = this.newComment(
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
          : await this.validateThreadContext(pr, {
              filePath: toAzurePath(toRepositoryPath(request.filePath)),
              ...(position && { rightFileStart: position, rightFileEnd: position }),
            });
      thread = this.addThread(pr, {
        status: 'active',
        threadContext,
        pullRequestThreadContext: null,
        comments: [{ content: request.content }],
        author: user,
      });
      comment = thread.comments[0];
    }
    await this.deliverIfSubscribed('ms.vss-code.git-pullrequest-comment-event', pr, {
      threadId: thread.id,
      commentId: comment.id,
    });
    return { thread: this.threadJson(pr, thread), comment: this.commentJson(pr, thread, comment) };
  }

  async editComment(request: EditCommentRequest): Promise<Json> {
    const pr = this.pullRequestById(request.pullRequestId);
    const thread = this.findThread(pr, request.threadId);
    const comment = this.findComment(thread, request.commentId);
    this.editCommentContent(thread, comment, request.content);
    await this.deliverIfSubscribed('ms.vss-code.git-pullrequest-comment-event', pr, {
      threadId: thread.id,
      commentId: comment.id,
      edited: true,
    });
    return this.commentJson(pr, thread, comment);
  }

  async completePullRequest(request: ClosePullRequestRequest): Promise<Json> {
    const user = request.user ?? this.defaultUser;
    const pr = await this.exclusive(async () => {
      const pr = this.pullRequestById(request.pullRequestId);
      if (pr.status !== 'active') throw new Error(`pull request ${pr.id} is ${pr.status}`);
      if (!pr.lastMergeCommit) throw new Error(`pull request ${pr.id} has merge conflicts`);
      await pr.repository.git.updateRef(pr.targetRefName, pr.lastMergeCommit.commitId);
      this.closePullRequest(pr, 'completed', user);
      await this.targetMoved(pr.repository, pr.targetRefName, pr.lastMergeCommit.commitId);
      return pr;
    });
    await this.deliverIfSubscribed('git.pullrequest.updated', pr, { action: 'completed', actor: user });
    return this.pullRequestJson(pr);
  }

  /** Turns a draft into a pull request ready for review, as "Publish" does. */
  async publishPullRequest(request: ClosePullRequestRequest): Promise<Json> {
    const user = request.user ?? this.defaultUser;
    const pr = this.pullRequestById(request.pullRequestId);
    if (!pr.isDraft) throw new Error(`pull request ${pr.id} is not a draft`);
    pr.isDraft = false;
    await this.deliverIfSubscribed('git.pullrequest.updated', pr, { action: 'published', actor: user });
    return this.pullRequestJson(pr);
  }

  /**
   * Fault injection for tests: the next `times` REST requests matching `matches` lose their connection before any
   * answer, as when the network or the caller's process fails mid-request. The write is not applied.
   */
  dropRequests(matches: (method: string, path: string) => boolean, times = 1): void {
    this.faults.push({ matches, remaining: times });
  }

  async abandonPullRequest(request: ClosePullRequestRequest): Promise<Json> {
    const user = request.user ?? this.defaultUser;
    const pr = this.pullRequestById(request.pullRequestId);
    if (pr.status !== 'active') throw new Error(`pull request ${pr.id} is ${pr.status}`);
    this.closePullRequest(pr, 'abandoned', user);
    await this.deliverIfSubscribed('git.pullrequest.updated', pr, { action: 'abandoned', actor: user });
    return this.pullRequestJson(pr);
  }

  private activePullRequests(repository: RepositoryState): PullRequestState[] {
    return [...this.pullRequests.values()].filter(
      (pr) => pr.repository === repository && pr.status === 'active',
    );
  }

  /** A moved target branch changes the trial merge of the PRs into it, not their iterations. */
  private async targetMoved(repository: RepositoryState, ref: string, commitId: string): Promise<void> {
    for (const pr of this.activePullRequests(repository).filter(
      (candidate) => candidate.targetRefName === ref,
    )) {
      pr.targetCommit = commitId;
      await this.refreshMerge(pr);
    }
  }

  private closePullRequest(pr: PullRequestState, status: 'completed' | 'abandoned', user: TestUser): void {
    pr.status = status;
    pr.closedDate = now();
    pr.closedBy = user;
  }

  pullRequest(pullRequestId: number): Json {
    return this.pullRequestJson(this.pullRequestById(pullRequestId));
  }

  threads(repositoryId: string, pullRequestId: number): Json[] {
    const pr = this.pullRequestInRepository(repositoryId, pullRequestId);
    return pr.threads.map((thread) => this.threadJson(pr, thread));
  }

  statuses(repositoryId: string, pullRequestId: number): Json[] {
    const pr = this.pullRequestInRepository(repositoryId, pullRequestId);
    return pr.statuses.map((status) => this.statusJson(pr, status));
  }

  private pullRequestInRepository(repositoryId: string, pullRequestId: number): PullRequestState {
    const pr = this.pullRequestById(pullRequestId);
    if (pr.repository !== this.findRepository(repositoryId)) throw pullRequestNotFound();
    return pr;
  }

  // ---- service hooks -------------------------------------------------------------------------------------

  setSubscriber(subscriber: Subscriber | null): void {
    this.subscription = subscriber
      ? { ...subscriber, subscriptionId: subscriber.subscriptionId ?? randomUUID(), notificationCount: 0 }
      : undefined;
  }

  private eventMessages(
    eventType: ServiceHookEventType,
    pr: PullRequestState,
    options: BuildDeliveryOptions,
    comment?: CommentState,
  ): { message: Json; detailedMessage: Json } {
    const repository = pr.repository;
    const repoWeb = this.repositoryWebUrl(repository);
    const prWeb = `${repoWeb}/pullrequest/${pr.id}`;
    const actor = (options.actor ?? comment?.author ?? this.defaultUser).displayName;
    // Texts follow the captured deliveries (zulip/har9421 for PR events, the docs sample for comments).
    if (eventType === 'ms.vss-code.git-pullrequest-comment-event') {
      const [linkText, tail] = options.edited
        ? ['edited', ' a pull request comment']
        : ['commented', ' on a pull request'];
      const link = `${prWeb}?discussionId=${options.threadId}`;
      const message = {
        text: `${actor} has ${linkText}${tail}`,
        html: `${actor} has <a href="${link}">${linkText}</a>${tail}`,
        markdown: `${actor} has [${linkText}](${link})${tail}`,
      };
      const content = comment?.content ?? '';
      return {
        message,
        detailedMessage: {
          text: `${message.text}\r\n${content}\r\n`,
          html: `${message.html}<p>${content}</p>`,
          markdown: `${message.markdown}\r\n${content}\r\n`,
        },
      };
    }
    const verbs: Record<string, string> = {
      created: 'created',
      push: 'updated the source branch of',
      vote: `voted (${VOTES.get(pr.reviewers.get(options.actor?.id ?? '')?.vote ?? 0)}) on`,
      completed: 'completed',
      abandoned: 'abandoned',
      published: 'published',
    };
    const verb = verbs[eventType === 'git.pullrequest.created' ? 'created' : (options.action ?? 'push')];
    const subject = `pull request ${pr.id}`;
    const message = {
      text: `${actor} ${verb} ${subject} (${pr.title}) in ${repository.name}\r\n${repoWeb}/`,
      html: `${actor} ${verb} <a href="${prWeb}">${subject}</a> (${pr.title}) in <a href="${repoWeb}/">${repository.name}</a>`,
      markdown: `${actor} ${verb} [${subject}](${prWeb}) (${pr.title}) in [${repository.name}](${repoWeb}/)`,
    };
    const description = pr.description ?? '';
    return {
      message,
      detailedMessage: description
        ? {
            text: `${message.text}\r\n${description}\r\n`,
            html: `${message.html}<p>${description}</p>`,
            markdown: `${message.markdown}\r\n${description}\r\n`,
          }
        : message,
    };
  }

  buildDelivery(
    eventType: ServiceHookEventType,
    pullRequestId: number,
    options: BuildDeliveryOptions = {},
  ): Json {
    const pr = this.pullRequestById(pullRequestId);
    let resource: Json;
    let comment: CommentState | undefined;
    if (eventType === 'ms.vss-code.git-pullrequest-comment-event') {
      const thread = this.findThread(pr, options.threadId);
      comment = this.findComment(thread, options.commentId);
      resource = {
        comment: this.commentJson(pr, thread, comment),
        pullRequest: this.pullRequestJson(pr, 'hook'),
      };
    } else {
      resource = this.pullRequestJson(pr, 'hook');
    }
    const subscription = this.subscription;
    if (subscription) subscription.notificationCount += 1;
    const messages =
      subscription?.includeMessages === false
        ? { message: null, detailedMessage: null }
        : this.eventMessages(eventType, pr, options, comment);
    const baseUrl = `${this.orgUrl}/`;
    return {
      subscriptionId: subscription?.subscriptionId ?? '00000000-0000-0000-0000-000000000000',
      notificationId: subscription?.notificationCount ?? 1,
      id: randomUUID(),
      eventType,
      publisherId: 'tfs',
      ...messages,
      resource,
      resourceVersion: eventType === 'ms.vss-code.git-pullrequest-comment-event' ? '2.0' : '1.0',
      resourceContainers: {
        collection: { id: this.collectionId, baseUrl },
        account: { id: this.accountId, baseUrl },
        project: { id: pr.repository.project.id, baseUrl },
      },
      createdDate: now(),
    };
  }

  async deliver(
    eventType: ServiceHookEventType,
    pullRequestId: number,
    options?: BuildDeliveryOptions,
  ): Promise<DeliveryRecord> {
    if (!this.subscription) throw new Error('no subscriber set; call setSubscriber first');
    return this.sendDelivery(this.buildDelivery(eventType, pullRequestId, options));
  }

  async sendDelivery(payload: Json): Promise<DeliveryRecord> {
    const subscription = this.subscription;
    if (!subscription) throw new Error('no subscriber set; call setSubscriber first');
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      ...subscription.headers,
    };
    if (subscription.username !== undefined || subscription.password !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${subscription.username ?? ''}:${subscription.password ?? ''}`).toString('base64')}`;
    const record: DeliveryRecord = {
      eventType: String(payload.eventType),
      url: subscription.url,
      payload,
      time: now(),
    };
    this.deliveries.push(record);
    try {
      record.status = await postJson(
        subscription.url,
        headers,
        JSON.stringify(payload),
        this.deliveryTimeoutMs,
      );
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    return record;
  }

  private async deliverIfSubscribed(
    eventType: ServiceHookEventType,
    pr: PullRequestState,
    options: BuildDeliveryOptions,
  ): Promise<void> {
    if (this.subscription) await this.sendDelivery(this.buildDelivery(eventType, pr.id, options));
  }

  /** Comment events for the bot's own REST writes go out after the response, as the service sends them. */
  private deliverInBackground(
    pr: PullRequestState,
    thread: ThreadState,
    comment: CommentState,
    edited: boolean,
  ): void {
    if (!this.subscription) return;
    const payload = this.buildDelivery('ms.vss-code.git-pullrequest-comment-event', pr.id, {
      threadId: thread.id,
      commentId: comment.id,
      edited,
    });
    const sending = new Promise((resolve) => setImmediate(resolve)).then(() => this.sendDelivery(payload));
    this.pendingDeliveries.add(sending);
    void sending.finally(() => this.pendingDeliveries.delete(sending));
  }

  async settled(): Promise<void> {
    while (this.pendingDeliveries.size > 0) await Promise.allSettled([...this.pendingDeliveries]);
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  private authorized(header: string | undefined): boolean {
    const match = /^Basic\s+(.+)$/i.exec(header ?? '');
    if (!match) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    return separator >= 0 && decoded.slice(separator + 1) === this.token;
  }

  private readonly faults: { matches: (method: string, path: string) => boolean; remaining: number }[] = [];

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const fault = this.faults.find(
      (candidate) => candidate.remaining > 0 && candidate.matches(method, url.pathname),
    );
    if (fault) {
      fault.remaining--;
      request.socket.destroy();
      return;
    }
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    const query = new Map([...url.searchParams].map(([key, value]) => [key.toLowerCase(), value]));
    let write: WriteRecord | undefined;
    const send = (reply: Reply, apiVersion?: string) => {
      const status = reply.status ?? 200;
      if (write) write.status = status;
      const headers: Record<string, string> = { ...reply.headers };
      let body: Buffer;
      if (reply.bytes) {
        body = reply.bytes;
        headers['Content-Type'] = reply.contentType ?? 'application/octet-stream';
      } else {
        body = Buffer.from(reply.json === undefined ? '' : JSON.stringify(reply.json));
        headers['Content-Type'] =
          `application/json; charset=utf-8${apiVersion ? `; api-version=${apiVersion}` : ''}`;
      }
      response.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
      response.end(body);
    };
    try {
      const raw = await readBody(request);
      if (segments[0]?.toLowerCase() !== this.organization.toLowerCase())
        throw new AzureDevOpsError(404, 'ResourceNotFoundException', `No organization at ${url.pathname}.`);
      if (!this.authorized(request.headers.authorization)) {
        response.setHeader('WWW-Authenticate', 'Basic realm="https://dev.azure.com/"');
        throw new AzureDevOpsError(
          401,
          'UnauthorizedRequestException',
          "TF400813: The user '' is not authorized to access this resource.",
          'Microsoft.TeamFoundation.Framework.Server',
          3000,
        );
      }
      const contentType = request.headers['content-type'] ?? '';
      const body = parseBody(raw);
      const rest = segments.slice(1).map((segment) => decodeURIComponent(segment));
      if (rest[0]?.toLowerCase() === '_test') {
        send({ json: (await this.admin(method, rest.slice(1), body)) ?? null });
        return;
      }
      if (method === 'OPTIONS' && rest.length === 2 && rest[0].toLowerCase() === '_apis') {
        const value = this.locations
          .filter((location) => location.area.toLowerCase() === rest[1].toLowerCase())
          .map((location) => this.locationJson(location));
        send({ json: { count: value.length, value } });
        return;
      }
      for (const location of this.locations) {
        const params = matchTemplate(location, rest);
        if (!params) continue;
        if (method !== 'GET') {
          write = {
            method,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            body,
            time: now(),
          };
          this.writes.push(write);
        }
        const handler = location.handlers[method as keyof ApiLocation['handlers']];
        if (!handler)
          throw new AzureDevOpsError(
            405,
            'HttpMethodNotSupported',
            `The requested resource does not support http method '${method}'.`,
          );
        const apiVersion = requestedApiVersion(request.headers.accept ?? '', query);
        checkApiVersion(apiVersion, method, location);
        send(
          await handler({ method, params, query, body, contentType, accept: request.headers.accept ?? '' }),
          apiVersion,
        );
        return;
      }
      throw new AzureDevOpsError(404, 'ResourceNotFoundException', `No API resource at ${url.pathname}.`);
    } catch (error) {
      if (error instanceof AzureDevOpsError) send({ status: error.status, json: error.toJson() });
      else if (error instanceof SyntaxError)
        send({
          status: 400,
          json: badRequest(`The request body is not valid JSON: ${error.message}`).toJson(),
        });
      else send({ status: 500, json: new AzureDevOpsError(500, 'Exception', String(error)).toJson() });
    }
  }

  /** The admin endpoints documented at the top of this file. */
  private async admin(method: string, route: string[], body: unknown): Promise<unknown> {
    const input = isObject(body) ? body : {};
    const key = `${method} ${route.map((part) => (/^\d+$/.test(part) ? '{id}' : part.toLowerCase())).join('/')}`;
    const ids = route.filter((part) => /^\d+$/.test(part)).map(Number);
    try {
      switch (key) {
        case 'POST projects':
          if (typeof input.name !== 'string' || input.name.trim() === '') throw new Error('name is required');
          return this.createProject(input.name);
        case 'POST repositories':
          return await this.createRepository({
            ...(input as unknown as CreateRepositoryRequest),
            files: decodeFiles(input.files) as Record<string, FileContent>,
          });
        case 'POST pushes':
          return {
            commitId: await this.push({
              ...(input as unknown as PushRequest),
              files: decodeFiles(input.files),
            }),
          };
        case 'POST pullrequests':
          return await this.createPullRequest(input as unknown as CreatePullRequestRequest);
        case 'POST pullrequests/{id}/votes':
          return await this.vote({ pullRequestId: ids[0], vote: Number(input.vote) });
        case 'POST pullrequests/{id}/comments':
          return await this.addComment({ ...(input as unknown as AddCommentRequest), pullRequestId: ids[0] });
        case 'PATCH pullrequests/{id}/threads/{id}/comments/{id}':
          return await this.editComment({
            pullRequestId: ids[0],
            threadId: ids[1],
            commentId: ids[2],
            content: String(input.content),
          });
        case 'POST pullrequests/{id}/complete':
          return await this.completePullRequest({ pullRequestId: ids[0] });
        case 'POST pullrequests/{id}/abandon':
          return await this.abandonPullRequest({ pullRequestId: ids[0] });
        case 'PUT subscriber':
          this.setSubscriber(input as unknown as Subscriber);
          return { subscriptionId: this.subscription?.subscriptionId };
        case 'DELETE subscriber':
          this.setSubscriber(null);
          return {};
        case 'POST deliveries': {
          const eventType = input.eventType as ServiceHookEventType;
          const options = input as BuildDeliveryOptions;
          if (input.send === false)
            return this.buildDelivery(eventType, Number(input.pullRequestId), options);
          return await this.deliver(eventType, Number(input.pullRequestId), options);
        }
        case 'POST deliveries/raw':
          return await this.sendDelivery(input);
        case 'GET deliveries':
          return this.deliveries;
        case 'GET writes':
          return this.writes;
        case 'GET hooksubscriptions':
          return this.serviceHookSubscriptions();
        default:
          throw new AzureDevOpsError(404, 'ResourceNotFoundException', `No admin endpoint ${key}.`);
      }
    } catch (error) {
      if (error instanceof AzureDevOpsError) throw error;
      throw badRequest(error instanceof Error ? error.message : String(error));
    }
  }
}

/** One POST on a fresh connection (no pooled keep-alive sockets left behind when a test ends). */
function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const transport = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: false,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseBody(raw: Buffer): unknown {
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  return text.trim() === '' ? undefined : JSON.parse(text);
}

/** Subscription inputs map input ids to strings (the spec's additionalProperties: string). */
function stringInputs(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value) || Object.values(value).some((input) => typeof input !== 'string'))
    throw hooksBadRequest(`${field} must map input ids to string values.`);
  return { ...(value as Record<string, string>) };
}

/** Admin JSON carries bytes as {"base64": "..."}. */
function decodeFiles(files: unknown): Record<string, FileContent | null> {
  if (!isObject(files)) throw badRequest('files must be an object of path → content.');
  return Object.fromEntries(
    Object.entries(files).map(([file, content]) => {
      if (content === null || typeof content === 'string') return [file, content];
      if (isObject(content) && typeof content.base64 === 'string')
        return [file, Buffer.from(content.base64, 'base64')];
      throw badRequest(`files["${file}"] must be a string, {"base64": "..."} or null.`);
    }),
  );
}

export async function startAzureDevOpsServer(
  options: AzureDevOpsServerOptions = {},
): Promise<AzureDevOpsTestServer> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ado-test-server-'));
  const server = new AzureDevOpsServer(
    options.organization ?? 'testorg',
    options.token ?? `test-pat-${randomUUID()}`,
    directory,
    options,
  );
  await server.listen();
  return server;
}
