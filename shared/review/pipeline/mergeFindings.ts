import { newCorrelationId } from '../domain/failures';
import { severities } from '../../config/reviewSettings';
import type { Finding } from '../domain/finding';
import type { ReviewedChunks } from './reviewChunks';

/**
 * Stage 5: the findings of every chunk as one list, bounded by REVIEW_MAX_FINDINGS. Chunks overlap only where a file was split (and through the
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

const rank = (severity: Finding['severity']) => severities.indexOf(severity);

/** At most `maxFindings` findings, the most severe first, and how many were left out. */
function boundFindings(findings: readonly Finding[], maxFindings: number) {
  const kept = [...findings].sort((a, b) => rank(a.severity) - rank(b.severity)).slice(0, maxFindings);
  return { kept, dropped: findings.length - kept.length };
}

export interface MergedFindings {
  /** The model's findings kept. */
  kept: Finding[];
  /** The app's own checks of the pull request's text (injection attempts, credentials), kept first. */
  checks: Finding[];
  /** How many the bound left out, of both. */
  dropped: number;
  /** Set when a chunk's answer held the canary: the id under which it is logged; nothing of the model is kept. */
  withheld?: string;
}

/** REVIEW_MAX_FINDINGS bounds what is posted in all: the app's own checks first, then the model's, most severe first. */
export function mergeChunkFindings(
  reviewed: ReviewedChunks,
  maxFindings: number,
  ownChecks: readonly Finding[],
): MergedFindings {
  const checks = ownChecks.slice(0, maxFindings);
  const checksDropped = ownChecks.length - checks.length;
  if (reviewed.withheld) return { kept: [], checks, dropped: checksDropped, withheld: newCorrelationId() };
  const merged = mergeFindings(reviewed.answers.flatMap((answer) => answer.findings));
  const { kept, dropped } = boundFindings(merged, maxFindings - checks.length);
  return { kept, checks, dropped: dropped + checksDropped };
}
