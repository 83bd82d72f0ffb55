import { severities, type Finding } from './prompt';

/**
 * Stage 2c: the findings of every chunk as one list. Chunks overlap only where a file was split (and through the
 * cross-file context, which lets a model comment on a file it was told about), so two findings are one when they
 * cite the same file, side and overlapping lines with near-identical words; the more severe one is kept.
 */

const words = (text: string) =>
  new Set(
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s]/gu, ' ')
      .split(/\s+/)
      .filter((word) => word !== ''),
  );

/** Jaccard similarity of the comments' word sets at or above this: the same finding worded twice. */
const SAME_WORDS = 0.8;

function similar(a: string, b: string): boolean {
  const left = words(a);
  const right = words(b);
  if (left.size === 0 && right.size === 0) return true;
  let shared = 0;
  for (const word of left) if (right.has(word)) shared++;
  return shared / (left.size + right.size - shared) >= SAME_WORDS;
}

const sameFinding = (a: Finding, b: Finding) =>
  a.path === b.path &&
  a.side === b.side &&
  a.startLine <= b.endLine &&
  b.startLine <= a.endLine &&
  similar(a.comment, b.comment);

export function mergeFindings(findings: readonly Finding[]): Finding[] {
  const rank = (finding: Finding) => severities.indexOf(finding.severity);
  const kept: Finding[] = [];
  for (const finding of [...findings].sort((a, b) => rank(a) - rank(b))) {
    if (!kept.some((other) => sameFinding(other, finding))) kept.push(finding);
  }
  return kept;
}
