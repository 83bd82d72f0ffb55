import { z } from 'zod';
import type { DiffHunk } from '../../diff/lineDiff';
import { CONTEXT_LINES, type ReviewedFile } from '../domain/changedFile';
import { findingSchema } from '../domain/finding';
import { changeSides, type PullRequestDetails } from '../domain/platform';
import { maskCredentials } from '../safety/secretScan';
import { type Boundary, fencedInstructions } from '../safety/untrustedBoundary';

/** What the model must answer. Every field is required (nullable where optional): strict structured output. */
export const reviewAnswerSchema = z.object({
  summary: z.string().describe('Two to four sentences: what the pull request does and why.'),
  walkthrough: z
    .array(
      z.object({
        path: z.string(),
        change: z.string().describe('One sentence on what changed in this file.'),
      }),
    )
    .describe('One entry per file shown.'),
  verdict: z.string().describe('One short sentence: is it ready to merge, and what matters most.'),
  findings: z.array(findingSchema),
});

export type ReviewAnswer = z.infer<typeof reviewAnswerSchema>;

const REVIEW_INSTRUCTIONS = `You are ado-reviewer, a careful senior engineer reviewing an Azure DevOps pull request.
You are shown the changed lines of each file as unified-diff hunks with a few lines of context. Every line carries
its line number: added ("+") and context (" ") lines the number in the new file, removed ("-") lines the number in
the old file. Cite new-file lines with side "right" and removed lines with side "left".
Report only real problems in the changed lines: bugs, security issues, data loss, wrong error handling, race
conditions, clear performance problems, misleading names. Do not praise, do not restate the change, do not
comment on formatting. Cite the "+" lines a finding is about (or "-" lines for a problem with a removal), only
line numbers that are shown. If nothing needs attention, return
an empty findings list. Write plain Markdown: no images, no HTML, no links, no mentions.`;

/**
 * The instructions, which live only here: the user message is all data, inside boundaries it cannot forge (their
 * nonce is random per request), and the canary must never come back (if it does, the output is withheld).
 */
export const reviewInstructions = (boundary: Boundary, rules: readonly string[]) =>
  fencedInstructions(boundary, REVIEW_INSTRUCTIONS, rules);

/**
 * The line `git diff` prints after `@@`, by git's default funcname rule: the nearest line above the hunk (in the new
 * file) that starts with a letter, `_` or `$` — language-agnostic, and it skips indented bodies, blank lines and
 * comments (`//`, `#`, `/*`, ` *` start with neither). Cut at 80 characters, as git does.
 */
export function enclosingLine(lines: readonly string[], beforeLine: number): string | undefined {
  for (let line = Math.min(beforeLine, lines.length); line >= 1; line--) {
    const text = lines[line - 1].replace(/\r$/, '');
    if (/^[A-Za-z_$]/.test(text)) return text.trimEnd().slice(0, 80);
  }
  return undefined;
}

/** A file's diff as the model reads it; `hunks` a part of them when a large file is split across chunks. */
export function renderFile(
  file: ReviewedFile,
  hunks: readonly DiffHunk[] = file.hunks,
  part?: string,
): string {
  const { change, newLines } = file;
  const { leftPath, rightPath } = changeSides(change);
  const header = [`--- a${leftPath ?? '/dev/null'}`, `+++ b${rightPath ?? '/dev/null'}`];
  // A CR of a CRLF line is kept in the diff (a line-ending change is a change) but not shown to the model.
  const numbered = (marker: string, lineNumber: number, text: string) =>
    `${marker}${String(lineNumber).padStart(5)} ${text.replace(/\r$/, '')}`;
  const context = (from: number, to: number) => {
    const lines: string[] = [];
    for (let line = Math.max(1, from); line <= Math.min(newLines.length, to); line++) {
      lines.push(numbered(' ', line, newLines[line - 1]));
    }
    return lines;
  };
  const body = hunks.flatMap((hunk) => {
    // For a pure removal, newStart is the line before the gap.
    const firstAfter = hunk.newLines > 0 ? hunk.newStart + hunk.newLines : hunk.newStart + 1;
    const lastBefore = hunk.newLines > 0 ? hunk.newStart - 1 : hunk.newStart;
    const enclosing = enclosingLine(newLines, lastBefore - CONTEXT_LINES);
    return [
      `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@` +
        (enclosing === undefined ? '' : ` ${enclosing}`),
      ...context(lastBefore - CONTEXT_LINES + 1, lastBefore),
      ...hunk.removed.map((line, index) => numbered('-', hunk.oldStart + index, line)),
      ...hunk.added.map((line, index) => numbered('+', hunk.newStart + index, line)),
      ...context(firstAfter, firstAfter + CONTEXT_LINES - 1),
    ];
  });
  const flags = change.changeFlags.join(', ');
  // Secrets are masked before anything reaches the model (they are reported as findings of their own).
  return maskCredentials(
    [`### ${change.path} (${flags})${part === undefined ? '' : ` ${part}`}`, ...header, ...body].join('\n'),
  );
}

/** The pull request's intent, fenced: the labels sit inside the fence, so a title cannot forge a "Description:". */
export function renderIntent(pullRequest: PullRequestDetails, boundary: Boundary): string {
  const description = pullRequest.description.trim() === '' ? '(none)' : pullRequest.description.trim();
  const about = [
    `Pull request: ${pullRequest.title}`,
    `Merging ${pullRequest.sourceRefName} into ${pullRequest.targetRefName}.`,
    'Description:',
    description,
  ].join('\n');
  return boundary.fence('pull-request', maskCredentials(about));
}

/** The pull request's untrusted fields, which a boundary's nonce must not occur in. */
export const intentFields = (pullRequest: PullRequestDetails) => [
  pullRequest.title,
  pullRequest.sourceRefName,
  pullRequest.targetRefName,
  pullRequest.description,
];
