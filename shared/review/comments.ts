import { createHash } from 'node:crypto';
import type { FoldedFinding, InlineFinding } from './anchorFindings';
import { PROMPT_FULL, type SkippedFile } from './collectChanges';
import type { ReviewAnswer } from './prompt';
import type { ReviewHistoryEntry } from './reviewStore';

/** Thread property keys: how the bot recognises its own threads (together with its identity, never by text). */
export const PROPERTY = {
  kind: 'ado-reviewer.kind',
  fingerprint: 'ado-reviewer.fingerprint',
  iteration: 'ado-reviewer.iteration',
  severity: 'ado-reviewer.severity',
} as const;

const severityLabel = { high: '🔴 High', medium: '🟠 Medium', low: '🟡 Low' } as const;

/** Stable across redeliveries of the same review: file, cited code and the finding's words. */
export function findingFingerprint(item: InlineFinding): string {
  const cited = item.file.newLines.slice(item.startLine - 1, item.endLine).map((line) => line.trim());
  return createHash('sha256')
    .update(
      JSON.stringify([item.file.change.path, cited, item.finding.severity, item.finding.comment.trim()]),
    )
    .digest('hex')
    .slice(0, 32);
}

export function renderFindingComment(item: InlineFinding): string {
  const lines = [`**${severityLabel[item.finding.severity]}** — ${item.finding.comment.trim()}`];
  // A suggestion replaces right-side lines; on removed lines there is nothing to replace.
  if (item.side === 'right' && item.finding.suggestion !== null && item.finding.suggestion.trim() !== '') {
    lines.push('', '```suggestion', item.finding.suggestion.replace(/\n$/, ''), '```');
  }
  return lines.join('\n');
}

export interface IterationSectionInput {
  answer: ReviewAnswer;
  iterationId: number;
  sourceCommitId: string;
  /** Set for an incremental review: the iteration whose source commit was the left side. */
  comparedTo?: number;
  inlineCount: number;
  /** Changed files in the comparison (folders excluded), reviewed or not. */
  changedFiles: number;
  folded: FoldedFinding[];
  skipped: SkippedFile[];
  omittedPaths: string[];
}

const MAX_PATHS_PER_REASON = 20;
const MAX_WALKTHROUGH_ROWS = 50;

const escapeCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The part of the summary about the newest reviewed iteration. */
export function renderIterationSection(input: IterationSectionInput): string {
  const { answer } = input;
  const scope =
    input.comparedTo === undefined
      ? `Full review of iteration ${input.iterationId} (${input.sourceCommitId.slice(0, 8)}).`
      : `Incremental review: changes from iteration ${input.comparedTo} to iteration ${input.iterationId} ` +
        `(${input.sourceCommitId.slice(0, 8)}) only.`;
  const lines = [scope, '', answer.summary.trim(), ''];
  if (answer.walkthrough.length > 0) {
    lines.push('### Walkthrough', '', '| File | Change |', '| --- | --- |');
    for (const entry of answer.walkthrough.slice(0, MAX_WALKTHROUGH_ROWS)) {
      lines.push(`| \`${escapeCell(entry.path)}\` | ${escapeCell(entry.change)} |`);
    }
    const more = answer.walkthrough.length - MAX_WALKTHROUGH_ROWS;
    if (more > 0) lines.push(`| … | and ${more} more files |`);
    lines.push('');
  }
  lines.push('### Verdict', '', answer.verdict.trim(), '');
  lines.push(
    `${input.inlineCount} inline finding${input.inlineCount === 1 ? '' : 's'} posted on changed lines.`,
    '',
  );
  if (input.folded.length > 0) {
    lines.push('### Other findings', '');
    for (const { finding, reason } of input.folded) {
      lines.push(
        `- **${severityLabel[finding.severity]}** \`${finding.path}\` lines ${finding.startLine}–${finding.endLine} ` +
          `(${reason}): ${finding.comment.trim()}`,
      );
    }
    lines.push('');
  }
  const notReviewed = [
    ...input.skipped,
    ...input.omittedPaths.map((path) => ({ path, reason: PROMPT_FULL })),
  ];
  if (notReviewed.length > 0) {
    lines.push('### Not reviewed', '');
    lines.push(
      `${input.changedFiles} files changed: ${input.changedFiles - notReviewed.length} reviewed, ` +
        `${notReviewed.length} not reviewed.`,
      '',
    );
    // Grouped by reason, a few paths each: a PR with thousands of files must still get a readable comment.
    const byReason = new Map<string, string[]>();
    for (const { path, reason } of notReviewed) byReason.set(reason, [...(byReason.get(reason) ?? []), path]);
    for (const [reason, paths] of byReason) {
      const shown = paths.slice(0, MAX_PATHS_PER_REASON).map((path) => `\`${path}\``);
      const more = paths.length > shown.length ? ` and ${paths.length - shown.length} more` : '';
      lines.push(`- ${reason} (${paths.length}): ${shown.join(', ')}${more}`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** The one summary comment of a pull request: the newest review, then a line per reviewed iteration. */
export function renderSummaryComment(latestSection: string, history: ReviewHistoryEntry[]): string {
  const lines = ['## ado-reviewer summary', '', latestSection, '', '### Review history', ''];
  lines.push('| Iteration | Commit | Review | Files | Findings |', '| --- | --- | --- | --- | --- |');
  for (const entry of [...history].sort((a, b) => b.iterationId - a.iterationId)) {
    const review = entry.mode === 'full' ? 'full' : `incremental since ${entry.comparedTo}`;
    lines.push(
      `| ${entry.iterationId} | ${entry.sourceCommitId.slice(0, 8)} | ${review} | ${entry.files} | ${entry.findings} |`,
    );
  }
  return lines.join('\n');
}
