import { createHash } from 'node:crypto';
import { REPOSITORY_CONFIG_FILE, type ConfigProblem } from '../../repository-config';
import type { FoldedFinding, InlineFinding } from './anchorFindings';
import type { SkippedFile } from '../domain/changedFile';
import type { FileSummary, ReviewHistoryEntry } from '../domain/reviewStore';
import {
  capText,
  codeFence,
  codeSpan,
  sanitizeInline,
  sanitizeMarkdown,
  truncateMarkdown,
  type LinkPolicy,
} from '../safety/sanitizeModelText';

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

/**
 * How much of each model-written field is posted. Azure DevOps refuses a comment over 150,000 characters; these keep
 * every comment well under it whatever the model answers.
 */
const TEXT_LIMITS = {
  findingComment: 4_000,
  /** A longer suggestion is dropped rather than cut: half a replacement is wrong code. */
  suggestion: 10_000,
  summary: 4_000,
  verdict: 1_000,
  walkthroughCell: 300,
  foldedComment: 1_000,
  /** The whole summary comment; past it the comment is cut with a note. */
  summaryComment: 100_000,
} as const;

/** Review history rows shown in the summary (newest first). */
const MAX_HISTORY_ROWS = 100;

export function renderFindingComment(item: InlineFinding, links: LinkPolicy = {}): string {
  const comment = sanitizeMarkdown(capText(item.finding.comment.trim(), TEXT_LIMITS.findingComment), links);
  const lines = [`**${severityLabel[item.finding.severity]}** — ${comment}`];
  // A suggestion replaces the thread's whole right-side lines: only when they are the lines the model cited.
  const suggestion = item.finding.suggestion?.replace(/\r?\n$/, '') ?? '';
  if (
    item.side === 'right' &&
    item.citedRange &&
    suggestion.trim() !== '' &&
    suggestion.length <= TEXT_LIMITS.suggestion
  ) {
    lines.push('', codeFence(suggestion, 'suggestion'));
  }
  return lines.join('\n');
}

interface IterationSectionInput {
  /** The review's summary and verdict; without a files list, its walkthrough is the table. */
  answer: { summary: string; verdict: string; walkthrough: { path: string; change: string }[] };
  iterationId: number;
  sourceCommitId: string;
  /** Set for an incremental review: the iteration whose source commit was the left side. */
  comparedTo?: number;
  inlineCount: number;
  /** Changed files in the comparison (folders excluded), reviewed or not. */
  changedFiles: number;
  folded: FoldedFinding[];
  skipped: SkippedFile[];
  /** Findings of the model not posted because of REVIEW_MAX_FINDINGS. */
  overLimit?: { dropped: number; limit: number };
  /** The app's own notes (input checks, withheld output): fixed text, posted as it is. */
  notices?: string[];
  /** The team's learnings the review applied (their text is untrusted: shown as code). */
  learnings?: { text: string; path: string }[];
  links?: LinkPolicy;
  /** Every changed file with what the review made of it: one walkthrough table (replaces the answer's). */
  files?: FileSummary[];
  /** Our own closing text (the cost footer), posted as it is. */
  footer?: string;
  /** The team's configuration as the summary shows it; without it, the defaults. */
  configuration?: SummaryConfiguration;
}

/** What `.ado-reviewer.yaml` decides about the summary, and what the summary says about the file. */
export interface SummaryConfiguration {
  /** `reviews.high_level_summary`: false leaves out the paragraph on what the pull request does. */
  highLevelSummary: boolean;
  /** `reviews.collapse_walkthrough`: the walkthrough folded in a `<details>` block. */
  collapseWalkthrough: boolean;
  /** The pull request changes the file: this review used the target branch's version. */
  changedOnSourceBranch: boolean;
  /** Shown by source, key, line and reason only: never the file's content. */
  problems: ConfigProblem[];
}

/** The summary's lines about the configuration itself; none when there is nothing to say. */
function configurationLines(configuration: SummaryConfiguration | undefined, links: LinkPolicy): string[] {
  if (configuration === undefined) return [];
  const lines = configuration.problems.map(
    (problem) =>
      `- ${problem.source === REPOSITORY_CONFIG_FILE ? codeSpan(problem.source) : problem.source}: ` +
      `${problem.key === '' ? 'the file' : codeSpan(capText(problem.key, 200))}` +
      `${problem.line === undefined ? '' : ` (line ${problem.line})`}: ${sanitizeInline(capText(problem.message, 300), links)}`,
  );
  if (configuration.changedOnSourceBranch) {
    lines.unshift(
      `- This pull request changes ${codeSpan(REPOSITORY_CONFIG_FILE)}: this review used the target branch's ` +
        'version; the change takes effect after merge.',
    );
  }
  return lines.length === 0 ? [] : ['### Configuration', '', ...lines, ''];
}

const MAX_PATHS_PER_REASON = 20;
const MAX_WALKTHROUGH_ROWS = 300;

const statusLabel = (file: FileSummary, iterationId: number) => {
  const earlier = file.iterationId === iterationId ? '' : ` (iteration ${file.iterationId})`;
  if (file.status === 'reviewed') return `reviewed${earlier}`;
  return `${file.status === 'trivial' ? 'trivial' : 'not reviewed'}: ${file.reason ?? ''}${earlier}`;
};

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

/** The learnings a review applied, folded; their text is the team's, so it is shown as code. */
function learningLines(learnings: readonly { text: string; path: string }[]): string[] {
  if (learnings.length === 0) return [];
  return [
    `<details><summary>Learnings applied (${learnings.length})</summary>`,
    '',
    ...learnings.map((learning) => `- ${codeSpan(learning.text)} — files ${codeSpan(learning.path)}`),
    '',
    '</details>',
    '',
  ];
}

/** The part of the summary about the newest reviewed iteration. */
export function renderIterationSection(input: IterationSectionInput): string {
  const { answer } = input;
  const links = input.links ?? {};
  const inline = (text: string, max: number) => sanitizeInline(capText(text.trim(), max), links);
  const scope =
    input.comparedTo === undefined
      ? `Full review of iteration ${input.iterationId} (${input.sourceCommitId.slice(0, 8)}).`
      : `Incremental review: changes from iteration ${input.comparedTo} to iteration ${input.iterationId} ` +
        `(${input.sourceCommitId.slice(0, 8)}) only.`;
  const lines = [scope, ''];
  if (input.configuration?.highLevelSummary ?? true) {
    lines.push(sanitizeMarkdown(capText(answer.summary.trim(), TEXT_LIMITS.summary), links), '');
  }
  lines.push(...configurationLines(input.configuration, links));
  lines.push(...learningLines(input.learnings ?? []));
  if (input.notices !== undefined && input.notices.length > 0) {
    lines.push('### Checks of the pull request', '', ...input.notices.map((notice) => `- ${notice}`), '');
  }
  const rows =
    input.files?.map((file) => ({
      path: file.path,
      cells: [statusLabel(file, input.iterationId), file.summary === '' ? '—' : file.summary],
    })) ?? answer.walkthrough.map((entry) => ({ path: entry.path, cells: [entry.change] }));
  if (rows.length > 0) {
    // Folded, the heading is the block's own summary line (our text, after the model's was sanitised).
    const collapse = input.configuration?.collapseWalkthrough ?? false;
    lines.push(
      ...(collapse
        ? ['<details>', `<summary>Walkthrough (${rows.length} file${rows.length === 1 ? '' : 's'})</summary>`]
        : ['### Walkthrough']),
      '',
      input.files === undefined ? '| File | Change |' : '| File | Review | Summary |',
      input.files === undefined ? '| --- | --- |' : '| --- | --- | --- |',
    );
    for (const row of rows.slice(0, MAX_WALKTHROUGH_ROWS)) {
      const cells = row.cells.map((cell) => escapeCell(inline(cell, TEXT_LIMITS.walkthroughCell)));
      lines.push(
        `| ${escapeCell(codeSpan(capText(row.path, TEXT_LIMITS.walkthroughCell)))} | ${cells.join(' | ')} |`,
      );
    }
    const more = rows.length - MAX_WALKTHROUGH_ROWS;
    if (more > 0) lines.push(`| … | and ${more} more files |`);
    lines.push('', ...(collapse ? ['</details>', ''] : []));
  }
  lines.push(
    '### Verdict',
    '',
    sanitizeMarkdown(capText(answer.verdict.trim(), TEXT_LIMITS.verdict), links),
    '',
  );
  lines.push(
    `${input.inlineCount} inline finding${input.inlineCount === 1 ? '' : 's'} posted on changed lines.`,
    '',
  );
  if (input.overLimit !== undefined && input.overLimit.dropped > 0) {
    lines.push(
      `${input.overLimit.dropped} more finding${input.overLimit.dropped === 1 ? ' was' : 's were'} not posted: ` +
        `at most ${input.overLimit.limit} per review (REVIEW_MAX_FINDINGS), the most severe first.`,
      '',
    );
  }
  if (input.folded.length > 0) {
    lines.push('### Other findings', '');
    for (const { finding, reason } of input.folded) {
      lines.push(
        `- **${severityLabel[finding.severity]}** ${codeSpan(capText(finding.path, 300))} lines ` +
          `${finding.startLine}–${finding.endLine} (${reason}): ${inline(finding.comment, TEXT_LIMITS.foldedComment)}`,
      );
    }
    lines.push('');
  }
  const notReviewed = input.skipped;
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
      const shown = paths.slice(0, MAX_PATHS_PER_REASON).map((path) => codeSpan(path));
      const more = paths.length > shown.length ? ` and ${paths.length - shown.length} more` : '';
      lines.push(`- ${reason} (${paths.length}): ${shown.join(', ')}${more}`);
    }
    lines.push('');
  }
  if (input.footer !== undefined) lines.push(input.footer);
  return lines.join('\n').trimEnd();
}

/** The one summary comment of a pull request: the newest review, then a line per reviewed iteration. */
export function renderSummaryComment(latestSection: string, history: ReviewHistoryEntry[]): string {
  const lines = ['## ado-reviewer summary', '', latestSection, '', '### Review history', ''];
  lines.push('| Iteration | Commit | Review | Files | Findings |', '| --- | --- | --- | --- | --- |');
  const newestFirst = [...history].sort((a, b) => b.iterationId - a.iterationId);
  for (const entry of newestFirst.slice(0, MAX_HISTORY_ROWS)) {
    const review = entry.mode === 'full' ? 'full' : `incremental since ${entry.comparedTo}`;
    lines.push(
      `| ${entry.iterationId} | ${entry.sourceCommitId.slice(0, 8)} | ${review} | ${entry.files} | ${entry.findings} |`,
    );
  }
  if (newestFirst.length > MAX_HISTORY_ROWS)
    lines.push(`| … | | ${newestFirst.length - MAX_HISTORY_ROWS} older | | |`);
  const comment = lines.join('\n');
  return truncateMarkdown(
    comment,
    TEXT_LIMITS.summaryComment,
    `_… summary cut: it was ${comment.length} characters, more than ado-reviewer posts in one comment ` +
      `(${TEXT_LIMITS.summaryComment}; Azure DevOps refuses over 150,000)._`,
  );
}
