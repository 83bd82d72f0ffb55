import { compileGlob, globProblem } from '../../repository-config/globs';
import type { Learning } from '../domain/reviewStore';
import { capText } from '../safety/sanitizeModelText';
import { maskCredentials } from '../safety/secretScan';

/**
 * Learnings: what a team taught the reviewer in a repository (usually by dismissing a finding with a reason), kept
 * in the app's storage and shown to later reviews of the files each one is about. Written by people and worded by the
 * model: untrusted text, fenced in every prompt.
 */

/** A learning is a sentence or two; more is not a rule a reviewer can apply. */
const MAX_LEARNING_CHARS = 500;
/** The most learnings shown in one prompt (the newest that apply). */
const MAX_LEARNINGS_IN_PROMPT = 20;

const relative = (path: string) => path.replace(/^\/+/, '');

/**
 * Whether a learning's glob matches the file. The model writes the glob: one the matcher refuses (too long, too many
 * wildcards, syntax it does not take) matches no file, rather than widening the learning to the whole repository.
 */
function matches(learning: Learning, file: string): boolean {
  const glob = relative(learning.path) || '**';
  return globProblem(glob) === undefined && compileGlob(glob)(file);
}

/** Whether a learning is applied: approved by a maintainer, or kept before proposals existed. */
export const isApplied = (learning: Learning) => learning.status !== 'proposed';

/**
 * The learnings that apply to a file: approved, and their glob matches it (dotted files too), newest last, at
 * most 20. A proposed learning reaches no prompt.
 */
export function learningsFor(learnings: readonly Learning[], path: string): Learning[] {
  const file = relative(path);
  return learnings
    .filter(isApplied)
    .filter((learning) => matches(learning, file))
    .slice(-MAX_LEARNINGS_IN_PROMPT);
}

/** A learning as stored: bounded, credentials masked, its glob from the repository root. */
export function newLearning(
  input: Omit<Learning, 'text' | 'path'> & { text: string; path?: string },
): Learning {
  return {
    ...input,
    text: maskCredentials(capText(input.text.trim(), MAX_LEARNING_CHARS)),
    path: relative(input.path?.trim() || '**') || '**',
  };
}

/** Learnings as one text, for a prompt to fence (`boundary.fence('learnings', text)`); empty when none. */
export function renderLearningsForPrompt(learnings: readonly Learning[]): string {
  return learnings.map((learning) => `- (${learning.path}) ${learning.text}`).join('\n');
}
