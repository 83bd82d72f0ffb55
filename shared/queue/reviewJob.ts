import { z } from 'zod';
import { describeZodIssues } from '../validation/describeZodIssues';

/**
 * Bounds as tight as the webhook's (shared/events/serviceHookEvent.ts), checked again here because the worker trusts
 * nothing it dequeues: ids are GUIDs, so none can name a path outside the worker's own blobs (`../`), and every
 * string is short, so a job is a few hundred bytes, far below the queue's 64 KB.
 */
const MAX_INT32 = 2_147_483_647;
const azureDevOpsId = z.guid();
const shortToken = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/);
/** organizationKey's form: a host (and port), then URL-encoded lowercase path segments. */
const organizationKey = z
  .string()
  .max(300)
  .regex(/^[a-z0-9.:[\]-]+(\/[a-z0-9%._~!*'()-]+)*$/);

const jobFields = {
  version: z.literal(1),
  /**
   * The configured organization the delivery came from (organizationKey of its URL); jobs queued before there
   * could be more than one have none and are the default (first) organization's.
   */
  organization: organizationKey.optional(),
  /** The service-hook event id: the worker's log lines name it, to correlate them with the delivery. */
  eventId: shortToken,
  eventType: shortToken,
  projectId: azureDevOpsId,
  repositoryId: azureDevOpsId,
  pullRequestId: z.number().int().positive().max(MAX_INT32),
};

/**
 * The compact message the webhook puts on the review queue. It carries identifiers only: the worker reloads
 * everything else from Azure DevOps, so a stale or replayed message can never make it act on old data. Unknown keys
 * are dropped, so messages queued by an older version, with fields since removed, still parse.
 */
const reviewJobSchema = z.discriminatedUnion('kind', [
  z.object({ ...jobFields, kind: z.literal('pullRequest') }),
  z.object({
    ...jobFields,
    kind: z.literal('comment'),
    commentId: z.number().int().nonnegative().max(MAX_INT32).optional(),
    threadId: z.number().int().positive().max(MAX_INT32).optional(),
    /** The comment's author: comments by the app itself or by ignored identities are not answered. */
    actorId: azureDevOpsId.optional(),
  }),
]);

export type ReviewJob = z.infer<typeof reviewJobSchema>;

/**
 * The Functions queue trigger reads messages as base64 (host.json `messageEncoding`), so that is what we write. The
 * job is checked against the schema first: what the worker would refuse is never queued.
 */
export function encodeReviewJob(job: ReviewJob): string {
  return Buffer.from(JSON.stringify(reviewJobSchema.parse(job)), 'utf8').toString('base64');
}

/** Validates what the queue trigger handed over: the host gives a parsed object for JSON messages. */
export function parseReviewJob(message: unknown): ReviewJob {
  const value: unknown = typeof message === 'string' ? JSON.parse(message) : message;
  const parsed = reviewJobSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`Not a review job: ${describeZodIssues(parsed.error, { root: '(message)' }).join('; ')}`);
  }
  return parsed.data;
}
