import { z } from 'zod';
import type { PullRequestDetails } from '../domain/platform';
import { intentFields, renderIntent } from './prompt';
import { severities } from '../../config/reviewSettings';
import type { Finding } from '../domain/finding';
import type { FileSummary } from '../domain/reviewStore';
import { containsCanary, createBoundary, fencedInstructions } from '../safety/untrustedBoundary';
import { callUnderLimit, promptRoom, type StageContext } from './stageContext';
import { guidanceRules, renderWorkItems, type TeamGuidance } from './teamGuidance';
import type { MergedFindings } from './mergeFindings';
import type { ReviewedChunks } from './reviewChunks';

/**
 * Stage 6 (light tier): the overall summary and verdict, in one call, from the per-file summaries and the findings
 * the chunks reported. The walkthrough itself is composed from the per-file summaries, not asked for again. If the
 * call fails, the summary is composed from the counts: the review is still posted.
 */

const reviewSummarySchema = z.object({
  summary: z.string().describe('Two to four sentences: what the pull request does and why.'),
  verdict: z.string().describe('One short sentence: is it ready to merge, and what matters most.'),
});

export type ReviewSummary = z.infer<typeof reviewSummarySchema>;

const SUMMARY_INSTRUCTIONS = `You are ado-reviewer, writing the summary of an Azure DevOps pull request review.
You are given the pull request, a summary of each changed file and the findings of the review. Write what the
pull request does and why in two to four sentences, and a one-sentence verdict. Plain Markdown: no images, no
HTML, no links, no mentions.`;

function composedSummary(files: FileSummary[], findings: Finding[]): ReviewSummary {
  const reviewed = files.filter((file) => file.status === 'reviewed').length;
  const high = findings.filter((finding) => finding.severity === 'high').length;
  return {
    summary: `This pull request changes ${files.length} file${files.length === 1 ? '' : 's'}; ${reviewed} reviewed by the model.`,
    verdict:
      high > 0
        ? `Not ready: ${high} high-severity finding${high === 1 ? '' : 's'} to address first.`
        : `${findings.length} finding${findings.length === 1 ? '' : 's'}; see the threads.`,
  };
}

async function summarizeReview(
  pullRequest: PullRequestDetails,
  files: FileSummary[],
  findings: Finding[],
  context: StageContext,
  guidance?: TeamGuidance,
): Promise<{ summary: ReviewSummary; failed: boolean }> {
  const fileLines = files.map(
    (file) => `${file.path} (${file.status}${file.reason ? `: ${file.reason}` : ''}): ${file.summary}`,
  );
  const findingLines = findings.map(
    (finding) =>
      `${finding.severity} ${finding.path}:${finding.startLine} ${finding.comment.replace(/\s+/g, ' ')}`,
  );
  // The summary is posted text: written in the team's language and tone, with the work items as the intent.
  const tone = guidance?.tone ?? '';
  const boundary = createBoundary([
    ...intentFields(pullRequest),
    ...fileLines,
    ...findingLines,
    tone,
    guidance?.workItems ?? '',
  ]);
  const { system, canary } = fencedInstructions(
    boundary,
    SUMMARY_INSTRUCTIONS,
    guidanceRules(guidance, boundary),
  );
  const counts = severities.map(
    (severity) => `${findings.filter((f) => f.severity === severity).length} ${severity}`,
  );
  // Most severe findings first; lines past the light context's room are left out, whole.
  let room = promptRoom(context, 'light') - context.count('light', system) - 500;
  const fit = (lines: string[]) => {
    const kept: string[] = [];
    for (const line of lines) {
      const tokens = context.count('light', line) + 1;
      if (tokens > room) break;
      kept.push(line);
      room -= tokens;
    }
    return kept;
  };
  const intent = [
    renderIntent(pullRequest, boundary),
    ...renderWorkItems(guidance, boundary),
    ...(tone === '' ? [] : ['Tone the team asks for:', boundary.fence('tone', tone)]),
  ].join('\n\n');
  room -= context.count('light', intent);
  const keptFindings = fit(findingLines);
  const keptFiles = fit(fileLines);
  const user = [
    intent,
    `Changed files (${files.length}):`,
    boundary.fence('file-summaries', keptFiles.join('\n')),
    `Findings (${counts.join(', ')}):`,
    boundary.fence('findings', keptFindings.join('\n') || '(none)'),
  ].join('\n\n');
  const result = await callUnderLimit(context, () =>
    context.model.completeStructured({
      system,
      user,
      schema: reviewSummarySchema,
      schemaName: 'review_summary',
      tier: 'light',
    }),
  );
  if (!result.ok || containsCanary(result.value, canary)) {
    return { summary: composedSummary(files, findings), failed: true };
  }
  return { summary: result.value, failed: false };
}

/** What the summary says instead of the model's words when its output held the prompt's canary. */
const WITHHELD_SUMMARY: ReviewSummary = {
  summary:
    "The model's output for this iteration was withheld: it contained a marker that only the review's " +
    'instructions hold, a sign that the pull request talked the model out of its instructions. Nothing the ' +
    'model wrote was posted; the checks below are the app’s own.',
  verdict: 'Not reviewed by the model: review this iteration by hand.',
};

/**
 * The review's summary and verdict: the single chunk's own (it was asked for them with the diff), one light call
 * over the per-file summaries and findings for a pull request of several chunks, or the fixed words when the
 * output was withheld or nothing was reviewed.
 */
export async function overallSummary(
  pullRequest: PullRequestDetails,
  reviewed: ReviewedChunks,
  merged: MergedFindings,
  files: FileSummary[],
  singleChunk: boolean,
  context: StageContext,
  guidance: TeamGuidance | undefined,
): Promise<ReviewSummary> {
  if (merged.withheld !== undefined) return WITHHELD_SUMMARY;
  const [first] = reviewed.answers;
  if (first === undefined) return { summary: 'No text changes to review.', verdict: 'Nothing to review.' };
  if (singleChunk) return { summary: first.summary, verdict: first.verdict };
  return (await summarizeReview(pullRequest, files, merged.kept, context, guidance)).summary;
}
