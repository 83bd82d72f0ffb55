import { z } from 'zod';
import { describeZodIssues } from '../validation/describeZodIssues';
import { jsonSyntaxErrorPosition } from './jsonSyntaxError';

/**
 * Zod schemas for the Azure DevOps service-hook deliveries the app subscribes to. They name only the fields the app
 * reads and pass everything else through, because Azure DevOps adds fields over time and older deliveries lack some
 * (no resourceVersion or resourceContainers before 2017, null messages when a subscription sends none).
 *
 * What ends up in a review job is held tight: project, repository and identity ids are GUIDs (as every Azure DevOps
 * one is, and every real delivery in test/fixtures), so that no id can name a path (`../`) in the storage the worker
 * writes; the event id and type are short and plain; the numbers are 32-bit, as Azure DevOps' are.
 */

/** Azure DevOps ids: 8-4-4-4-12 hex digits (not necessarily RFC 4122 variants). */
const azureDevOpsId = z.guid();
const MAX_INT32 = 2_147_483_647;
/** Event ids are GUIDs from Azure DevOps; a plain short token is enough to correlate log lines. */
const eventIdentifier = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be at most 100 letters, digits or . _ : -');

const identity = z.looseObject({
  id: azureDevOpsId,
  displayName: z.string().optional(),
  uniqueName: z.string().optional(),
});

const repository = z.looseObject({
  id: azureDevOpsId,
  name: z.string(),
  url: z.string().url(),
  project: z.looseObject({ id: azureDevOpsId, name: z.string() }),
});

const pullRequestStatus = z.enum(['active', 'abandoned', 'completed', 'notSet', 'all']);

const pullRequestResource = z.looseObject({
  repository,
  pullRequestId: z.number().int().positive().max(MAX_INT32),
  status: pullRequestStatus,
  createdBy: identity,
  title: z.string(),
  description: z.string().optional(),
  sourceRefName: z.string(),
  targetRefName: z.string(),
  isDraft: z.boolean().optional(),
});

const comment = z.looseObject({
  id: z.number().int().nonnegative().max(MAX_INT32),
  parentCommentId: z.number().int().nonnegative().optional(),
  author: identity,
  content: z.string().optional(),
  commentType: z.string().optional(),
  _links: z.looseObject({
    threads: z.looseObject({ href: z.string().url() }),
  }),
});

const container = z.looseObject({ id: z.string().optional(), baseUrl: z.string().optional() });

const envelope = z.looseObject({
  id: eventIdentifier,
  eventType: eventIdentifier,
  resource: z.unknown().refine((value) => value !== undefined && value !== null, 'resource is required'),
  resourceContainers: z
    .looseObject({
      collection: container.optional(),
      account: container.optional(),
      project: container.optional(),
    })
    .optional(),
  createdDate: z.string().optional(),
});

const pullRequestCreatedEvent = envelope.extend({
  eventType: z.literal('git.pullrequest.created'),
  resource: pullRequestResource,
});
const pullRequestUpdatedEvent = envelope.extend({
  eventType: z.literal('git.pullrequest.updated'),
  resource: pullRequestResource,
});
const pullRequestCommentedEvent = envelope.extend({
  eventType: z.literal('ms.vss-code.git-pullrequest-comment-event'),
  resource: z.looseObject({ comment, pullRequest: pullRequestResource }),
});

type PullRequestResource = z.infer<typeof pullRequestResource>;
type PullRequestCreatedEvent = z.infer<typeof pullRequestCreatedEvent>;
type PullRequestUpdatedEvent = z.infer<typeof pullRequestUpdatedEvent>;
type PullRequestCommentedEvent = z.infer<typeof pullRequestCommentedEvent>;
export type ServiceHookEvent = PullRequestCreatedEvent | PullRequestUpdatedEvent | PullRequestCommentedEvent;

const eventSchemas = {
  'git.pullrequest.created': pullRequestCreatedEvent,
  'git.pullrequest.updated': pullRequestUpdatedEvent,
  'ms.vss-code.git-pullrequest-comment-event': pullRequestCommentedEvent,
} as const;

type ParsedDelivery =
  | { kind: 'event'; event: ServiceHookEvent }
  /** A well-formed delivery of an event type the app does not subscribe to. */
  | { kind: 'unhandled'; eventId: string; eventType: string }
  /** Not JSON, not a service-hook envelope, or a subscribed event whose resource is malformed. */
  | { kind: 'malformed'; reason: string };

/** The first few problems: enough to fix a delivery, short enough for a log line. */
const describeIssues = (error: z.ZodError) => describeZodIssues(error).slice(0, 3).join('; ');

/** Parses a raw delivery body into a typed event, without throwing. */
export function parseServiceHookEvent(body: string): ParsedDelivery {
  let json: unknown;
  try {
    json = JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch {
    // V8's message quotes the body; the position says where without saying what.
    const at = jsonSyntaxErrorPosition(body.replace(/^\uFEFF/, ''));
    const where = at === undefined ? '' : ` at position ${at.offset} (line ${at.line}, column ${at.column})`;
    return { kind: 'malformed', reason: `body is not valid JSON${where}` };
  }
  const head = envelope.safeParse(json);
  if (!head.success) {
    return { kind: 'malformed', reason: `not a service-hook event: ${describeIssues(head.error)}` };
  }
  const schema = eventSchemas[head.data.eventType as keyof typeof eventSchemas];
  if (schema === undefined) {
    return { kind: 'unhandled', eventId: head.data.id, eventType: head.data.eventType };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return {
      kind: 'malformed',
      reason: `malformed ${head.data.eventType} event: ${describeIssues(parsed.error)}`,
    };
  }
  return { kind: 'event', event: parsed.data };
}

/** The pull request an event is about: the resource itself, or the commented pull request. */
export function pullRequestOf(event: ServiceHookEvent): PullRequestResource {
  return event.eventType === 'ms.vss-code.git-pullrequest-comment-event'
    ? event.resource.pullRequest
    : event.resource;
}

/** The comment event names its thread only in this link: `.../pullRequests/{id}/threads/{threadId}`. */
export function threadIdOf(event: PullRequestCommentedEvent): number | undefined {
  const match = /\/threads\/(\d{1,10})(?:[/?#]|$)/.exec(event.resource.comment._links.threads.href);
  const threadId = match ? Number(match[1]) : undefined;
  return threadId !== undefined && threadId > 0 && threadId <= MAX_INT32 ? threadId : undefined;
}
