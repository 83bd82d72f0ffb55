import {
  CommentThreadStatus,
  GitObjectType,
  GitStatusState,
  IterationReason,
  PullRequestStatus,
  VersionControlChangeType,
  type GitPullRequestChange,
  type GitPullRequestCommentThread,
  type IdentityRefWithVote,
} from 'azure-devops-node-api/interfaces/GitInterfaces';
import type {
  ChangeKind,
  FileChange,
  PullRequestDetails,
  RequiredReviewer,
  ReviewThread,
  ThreadStatus,
  StatusState,
} from '../review/domain/platform';

// The client library's Git shapes (enums, flag numbers, `{ $type, $value }` properties) translated to and from the
// review's (../review/domain/platform), so the platform's methods hold only the calls.

export const statusStates: Record<StatusState, GitStatusState> = {
  pending: GitStatusState.Pending,
  succeeded: GitStatusState.Succeeded,
  failed: GitStatusState.Failed,
  error: GitStatusState.Error,
  notApplicable: GitStatusState.NotApplicable,
};

export const pullRequestStatuses: Record<PullRequestStatus, PullRequestDetails['status']> = {
  [PullRequestStatus.NotSet]: 'notSet',
  [PullRequestStatus.Active]: 'active',
  [PullRequestStatus.Abandoned]: 'abandoned',
  [PullRequestStatus.Completed]: 'completed',
  [PullRequestStatus.All]: 'all',
};

/** The reviewers marked `isRequired`; `isContainer` is set for a group or team. */
export function requiredReviewers(reviewers: IdentityRefWithVote[] | undefined): RequiredReviewer[] {
  return (reviewers ?? [])
    .filter((reviewer) => reviewer.isRequired === true && typeof reviewer.id === 'string')
    .map((reviewer) => ({
      id: (reviewer.id as string).toLowerCase(),
      isContainer: reviewer.isContainer === true,
    }));
}

/** The client turns the reason into flags of IterationReason; the review needs only its name(s). */
export function iterationReason(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (typeof reason !== 'number') return 'unknown';
  // A numeric enum's object maps names to bits and bits back to names: keep the bits.
  const names = Object.entries(IterationReason as unknown as Record<string, string | number>)
    .filter(([, bit]) => typeof bit === 'number' && bit !== 0 && (reason & bit) === bit)
    .map(([name]) => name.charAt(0).toLowerCase() + name.slice(1));
  return names.length > 0 ? names.join(', ') : 'push';
}

function changeFlags(changeType: unknown): string[] {
  if (typeof changeType === 'string') return changeType.split(',').map((flag) => flag.trim().toLowerCase());
  if (typeof changeType !== 'number') return [];
  return Object.entries(VersionControlChangeType as unknown as Record<string, string | number>)
    .filter(
      ([name, bit]) => typeof bit === 'number' && bit !== 0 && name !== 'All' && (changeType & bit) === bit,
    )
    .map(([name]) => name.toLowerCase());
}

function changeKind(flags: string[]): ChangeKind {
  if (flags.includes('delete')) return 'delete';
  if (flags.includes('add') || flags.includes('undelete') || flags.includes('branch')) return 'add';
  if (flags.includes('rename') || flags.includes('sourcerename')) return 'rename';
  if (flags.includes('edit') || flags.includes('encoding')) return 'edit';
  return 'other';
}

export function toFileChange(entry: GitPullRequestChange): FileChange | undefined {
  const item = entry.item as
    { path?: string; isFolder?: boolean; isSymLink?: boolean; gitObjectType?: unknown } | undefined;
  // A deleted file's entry may name it only in originalPath.
  const path = item?.path ?? entry.originalPath;
  if (path === undefined || entry.changeTrackingId === undefined) return undefined;
  const flags = changeFlags(entry.changeType);
  const kind = changeKind(flags);
  return {
    changeTrackingId: entry.changeTrackingId,
    changeFlags: flags,
    kind,
    path,
    originalPath: kind === 'rename' ? entry.originalPath : undefined,
    isFolder: item?.isFolder === true,
    special: item?.isSymLink
      ? 'symlink'
      : item?.gitObjectType === GitObjectType.Commit || item?.gitObjectType === 'commit'
        ? 'submodule'
        : undefined,
  };
}

/** A property's value as text: ours are strings; others' numbers and flags are shown as written. */
function propertyText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return raw.toString();
  return JSON.stringify(raw);
}

/** Thread properties come back as `{ key: { $type, $value } }`; they are written the same way. */
function readProperties(properties: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (properties === null || typeof properties !== 'object') return result;
  for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
    const raw = value !== null && typeof value === 'object' && '$value' in value ? value.$value : value;
    if (raw !== undefined && raw !== null) result[key] = propertyText(raw);
  }
  return result;
}

const threadStatuses: Record<CommentThreadStatus, string> = {
  [CommentThreadStatus.Unknown]: 'unknown',
  [CommentThreadStatus.Active]: 'active',
  [CommentThreadStatus.Fixed]: 'fixed',
  [CommentThreadStatus.WontFix]: 'wontFix',
  [CommentThreadStatus.Closed]: 'closed',
  [CommentThreadStatus.ByDesign]: 'byDesign',
  [CommentThreadStatus.Pending]: 'pending',
};

export const threadStatusValues: Record<ThreadStatus, CommentThreadStatus> = {
  active: CommentThreadStatus.Active,
  pending: CommentThreadStatus.Pending,
  fixed: CommentThreadStatus.Fixed,
  wontFix: CommentThreadStatus.WontFix,
  closed: CommentThreadStatus.Closed,
  byDesign: CommentThreadStatus.ByDesign,
};

export function writeProperties(
  properties: Record<string, string>,
): Record<string, { $type: string; $value: string }> {
  return Object.fromEntries(
    Object.entries(properties).map(([key, value]) => [key, { $type: 'System.String', $value: value }]),
  );
}

export function toReviewThread(thread: GitPullRequestCommentThread): ReviewThread {
  const first = thread.comments?.find(
    (comment) => comment.parentCommentId === 0 || comment.parentCommentId === undefined,
  );
  return {
    id: thread.id as number,
    status: threadStatuses[thread.status ?? CommentThreadStatus.Unknown] ?? 'unknown',
    properties: readProperties(thread.properties),
    firstCommentId: first?.id,
    firstCommentAuthorId: first?.author?.id,
    firstCommentContent: first?.content,
  };
}
