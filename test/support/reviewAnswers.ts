import { addedLines } from '../../dev/llm/scriptedReviewer';
import type { StructuredRequest } from '../../shared/llm/chatModel';
import type { ReviewAnswer } from '../../shared/review/pipeline/prompt';

/** What a scripted model answers to a review prompt: findings on lines, and the answer around them. */

export type Finding = ReviewAnswer['findings'][number];
export type Severity = Finding['severity'];

/** A finding on line `line` of `path`, with the given words. */
export const findingOn = (
  path: string,
  line: number,
  comment: string,
  extra: Partial<Finding> = {},
): Finding => ({
  path,
  side: 'right',
  startLine: line,
  endLine: line,
  severity: 'medium',
  comment,
  suggestion: null,
  ...extra,
});

export const answerWith = (findings: Finding[], text: Partial<ReviewAnswer> = {}): ReviewAnswer => ({
  summary: 'A change.',
  walkthrough: [],
  verdict: 'Fine.',
  findings,
  ...text,
});

/**
 * Answers like a reviewer that flags every added line containing a key of `flags`, with that key's severity
 * ("Flagged <key>.").
 */
export const flaggingReviewer =
  (flags: Record<string, Severity> = { 'console.log': 'low' }) =>
  (request: StructuredRequest<unknown>): ReviewAnswer =>
    answerWith(
      addedLines(request.user).flatMap(({ path, line, text }) =>
        Object.entries(flags)
          .filter(([flag]) => text.includes(flag))
          .map(([flag, severity]) => findingOn(path, line, `Flagged ${flag}.`, { severity })),
      ),
    );
