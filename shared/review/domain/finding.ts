import { z } from 'zod';
import { severities } from '../../config/reviewSettings';

/** A finding of the review: the model's answer, the app's own checks, the gate and the repository's profile. */

/** One finding as the model answers it: every field required (nullable where optional), for strict output. */
export const findingSchema = z.object({
  path: z.string().describe('The file path as shown in the "### " heading.'),
  side: z
    .enum(['right', 'left'])
    .describe('"right" for lines shown with "+" or " " (new-file numbers), "left" for removed lines ("-").'),
  startLine: z.number().int().describe('First line number of the cited range, as shown.'),
  endLine: z.number().int().describe('Last line number of the cited range (same as startLine for one line).'),
  severity: z.enum(severities),
  comment: z.string().describe('The finding: concise, specific, actionable.'),
  suggestion: z
    .string()
    .nullable()
    .describe('Replacement text for the whole cited line range, or null when no direct replacement fits.'),
});

export type Finding = z.infer<typeof findingSchema>;
