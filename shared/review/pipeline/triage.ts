import { z } from 'zod';
import type { ReviewedFile } from '../domain/changedFile';
import type { PullRequestDetails } from '../domain/platform';
import { intentFields, renderFile, renderIntent } from './prompt';
import { containsCanary, createBoundary, fencedInstructions } from '../safety/untrustedBoundary';
import { callUnderLimit, promptRoom, type StageContext } from './stageContext';
import { languageRule, type TeamGuidance } from './teamGuidance';

/**
 * Stage 1 (light tier): a one-paragraph summary of every file that needs a model, and whether it needs review at
 * all. Small files are asked about together, as they are read; batches run in parallel under the review's limit. A
 * batch whose call fails leaves its files to be reviewed (and unsummarised): triage only ever saves work, it never
 * loses any.
 */

const triageAnswerSchema = z.object({
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

type TriageAnswer = z.infer<typeof triageAnswerSchema>;

const TRIAGE_INSTRUCTIONS = `You are ado-reviewer, triaging the files of an Azure DevOps pull request before a careful review.
For every file shown, write a one-paragraph summary of what changed, and a verdict: "needs-review" unless the
change cannot hold a bug (documentation wording, comments, renames, formatting, generated or vendored output).
When in doubt, "needs-review". Answer for every file shown, with its path as shown. Plain text only.`;

export interface FileTriage {
  summary: string;
  needsReview: boolean;
  /** Set when no model summary exists for the file: its batch's call failed, or was not made (budget). */
  unsummarised?: 'model error' | 'over the token budget';
}

interface TriageBatch {
  files: ReviewedFile[];
  texts: string[];
  tokens: number;
}

/** Output tokens a file's triage is expected to use, for the budget (the real figures replace it once answered). */
const EXPECTED_OUTPUT_PER_FILE = 150;

/** Files per light call at most: more, and the summaries get thin. */
const FILES_PER_BATCH = 12;
/** Diff tokens per light call at most; a larger file is shown up to it (enough to summarise it). */
const TRIAGE_BATCH_TOKENS = 8_000;

/**
 * Packs files, given one at a time in order, into batches of at most FILES_PER_BATCH files and the batch token
 * limit; `add` returns the batch the file closed, if any.
 */
class TriageBatcher {
  private readonly limit: number;
  private current: TriageBatch = { files: [], texts: [], tokens: 0 };

  constructor(private readonly context: StageContext) {
    this.limit = Math.min(TRIAGE_BATCH_TOKENS, promptRoom(context, 'light') - 2_000);
  }

  add(file: ReviewedFile): TriageBatch | undefined {
    let text = renderFile(file);
    let tokens = this.context.count('light', text);
    if (tokens > this.limit) {
      // Cut by the share of characters that fits, with a margin: an estimate is enough for a summary's input.
      text = `${text.slice(0, Math.floor((text.length * this.limit * 0.9) / tokens))}\n… (cut for the summary)`;
      tokens = this.context.count('light', text);
    }
    let closed: TriageBatch | undefined;
    const { current } = this;
    if (
      current.files.length > 0 &&
      (current.files.length >= FILES_PER_BATCH || current.tokens + tokens > this.limit)
    ) {
      closed = current;
      this.current = { files: [], texts: [], tokens: 0 };
    }
    this.current.files.push(file);
    this.current.texts.push(text);
    this.current.tokens += tokens;
    return closed;
  }

  /** The last, unfinished batch (undefined when empty). */
  flush(): TriageBatch | undefined {
    const last = this.current;
    this.current = { files: [], texts: [], tokens: 0 };
    return last.files.length > 0 ? last : undefined;
  }
}

/**
 * Triage as the files arrive: batches are packed as they come and held until `start`, then each is asked about as
 * soon as it is full, while the rest are still being read. Batches are asked about while their expected tokens fit
 * `tokenBudget`; the files of the others stay untriaged (reviewed, unsummarised).
 */
export class StreamingTriage {
  private readonly batcher: TriageBatcher;
  private readonly held: TriageBatch[] = [];
  private readonly asked: Promise<Map<string, FileTriage>>[] = [];
  private reserved = 0;
  private started = false;

  constructor(
    private readonly pullRequest: PullRequestDetails,
    private readonly context: StageContext,
    private readonly tokenBudget: number,
    private readonly guidance: TeamGuidance | undefined,
  ) {
    this.batcher = new TriageBatcher(context);
  }

  get hasStarted(): boolean {
    return this.started;
  }

  add(file: ReviewedFile): void {
    const closed = this.batcher.add(file);
    if (closed !== undefined) this.dispatch(closed);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const batch of this.held.splice(0)) this.dispatch(batch);
  }

  /** Starts what is left and waits for every answer; without `start`, asks nothing. */
  async finish(): Promise<Map<string, FileTriage>> {
    const last = this.batcher.flush();
    if (last !== undefined) this.dispatch(last);
    const results = await Promise.all(this.asked);
    return new Map(results.flatMap((result) => [...result]));
  }

  private dispatch(batch: TriageBatch): void {
    if (!this.started) {
      this.held.push(batch);
      return;
    }
    this.reserved += batch.tokens + batch.files.length * EXPECTED_OUTPUT_PER_FILE;
    if (this.reserved > this.tokenBudget) return;
    const answer = triageBatch(this.pullRequest, batch, this.context, this.guidance);
    // Awaited in finish; until then a failure must not surface as an unhandled rejection.
    answer.catch(() => undefined);
    this.asked.push(answer);
  }
}

/** Asks the light model about one batch; every file of it gets an entry. */
async function triageBatch(
  pullRequest: PullRequestDetails,
  batch: TriageBatch,
  context: StageContext,
  guidance?: TeamGuidance,
): Promise<Map<string, FileTriage>> {
  const boundary = createBoundary([...intentFields(pullRequest), ...batch.texts]);
  // The summaries are posted in the walkthrough: in the team's language.
  const { system, canary } = fencedInstructions(boundary, TRIAGE_INSTRUCTIONS, languageRule(guidance));
  const user = [
    renderIntent(pullRequest, boundary),
    'Files to triage:',
    ...batch.texts.map((text) => boundary.fence('file', text)),
  ].join('\n\n');
  const result = await callUnderLimit(context, () =>
    context.model.completeStructured({
      system,
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
