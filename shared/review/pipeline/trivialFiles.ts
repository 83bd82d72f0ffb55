import { compileGlob, globProblem } from '../../repository-config/globs';
import type { ReviewedFile } from '../domain/changedFile';
import type { PullRequestReader, PullRequestRef } from '../domain/platform';

/**
 * Files the review can call trivial without asking a model: generated or vendored by the target branch's
 * `.gitattributes` (`linguist-generated`, `linguist-vendored`), well-known lockfiles, minified code, and changes of
 * whitespace only. They are listed in the walkthrough with the reason and never reach a model.
 */

const GITATTRIBUTES_PATH = '/.gitattributes';

const LOCKFILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'Cargo.lock',
  'Gemfile.lock',
  'composer.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'go.sum',
  'packages.lock.json',
  'paket.lock',
  'mix.lock',
  'pubspec.lock',
  'Podfile.lock',
  'flake.lock',
  'gradle.lockfile',
]);

/** A line this long is not written by hand; minified bundles have few lines, each thousands of characters. */
const MINIFIED_LINE_CHARS = 1_000;

type Attribute = 'linguist-generated' | 'linguist-vendored';
export interface AttributeRule {
  matches: (path: string) => boolean;
  attribute: Attribute;
  set: boolean;
}

/**
 * The linguist rules of a `.gitattributes` file, in order (a later line overrides an earlier one, as in git). A line
 * whose glob the matcher refuses (too long, too many wildcards, syntax it does not take) is skipped.
 */
export function parseGitAttributes(text: string): AttributeRule[] {
  const rules: AttributeRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [pattern, ...attributes] = line.split(/\s+/);
    // git: a pattern without a slash matches a name at any depth; with one, it is relative to the root.
    const glob = pattern.replace(/^\//, '');
    const anchored = pattern.replace(/\/$/, '').includes('/');
    const rooted = anchored ? glob : `**/${glob}`;
    const globs = [rooted, `${rooted}/**`];
    if (globs.some((each) => globProblem(each) !== undefined)) continue;
    const [isMatch, matchesDirectory] = globs.map(compileGlob);
    const matches = (path: string) => isMatch(path) || matchesDirectory(path);
    for (const entry of attributes) {
      const [, negation, name, value] = /^(-|!)?([^=]+)(?:=(.*))?$/.exec(entry) ?? [];
      if (name !== 'linguist-generated' && name !== 'linguist-vendored') continue;
      rules.push({ matches, attribute: name, set: negation === undefined && value !== 'false' });
    }
  }
  return rules;
}

function attributeOf(rules: AttributeRule[], path: string, attribute: Attribute): boolean {
  let set = false;
  for (const rule of rules) if (rule.attribute === attribute && rule.matches(path)) set = rule.set;
  return set;
}

const squeeze = (lines: readonly string[]) => lines.join('').replace(/\s+/g, '');

/** Why `file` needs no review, or undefined when it may. */
export function trivialReason(file: ReviewedFile, rules: AttributeRule[]): string | undefined {
  const path = file.change.path.replace(/^\//, '');
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (attributeOf(rules, path, 'linguist-generated')) return 'generated (.gitattributes)';
  if (attributeOf(rules, path, 'linguist-vendored')) return 'vendored (.gitattributes)';
  if (LOCKFILES.has(name)) return 'lockfile';
  const added = file.hunks.flatMap((hunk) => hunk.added);
  if (/\.min\.(js|css|mjs)$/.test(name) || added.some((line) => line.length > MINIFIED_LINE_CHARS)) {
    return 'minified';
  }
  const removed = file.hunks.flatMap((hunk) => hunk.removed);
  if (removed.length > 0 && added.length > 0 && squeeze(removed) === squeeze(added)) {
    return 'whitespace or formatting only';
  }
  return undefined;
}

/** The target branch's linguist rules, read at the merge base (one request; none when there is no file). */
export async function readGitAttributes(
  platform: PullRequestReader,
  ref: PullRequestRef,
  commitId: string,
): Promise<AttributeRule[]> {
  const content = await platform.getFileContent(ref, GITATTRIBUTES_PATH, commitId, 64 * 1024);
  return content?.kind === 'content' ? parseGitAttributes(Buffer.from(content.bytes).toString('utf8')) : [];
}
