import type { ReviewBudget } from '../../config/reviewBudgetSettings';
import type { PullRequestDetails } from '../domain/platform';
import type { ReviewedFile, SkippedFile } from '../domain/changedFile';
import type { ChunkLimits, ReviewChunk } from './chunking';
import { CROSS_FILE_TOKENS } from './reviewChunks';
import { intentFields } from './prompt';
import { promptRoom, type ReviewStages } from './stageContext';
import { guidanceTexts, type TeamGuidance } from './teamGuidance';

/**
 * Stage 3: what the review can afford. The ledger owns the token budget (REVIEW_TOKEN_BUDGET) across every call of
 * one review: what the calls so far spent, what each later stage is expected to spend, and so which chunks are
 * reviewed. Its numbers are estimates made before a call (the real counts replace them once it is answered).
 */

export const OVER_BUDGET = 'over the token budget (REVIEW_TOKEN_BUDGET)';

/** Light triage may spend a tenth of the budget: it reads every file once, the review only those that need it. */
const TRIAGE_SHARE = 1 / 10;

/** A review prompt's instructions, about 600 tokens, with a margin for the headings around the diff. */
const INSTRUCTION_TOKENS = 800;

/** The answer a chunk's review is expected to give, and the overall summary's. */
const EXPECTED_OUTPUT = { chunk: 2_000, summary: 600 };

/** The summary call's prompt: the per-file summaries and findings, which it cuts to fit. */
const SUMMARY_PROMPT_TOKENS = 4_000;

/** A chunk's prompt besides its diff, with the answer: cross-file summaries, the intent's margin, the answer. */
const CHUNK_OVERHEAD_TOKENS = CROSS_FILE_TOKENS + 1_000 + EXPECTED_OUTPUT.chunk;

export interface AffordedChunks {
  chunks: ReviewChunk[];
  /** Files (or parts of them) the budget left out, in the chunks' order. */
  overBudget: SkippedFile[];
}

export class BudgetLedger {
  constructor(
    private readonly budget: ReviewBudget,
    private readonly stages: ReviewStages,
  ) {}

  /** What light triage may spend, in tokens. */
  get triageTokens(): number {
    return this.budget.tokenBudget * TRIAGE_SHARE;
  }

  /** Diff tokens above which a pull request needs more than one chunk (and so triage). */
  get chunkTokens(): number {
    return this.budget.chunkTokens;
  }

  /**
   * The chunk sizes for these files: REVIEW_CHUNK_TOKENS and the tiers' contexts, less what a chunk's prompt holds
   * besides its diff (the instructions, the intent and the team's guidance; all of it: a chunk's is a part).
   */
  chunkLimits(
    pullRequest: PullRequestDetails,
    files: readonly ReviewedFile[],
    guidance: TeamGuidance | undefined,
  ): ChunkLimits {
    const { context } = this.stages;
    const paths = files.map((file) => file.change.path);
    const texts = [...intentFields(pullRequest), ...guidanceTexts(guidance, paths)];
    const overhead = INSTRUCTION_TOKENS + context.count('heavy', texts.join('\n'));
    return {
      chunkTokens: Math.min(this.budget.chunkTokens, promptRoom(context, 'reasoning') - overhead),
      heavyChunkTokens: this.budget.heavyChunkTokens,
      maxChunkTokens: promptRoom(context, 'heavy') - overhead,
    };
  }

  /**
   * The chunks within what the budget leaves once triage is spent and the summary call's share is kept back (none
   * for a single chunk, which writes its own summary). A chunk that does not fit whole keeps the parts that do: the
   * budget is spent to the last file it allows.
   */
  afford(chunks: readonly ReviewChunk[], singleChunk: boolean): AffordedChunks {
    const summaryShare = singleChunk ? 0 : EXPECTED_OUTPUT.summary + SUMMARY_PROMPT_TOKENS;
    let room = this.budget.tokenBudget - this.stages.spent() - summaryShare;
    const afforded: ReviewChunk[] = [];
    const overBudget: SkippedFile[] = [];
    for (const chunk of chunks) {
      const parts = [];
      let tokens = 0;
      for (const part of chunk.parts) {
        if (tokens + part.tokens + CHUNK_OVERHEAD_TOKENS <= room) {
          parts.push(part);
          tokens += part.tokens;
        } else overBudget.push({ path: part.file.change.path, reason: OVER_BUDGET });
      }
      if (parts.length === 0) continue;
      room -= tokens + CHUNK_OVERHEAD_TOKENS;
      afforded.push({ ...chunk, parts, tokens });
    }
    return { chunks: afforded, overBudget };
  }
}
