import { z } from 'zod';
import { describeZodIssues } from '../validation/describeZodIssues';

const jobFields = {
  version: z.literal(1),
  /** The service-hook event id: the worker's log lines name it, to correlate them with the delivery. */
  eventId: z.string().min(1),
  eventType: z.string().min(1),
  projectId: z.string().min(1),
  repositoryId: z.string().min(1),
  pullRequestId: z.number().int().positive(),
};

/**
 * The compact message the webhook puts on the review queue. It carries identifiers only: the worker reloads
 * everything else from Azure DevOps, so a stale or replayed message can never make it act on old data. Unknown keys
 * are dropped, so messages queued by an older version, with fields since removed, still parse.
 */
export const reviewJobSchema = z.discriminatedUnion('kind', [
  z.object({ ...jobFields, kind: z.literal('pullRequest') }),
  z.object({
    ...jobFields,
    kind: z.literal('comment'),
    commentId: z.number().int().nonnegative().optional(),
    threadId: z.number().int().positive().optional(),
    /** The comment's author: comments by the app itself or by ignored identities are not answered. */
    actorId: z.string().optional(),
  }),
]);

export type ReviewJob = z.infer<typeof reviewJobSchema>;

/** The Functions queue trigger reads messages as base64 (host.json `messageEncoding`), so that is what we write. */
export function encodeReviewJob(job: ReviewJob): string {
  return Buffer.from(JSON.stringify(job), 'utf8').toString('base64');
}

/** Validates what the queue trigger handed over: the host gives a parsed object for JSON messages. */
export function parseReviewJob(message: unknown): ReviewJob {
  const value = typeof message === 'string' ? JSON.parse(message) : message;
  const parsed = reviewJobSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`Not a review job: ${describeZodIssues(parsed.error, { root: '(message)' }).join('; ')}`);
  }
  return parsed.data;
}
