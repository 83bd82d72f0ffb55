/**
 * What the review needs from the code host, as plain data: what it reads (`PullRequestReader`) and what it writes
 * (`PullRequestWriter`). Azure DevOps implements both (azure-devops/); the review core depends only on these
 * interfaces, and a function that only reads takes only the reader.
 */

export interface PullRequestRef {
  projectId: string;
  repositoryId: string;
  pullRequestId: number;
}

export interface PullRequestDetails {
  title: string;
  description: string;
  status: 'active' | 'abandoned' | 'completed' | 'notSet' | 'all';
  isDraft: boolean;
  sourceRefName: string;
  targetRefName: string;
  authorId: string;
  /** Reviewers the pull request requires (a branch policy's or a person's choice), optional ones left out. */
  requiredReviewers: RequiredReviewer[];
}

export interface RequiredReviewer {
  /** Lower case, as every identity id the review compares. */
  id: string;
  /** A group or team: its members act for it. */
  isContainer: boolean;
}

export interface PullRequestIteration {
  id: number;
  /** The PR's source branch head at this iteration: the right side of the diff. */
  sourceCommitId: string;
  targetCommitId: string;
  /** The merge base of source and target: the left side, so target-branch work is never "reverted". */
  commonCommitId: string;
  /** Why the iteration exists: `push`, `forcePush`, `rebase`, `create`, … (history rewrites defeat incremental review). */
  reason: string;
}

/** `size` when the host said how large a file is; a file read only up to the limit has none. */
export type FileContent = { kind: 'content'; bytes: Uint8Array } | { kind: 'tooLarge'; size?: number };

export type ChangeKind = 'add' | 'edit' | 'delete' | 'rename' | 'other';

export interface FileChange {
  changeTrackingId: number;
  /** Every flag Azure DevOps reported (e.g. `edit`, `rename`), and the kind the review acts on. */
  changeFlags: string[];
  kind: ChangeKind;
  /** Path with a leading `/`, as Azure DevOps spells it. */
  path: string;
  /** The path on the left side when the file was renamed. */
  originalPath?: string;
  isFolder: boolean;
  /** Set for entries that are not regular files: they are listed in the summary, not diffed. */
  special?: 'symlink' | 'submodule';
}

interface ThreadPosition {
  filePath: string;
  /** `right`: lines of the source commit (added or kept); `left`: lines of the base (removed). */
  side: 'right' | 'left';
  /** 1-based, inclusive; `endOffset` is the UTF-16 length of the end line + 1, so the whole line is covered. */
  startLine: number;
  endLine: number;
  endOffset: number;
  iterationId: number;
  changeTrackingId: number;
}

export interface ReviewThread {
  id: number;
  status: string;
  properties: Record<string, string>;
  firstCommentId?: number;
  firstCommentAuthorId?: string;
  firstCommentContent?: string;
}

export interface ThreadComment {
  id: number;
  /** 0 for the thread's first comment. */
  parentCommentId: number;
  authorId: string;
  authorName: string;
  content: string;
  isDeleted: boolean;
}

export interface ThreadDetails {
  id: number;
  /** For a thread on code: the file and the right-side lines it is on. */
  filePath?: string;
  rightLines?: { start: number; end: number };
  comments: ThreadComment[];
}

export interface NewThread {
  content: string;
  position?: ThreadPosition;
  properties: Record<string, string>;
  status: 'active' | 'pending' | 'closed';
}

/** The thread statuses the app sets: open (`active`, `pending`) or resolved in one of Azure DevOps' ways. */
export type ThreadStatus = 'active' | 'pending' | 'fixed' | 'wontFix' | 'closed' | 'byDesign';

/** `notApplicable`: the review did not run on purpose (paused, ignored, filtered out); a status policy passes. */
export type StatusState = 'pending' | 'succeeded' | 'failed' | 'error' | 'notApplicable';

/** A work item linked to the pull request, as its fields hold it (HTML in description and acceptance criteria). */
export interface LinkedWorkItem {
  id: number;
  type: string;
  title: string;
  description: string;
  acceptanceCriteria: string;
}

export interface PullRequestStatusUpdate {
  state: StatusState;
  description: string;
  iterationId?: number;
  genre: string;
  name: string;
}

/** What a review reads from the code host. A local repository can provide this much (shared/git/). */
export interface PullRequestReader {
  /** The identity the app acts as (the PAT's owner): its own events and comments are never acted on. */
  getOwnIdentityId(): Promise<string>;
  getPullRequest(ref: PullRequestRef): Promise<PullRequestDetails>;
  listIterations(ref: PullRequestRef): Promise<PullRequestIteration[]>;
  /** Every change of an iteration (all pages), optionally against an earlier iteration. */
  listIterationChanges(ref: PullRequestRef, iterationId: number, compareTo?: number): Promise<FileChange[]>;
  /**
   * A file's bytes at a commit, `tooLarge` (without reading it all) when it has more than `maxBytes`, or undefined
   * when it does not exist there.
   */
  getFileContent(
    ref: PullRequestRef,
    path: string,
    commitId: string,
    maxBytes: number,
  ): Promise<FileContent | undefined>;
  listThreads(ref: PullRequestRef): Promise<ReviewThread[]>;
  getThread(ref: PullRequestRef, threadId: number): Promise<ThreadDetails | undefined>;
  /** The work items linked to the pull request, at most `max` of them (the lowest ids: the first linked, usually). */
  listLinkedWorkItems(ref: PullRequestRef, max: number): Promise<LinkedWorkItem[]>;
  /**
   * The identity ids (lower case) of the members of a team of the pull request's project, `team` being its name or
   * id; undefined when the project has no such team.
   */
  listTeamMembers(ref: PullRequestRef, team: string): Promise<string[] | undefined>;
  /** Requests sent to the code host so far, where it counts them (the review plan records it). */
  requestCount?(): number;
}

/** What a review writes to the code host: its threads, replies and status. */
export interface PullRequestWriter {
  createThread(ref: PullRequestRef, thread: NewThread): Promise<ReviewThread>;
  updateComment(ref: PullRequestRef, threadId: number, commentId: number, content: string): Promise<void>;
  replyToComment(
    ref: PullRequestRef,
    threadId: number,
    parentCommentId: number,
    content: string,
  ): Promise<void>;
  updateThreadProperties(
    ref: PullRequestRef,
    threadId: number,
    properties: Record<string, string>,
  ): Promise<void>;
  setStatus(ref: PullRequestRef, status: PullRequestStatusUpdate): Promise<void>;
  /** Sets a thread's status and, in the same update, properties (the app records there which status it set). */
  updateThreadStatus(
    ref: PullRequestRef,
    threadId: number,
    status: ThreadStatus,
    properties: Record<string, string>,
  ): Promise<void>;
}

export type PullRequestPlatform = PullRequestReader & PullRequestWriter;

/**
 * The path of a change on each side of the diff: none on the left for an added file, none on the right for a
 * deleted one, and a renamed file's original path on the left.
 */
export function changeSides(change: Pick<FileChange, 'kind' | 'path' | 'originalPath'>): {
  leftPath: string | undefined;
  rightPath: string | undefined;
} {
  return {
    leftPath: change.kind === 'add' ? undefined : (change.originalPath ?? change.path),
    rightPath: change.kind === 'delete' ? undefined : change.path,
  };
}
