/**
 * The state model: projects, repositories, pull requests (iterations, threads, statuses, properties), service-hook
 * subscriptions and the writes the app made, with the identities the server knows and the lookups every handler
 * uses. One instance per server, passed to each concern's handlers.
 */
import { randomUUID } from 'node:crypto';
import { AzureDevOpsError, notFound, pullRequestNotFound, teamNotFound } from './errors';
import type { GitPerson, GitRepository, TreeChange } from './gitRepository';
import type { AzureDevOpsServerOptions, Json, RestrictedToken, TestUser, WriteRecord } from './publicTypes';

export interface ProjectState {
  id: string;
  name: string;
  lastUpdateTime: string;
}

export interface RepositoryState {
  id: string;
  name: string;
  project: ProjectState;
  defaultBranch: string;
  git: GitRepository;
}

export interface ChangeEntry extends TreeChange {
  changeTrackingId: number;
}

export interface IterationState {
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

export interface MergeCommit {
  commitId: string;
  author: GitPerson & { date: string };
  comment: string;
}

/** A person, or a team (`isContainer`: its identity is the team's), asked to review a pull request. */
export interface ReviewerState {
  user: TestUser;
  vote: number;
  isRequired: boolean;
  isContainer: boolean;
}

/** A team of a project: its identity id is the team's id. */
export interface TeamState {
  id: string;
  name: string;
  description: string;
  project: ProjectState;
  members: TestUser[];
}

export interface CommentState {
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

export interface ThreadState {
  id: number;
  publishedDate: string;
  lastUpdatedDate: string;
  status?: string;
  threadContext: Json | null;
  pullRequestThreadContext: Json | null;
  properties: Map<string, TypedProperty>;
  comments: CommentState[];
}

export interface StatusState {
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

export interface PullRequestState {
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

/** A thread, status or pull request property as Azure DevOps keeps it: the value with its .NET type name. */
export interface TypedProperty {
  $type: string;
  $value: unknown;
}

/** A subscription made through the Service Hooks REST API. */
export interface HookSubscriptionState {
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

export const now = () => new Date().toISOString();
export const toAzurePath = (repositoryPath: string) => `/${repositoryPath}`;
export const branchName = (ref: string) => ref.replace(/^refs\/heads\//, '');
export const branchRef = (name: string) => `refs/heads/${branchName(name)}`;
export const gitPerson = (user: TestUser): GitPerson => ({ name: user.displayName, email: user.uniqueName });

/** The votes a reviewer can cast, worded as the service words them in event messages. */
export const VOTES = new Map([
  [10, 'approved'],
  [5, 'approved with suggestions'],
  [0, 'reset their vote'],
  [-5, 'waiting for the author'],
  [-10, 'rejected'],
]);

function completeUser(partial: Partial<TestUser> | undefined, fallback: Omit<TestUser, 'id'>): TestUser {
  return {
    id: partial?.id ?? randomUUID(),
    displayName: partial?.displayName ?? fallback.displayName,
    uniqueName: partial?.uniqueName ?? fallback.uniqueName,
  };
}

export class ServerModel {
  /** Set once the server listens. */
  orgUrl = '';
  /** The token owner (the reviewer bot): REST writes are its. */
  readonly bot: TestUser;
  readonly defaultUser: TestUser;
  /** Author of system comments (vote records), like the service's "Project Collection Service Accounts". */
  readonly serviceAccount: TestUser;
  readonly collectionId = randomUUID();
  readonly accountId = randomUUID();
  readonly projectPageSize: number;
  readonly projects = new Map<string, ProjectState>();
  readonly repositories = new Map<string, RepositoryState>();
  readonly pullRequests = new Map<number, PullRequestState>();
  readonly teams = new Map<string, TeamState>();
  readonly hookSubscriptions = new Map<string, HookSubscriptionState>();
  readonly writes: WriteRecord[] = [];
  readonly authorizations: string[] = [];
  /** The URL path segments of the organization or collection, lowercase. */
  readonly pathSegments: string[];
  readonly acceptsBearerToken: (token: string) => boolean;
  readonly restrictedTokens: RestrictedToken[];
  readonly onPremises: boolean;
  nextPullRequestId = 1;
  nextThreadId = 1;
  /** Git mutations (commits, iterations, merges) run one at a time so iteration numbers follow push order. */
  private gitQueue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly organization: string,
    /** The one PAT accepted; a test replaces it to rotate the PAT (the old one is then refused). */
    public token: string,
    /** Where the bare repositories live. */
    readonly directory: string,
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
    this.projectPageSize = options.projectPageSize ?? 100;
    this.pathSegments = organization.toLowerCase().split('/');
    this.acceptsBearerToken = options.acceptsBearerToken ?? (() => false);
    this.restrictedTokens = options.restrictedTokens ?? [];
    this.onPremises = options.server !== undefined;
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.gitQueue.then(work);
    this.gitQueue = result.catch(() => undefined);
    return result;
  }

  findProject(idOrName: string | undefined): ProjectState | undefined {
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

  /** The project with this name (any case), created when there is none. */
  projectNamed(name: string): ProjectState {
    const key = name.toLowerCase();
    let project = [...this.projects.values()].find((candidate) => candidate.name.toLowerCase() === key);
    if (!project) {
      project = { id: randomUUID(), name, lastUpdateTime: now() };
      this.projects.set(project.id, project);
    }
    return project;
  }

  /** The project's team with this id or name (any case). */
  findTeam(project: ProjectState, idOrName: string | undefined): TeamState {
    const key = idOrName?.toLowerCase();
    const team = [...this.teams.values()].find(
      (candidate) =>
        candidate.project === project && (candidate.id === key || candidate.name.toLowerCase() === key),
    );
    if (!team) throw teamNotFound(idOrName ?? '');
    return team;
  }

  findRepository(idOrName: string, projectIdOrName?: string): RepositoryState {
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

  pullRequestById(pullRequestId: number): PullRequestState {
    const pr = this.pullRequests.get(pullRequestId);
    if (!pr) throw pullRequestNotFound();
    return pr;
  }

  /** The PR a REST route names, checking that it belongs to the named repository and project. */
  findPullRequest(params: Record<string, string | undefined>): PullRequestState {
    const repository = params.repositoryId
      ? this.findRepository(params.repositoryId, params.project)
      : undefined;
    const project = this.findProject(params.project);
    const id = Number(params.pullRequestId);
    const pr = Number.isInteger(id) ? this.pullRequests.get(id) : undefined;
    if (!pr || (repository && pr.repository !== repository) || (project && pr.repository.project !== project))
      throw pullRequestNotFound();
    return pr;
  }

  pullRequestInRepository(repositoryId: string, pullRequestId: number): PullRequestState {
    const pr = this.pullRequestById(pullRequestId);
    if (pr.repository !== this.findRepository(repositoryId)) throw pullRequestNotFound();
    return pr;
  }

  activePullRequests(repository: RepositoryState): PullRequestState[] {
    return [...this.pullRequests.values()].filter(
      (pr) => pr.repository === repository && pr.status === 'active',
    );
  }

  findIteration(pr: PullRequestState, value: string | number | undefined): IterationState {
    const iteration = pr.iterations[Number(value) - 1];
    if (!iteration)
      throw notFound(
        'GitPullRequestIterationNotFoundException',
        `The iteration ${String(value)} of pull request ${pr.id} was not found.`,
      );
    return iteration;
  }

  findThread(pr: PullRequestState, value: string | number | undefined): ThreadState {
    const thread = pr.threads.find((candidate) => candidate.id === Number(value));
    if (!thread)
      throw notFound(
        'GitPullRequestCommentThreadNotFoundException',
        `The comment thread ${String(value)} of pull request ${pr.id} was not found.`,
      );
    return thread;
  }

  findComment(thread: ThreadState, value: string | number | undefined): CommentState {
    const comment = thread.comments.find((candidate) => candidate.id === Number(value));
    if (!comment)
      throw notFound('GitPullRequestCommentNotFoundException', `The comment ${String(value)} was not found.`);
    return comment;
  }
}
