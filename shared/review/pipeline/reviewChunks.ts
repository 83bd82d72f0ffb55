import type { PullRequestDetails } from '../domain/platform';
import {
  intentFields,
  renderIntent,
  reviewAnswerSchema,
  reviewInstructions,
  type ReviewAnswer,
} from './prompt';
import { containsCanary, createBoundary } from '../safety/untrustedBoundary';
import type { ReviewChunk } from './chunking';
import type { ReviewedFile } from '../domain/changedFile';
import type { FileTriage } from './triage';
import { callUnderLimit, promptRoom, type StageContext } from './stageContext';
import {
  guidanceRules,
  guidanceTexts,
  renderFileGuidance,
  renderWorkItems,
  type TeamGuidance,
} from './teamGuidance';

/**
 * Stage 4 (reasoning or heavy tier): the chunks reviewed in parallel, each in one call. The prompt carries the pull request's intent and the light
 * summaries of the other files (cross-file context, fenced like every untrusted text: the summaries were written
 * from the diff), then the chunk's hunks. The answer is validated by the schema; one holding the canary is withheld.
 */

interface OtherFileSummary {
  path: string;
  summary: string;
}

type ChunkOutcome =
  | { kind: 'answered'; answer: ReviewAnswer; promptTokens: number }
  /** Its call kept failing: the chunk's files are "not reviewed (model error)". */
  | { kind: 'failed'; error: unknown; promptTokens: number }
  /** The answer held the canary: nothing of it may be posted. */
  | { kind: 'withheld'; promptTokens: number };

const CROSS_FILE_NOTE =
  'You are shown one part of a larger pull request. The summaries of its other files are context for judging ' +
  'the shown changes; cite only lines of the files shown.';

/** Cross-file summaries per chunk at most: enough to see how the files relate, without paying for all of them. */
export const CROSS_FILE_TOKENS = 4_000;

interface ChunkPrompt {
  system: string;
  user: string;
  canary: string;
  tokens: number;
}

/**
 * The chunk's prompt, with as many other files' summaries as the tier's context leaves room for; the team's guidance
 * (work items next to the intent, tone, and the instructions and learnings of the files shown) fenced before the diff.
 */
function renderChunkPrompt(
  pullRequest: PullRequestDetails,
  chunk: ReviewChunk,
  others: OtherFileSummary[],
  context: StageContext,
  guidance?: TeamGuidance,
): ChunkPrompt {
  const shown = new Set(chunk.parts.map((part) => part.file.change.path));
  const shownPaths = [...shown];
  const summaryLines = others
    .filter((other) => !shown.has(other.path) && other.summary !== '')
    .map((other) => `${other.path}: ${other.summary.replace(/\s+/g, ' ')}`);
  const texts = chunk.parts.map((part) => part.text);
  const boundary = createBoundary([
    ...intentFields(pullRequest),
    ...texts,
    ...summaryLines,
    ...guidanceTexts(guidance, shownPaths),
  ]);
  const { system, canary } = reviewInstructions(boundary, [
    CROSS_FILE_NOTE,
    ...guidanceRules(guidance, boundary),
  ]);
  const intent = [
    renderIntent(pullRequest, boundary),
    ...renderWorkItems(guidance, boundary),
    ...renderFileGuidance(guidance, shownPaths, boundary),
  ].join('\n\n');
  const files = ['Changed files:', ...texts.map((text) => boundary.fence('file', text))].join('\n\n');
  const fixed = context.count(chunk.tier, [system, intent, files].join('\n\n'));
  // Summaries fill what the context leaves, in path order, each whole or not at all.
  let room = Math.min(CROSS_FILE_TOKENS, promptRoom(context, chunk.tier) - fixed - 200);
  const kept: string[] = [];
  for (const line of summaryLines) {
    const tokens = context.count(chunk.tier, line) + 1;
    if (tokens > room) break;
    kept.push(line);
    room -= tokens;
  }
  const crossFile =
    kept.length === 0
      ? []
      : [
          `Other files of this pull request (${kept.length}):`,
          boundary.fence('file-summaries', kept.join('\n')),
        ];
  const user = [intent, ...crossFile, files].join('\n\n');
  return { system, user, canary, tokens: context.count(chunk.tier, `${system}\n${user}`) };
}

async function reviewChunk(
  pullRequest: PullRequestDetails,
  chunk: ReviewChunk,
  others: OtherFileSummary[],
  context: StageContext,
  guidance?: TeamGuidance,
): Promise<ChunkOutcome> {
  const prompt = renderChunkPrompt(pullRequest, chunk, others, context, guidance);
  const result = await callUnderLimit(context, () =>
    context.model.completeStructured({
      system: prompt.system,
      user: prompt.user,
      schema: reviewAnswerSchema,
      schemaName: 'pull_request_review',
      tier: chunk.tier,
    }),
  );
  if (!result.ok) return { kind: 'failed', error: result.error, promptTokens: prompt.tokens };
  if (containsCanary(result.value, prompt.canary)) return { kind: 'withheld', promptTokens: prompt.tokens };
  return { kind: 'answered', answer: result.value, promptTokens: prompt.tokens };
}

export const MODEL_ERROR = 'not reviewed (model error)';

export interface ReviewedChunks {
  answers: ReviewAnswer[];
  /** Files of the chunks answered (and not withheld). */
  shownPaths: Set<string>;
  /** Files of the chunks whose calls kept failing. */
  failedPaths: Set<string>;
  /** A chunk's answer held the canary: nothing of the review may be posted. */
  withheld: boolean;
}

/**
 * Every chunk's review, each prompt with the light summaries of the files it does not show. A chunk whose call
 * fails costs only its own files; if nothing the model was asked answered, that is the review failing (retried by
 * the queue), not a partial one.
 */
export async function reviewChunks(
  pullRequest: PullRequestDetails,
  chunks: readonly ReviewChunk[],
  needModel: readonly ReviewedFile[],
  verdicts: ReadonlyMap<string, FileTriage>,
  context: StageContext,
  guidance: TeamGuidance | undefined,
): Promise<ReviewedChunks> {
  const others = needModel.map((file) => ({
    path: file.change.path,
    summary: verdicts.get(file.change.path)?.summary ?? '',
  }));
  const outcomes = await Promise.all(
    chunks.map((chunk) => reviewChunk(pullRequest, chunk, others, context, guidance)),
  );
  const pathsOf = (kind: ChunkOutcome['kind']) =>
    new Set(
      chunks
        .filter((_, index) => outcomes[index].kind === kind)
        .flatMap((chunk) => chunk.parts.map((part) => part.file.change.path)),
    );
  const answers = outcomes.flatMap((outcome) => (outcome.kind === 'answered' ? [outcome.answer] : []));
  const withheld = outcomes.some((outcome) => outcome.kind === 'withheld');
  const firstFailure = outcomes.find((outcome) => outcome.kind === 'failed');
  if (firstFailure !== undefined && answers.length === 0 && !withheld) throw firstFailure.error;
  return { answers, shownPaths: pathsOf('answered'), failedPaths: pathsOf('failed'), withheld };
}
