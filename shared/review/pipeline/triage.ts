import { z } from 'zod';
import type { ReviewedFile } from '../collectChanges';
import type { PullRequestDetails } from '../platform';
import { intentFields, renderFile, renderIntent } from '../prompt';
import { boundaryRule, canaryRule, containsCanary, createBoundary, newCanary } from '../untrustedBoundary';
import { callWithRetry, promptRoom, type StageContext } from './stageContext';

/**
 * Stage 1 (light tier): a one-paragraph summary of every file that needs a model, and whether it needs review at
 * all. Small files are asked about together; batches run in parallel under the review's limit. A batch whose call
 * fails leaves its files to be reviewed (and unsummarised): triage only ever saves work, it never loses any.
 */

export const triageAnswerSchema = z.object({
  files: z.array(
    z.object({
      path: z.string().describe('The file path as shown in the "### " heading.'),
      summary: z.string().describe('One short paragraph: what changed in this file and why it matters.'),
      verdict: z
        .enum(['needs-review', 'trivial'])
        .describe(
          '"trivial" only for wording of docs, comments or strings, renames, formatting, generated output.',
        ),
    }),
  ),
});

export type TriageAnswer = z.infer<typeof triageAnswerSchema>;

const TRIAGE_INSTRUCTIONS = [
  'You are ado-reviewer, triaging the files of an Azure DevOps pull request before a careful review.',
  'For every file shown, write a one-paragraph summary of what changed, and a verdict: "needs-review" unless the',
  'change cannot hold a bug (documentation wording, comments, renames, formatting, generated or vendored output).',
  'When in doubt, "needs-review". Answer for every file shown, with its path as shown. Plain text only.',
].join('\n');

export interface FileTriage {
  summary: string;
  needsReview: boolean;
  /** Set when no model summary exists for the file: its batch's call failed, or was not made (budget). */
  unsummarised?: 'model error' | 'over the token budget';
}

export interface TriageBatch {
  files: ReviewedFile[];
  texts: string[];
  tokens: number;
}

/** Files per light call at most: more, and the summaries get thin. */
const FILES_PER_BATCH = 12;
/** Diff tokens per light call at most; a larger file is shown up to it (enough to summarise it). */
export const TRIAGE_BATCH_TOKENS = 8_000;

/** Packs the files in order into batches of at most FILES_PER_BATCH files and the batch token limit. */
export function planTriage(files: ReviewedFile[], context: StageContext): TriageBatch[] {
  const limit = Math.min(TRIAGE_BATCH_TOKENS, promptRoom(context, 'light') - 2_000);
  const batches: TriageBatch[] = [];
  let current: TriageBatch = { files: [], texts: [], tokens: 0 };
  for (const file of files) {
    let text = renderFile(file);
    let tokens = context.count('light', text);
    if (tokens > limit) {
      // Cut by the share of characters that fits, with a margin: an estimate is enough for a summary's input.
      text = `${text.slice(0, Math.floor((text.length * limit * 0.9) / tokens))}\n… (cut for the summary)`;
      tokens = context.count('light', text);
    }
    if (
      current.files.length > 0 &&
      (current.files.length >= FILES_PER_BATCH || current.tokens + tokens > limit)
    ) {
      batches.push(current);
      current = { files: [], texts: [], tokens: 0 };
    }
    current.files.push(file);
    current.texts.push(text);
    current.tokens += tokens;
  }
  if (current.files.length > 0) batches.push(current);
  return batches;
}

/** Asks the light model about one batch; every file of it gets an entry. */
export async function triageBatch(
  pullRequest: PullRequestDetails,
  batch: TriageBatch,
  context: StageContext,
): Promise<Map<string, FileTriage>> {
  const boundary = createBoundary([...intentFields(pullRequest), ...batch.texts]);
  const canary = newCanary();
  const user = [
    renderIntent(pullRequest, boundary),
    'Files to triage:',
    ...batch.texts.map((text) => boundary.fence('file', text)),
  ].join('\n\n');
  const result = await callWithRetry(context, () =>
    context.model.completeStructured({
      system: [TRIAGE_INSTRUCTIONS, boundaryRule(boundary), canaryRule(canary)].join('\n'),
      user,
      schema: triageAnswerSchema,
      schemaName: 'file_triage',
      tier: 'light',
    }),
  );
  const answered = new Map<string, TriageAnswer['files'][number]>();
  // An answer holding the canary is not used at all: the files are reviewed as if triage had not run.
  if (result.ok && !containsCanary(result.value, canary)) {
    for (const entry of result.value.files) answered.set(entry.path, entry);
  }
  const triaged = new Map<string, FileTriage>();
  for (const file of batch.files) {
    const entry = answered.get(file.change.path);
    triaged.set(
      file.change.path,
      entry === undefined
        ? { summary: '', needsReview: true, unsummarised: 'model error' }
        : { summary: entry.summary.trim(), needsReview: entry.verdict === 'needs-review' },
    );
  }
  return triaged;
}
