/**
 * Threads and comments on a pull request: the REST handlers the app writes through, and the thread and comment
 * construction the admin API shares. Comments the bot writes fire the comment event after the response.
 */
import { argumentNull, AzureDevOpsError, badRequest } from './errors';
import type { ServiceHookDeliveries } from './deliveries';
import { now, type CommentState, type PullRequestState, type ServerModel, type ThreadState } from './model';
import { mergeProperties } from './properties';
import type { Json, TestUser } from './publicTypes';
import { isObject, optionalInteger, parseEnum } from './requestInput';
import { gitLocation, PR_PATH, type RequestContext, type Reply, type Router } from './routing';
import { commentJson, threadJson } from './serialisers';

const THREAD_STATUSES = ['unknown', 'active', 'fixed', 'wontFix', 'closed', 'byDesign', 'pending'];
const COMMENT_TYPES = ['unknown', 'text', 'codeChange', 'system'];

function getThreads(model: ServerModel, context: RequestContext): Reply {
  const pr = model.findPullRequest(context.params);
  if (context.params.threadId)
    return { json: threadJson(model, pr, model.findThread(pr, context.params.threadId)) };
  const value = pr.threads.map((thread) => threadJson(model, pr, thread));
  return { json: { count: value.length, value } };
}

/** Checks a threadContext the way the service does: the file must exist on the side the positions refer to. */
export async function validateThreadContext(pr: PullRequestState, context: unknown): Promise<Json | null> {
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

function validatePullRequestThreadContext(
  model: ServerModel,
  pr: PullRequestState,
  context: unknown,
): Json | null {
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
    for (const value of [first, second]) if (value !== undefined) model.findIteration(pr, value);
    iterationContext = { firstComparingIteration: first, secondComparingIteration: second };
  }
  return {
    ...(iterationContext && { iterationContext }),
    ...(changeTrackingId !== undefined && { changeTrackingId }),
  };
}

export function newComment(
  thread: ThreadState,
  body: unknown,
  author: TestUser,
  index: number,
): CommentState {
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

async function createThread(
  model: ServerModel,
  deliveries: ServiceHookDeliveries,
  context: RequestContext,
): Promise<Reply> {
  const pr = model.findPullRequest(context.params);
  const body = context.body;
  if (!isObject(body)) throw argumentNull('commentThread');
  if (!Array.isArray(body.comments) || body.comments.length === 0)
    throw badRequest('A comment thread must contain at least one comment.');
  const threadContext = await validateThreadContext(pr, body.threadContext);
  const thread = addThread(model, pr, {
    status: body.status === undefined ? undefined : parseEnum(body.status, THREAD_STATUSES, 'status'),
    threadContext,
    pullRequestThreadContext: validatePullRequestThreadContext(model, pr, body.pullRequestThreadContext),
    properties: body.properties,
    comments: body.comments,
    author: model.bot,
  });
  for (const comment of thread.comments) deliveries.deliverInBackground(pr, thread, comment, false);
  return { json: threadJson(model, pr, thread) };
}

export function addThread(
  model: ServerModel,
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
    id: model.nextThreadId,
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
    thread.comments.push(newComment(thread, body, request.author, index)),
  );
  model.nextThreadId += 1;
  pr.threads.push(thread);
  return thread;
}

function updateThread(model: ServerModel, context: RequestContext): Reply {
  const pr = model.findPullRequest(context.params);
  const thread = model.findThread(pr, context.params.threadId);
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
  return { json: threadJson(model, pr, thread) };
}

function getComments(model: ServerModel, context: RequestContext): Reply {
  const pr = model.findPullRequest(context.params);
  const thread = model.findThread(pr, context.params.threadId);
  if (context.params.commentId)
    return { json: commentJson(model, pr, thread, model.findComment(thread, context.params.commentId)) };
  const value = thread.comments.map((comment) => commentJson(model, pr, thread, comment));
  return { json: { count: value.length, value } };
}

function createComment(
  model: ServerModel,
  deliveries: ServiceHookDeliveries,
  context: RequestContext,
): Reply {
  const pr = model.findPullRequest(context.params);
  const thread = model.findThread(pr, context.params.threadId);
  const comment = newComment(thread, context.body, model.bot, thread.comments.length);
  thread.comments.push(comment);
  thread.lastUpdatedDate = comment.publishedDate;
  deliveries.deliverInBackground(pr, thread, comment, false);
  return { json: commentJson(model, pr, thread, comment) };
}

/** Only a comment's author may change it, as in the service. */
function ownComment(
  model: ServerModel,
  context: RequestContext,
): {
  pr: PullRequestState;
  thread: ThreadState;
  comment: CommentState;
} {
  const pr = model.findPullRequest(context.params);
  const thread = model.findThread(pr, context.params.threadId);
  const comment = model.findComment(thread, context.params.commentId);
  if (comment.author.id !== model.bot.id)
    throw new AzureDevOpsError(
      403,
      'UnauthorizedAccessException',
      'Only the author of a comment can change it.',
    );
  return { pr, thread, comment };
}

function updateComment(
  model: ServerModel,
  deliveries: ServiceHookDeliveries,
  context: RequestContext,
): Reply {
  const { pr, thread, comment } = ownComment(model, context);
  const body = context.body;
  if (!isObject(body) || typeof body.content !== 'string' || body.content.trim() === '')
    throw badRequest('The comment content cannot be empty.');
  editCommentContent(thread, comment, body.content);
  deliveries.deliverInBackground(pr, thread, comment, true);
  return { json: commentJson(model, pr, thread, comment) };
}

export function editCommentContent(thread: ThreadState, comment: CommentState, content: string): void {
  const time = now();
  comment.content = content;
  comment.lastUpdatedDate = time;
  comment.lastContentUpdatedDate = time;
  thread.lastUpdatedDate = time;
}

function deleteComment(model: ServerModel, context: RequestContext): Reply {
  const { thread, comment } = ownComment(model, context);
  comment.isDeleted = true;
  comment.lastUpdatedDate = now();
  thread.lastUpdatedDate = comment.lastUpdatedDate;
  return { status: 200 };
}

export function registerThreadRoutes(
  router: Router,
  model: ServerModel,
  deliveries: ServiceHookDeliveries,
): void {
  router.register(
    gitLocation(
      'ab6e2e5d-a0b7-4153-b64a-a4efe0d49449',
      'pullRequestThreads',
      `${PR_PATH}/threads/{threadId}`,
      1,
      {
        GET: (context) => getThreads(model, context),
        POST: (context) => createThread(model, deliveries, context),
        PATCH: (context) => updateThread(model, context),
      },
    ),
    gitLocation(
      '965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b',
      'pullRequestThreadComments',
      `${PR_PATH}/threads/{threadId}/comments/{commentId}`,
      1,
      {
        GET: (context) => getComments(model, context),
        POST: (context) => createComment(model, deliveries, context),
        PATCH: (context) => updateComment(model, deliveries, context),
        DELETE: (context) => deleteComment(model, context),
      },
    ),
  );
}
