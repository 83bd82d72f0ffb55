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

/** Set aside by its name (`.min.js`, `.min.css`, `.min.mjs`). */
const MINIFIED = 'minified';
/**
 * Set aside because most of the file's lines are over MINIFIED_LINE_CHARS. The author writes the content, so the
 * review counts such a file as not reviewed (partial), as it does a whitespace-only change.
 */
export const MINIFIED_LONG_LINES = 'minified (long lines)';
/** A change of whitespace the language ignores; an author can shape a diff to look like one: it counts as partial. */
export const WHITESPACE_ONLY = 'whitespace or formatting only';

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

/**
 * Minified as a whole: most of its non-blank lines are over MINIFIED_LINE_CHARS, not just one added line (a normal
 * file with one long line is reviewed, the chunking bounding what a model is shown of it). A deleted file is judged
 * by its old content.
 */
function longLined(file: ReviewedFile): boolean {
  const lines = (file.newLines.length > 0 ? file.newLines : file.oldLines).filter(
    (line) => line.trim() !== '',
  );
  const long = lines.filter((line) => line.length > MINIFIED_LINE_CHARS).length;
  return lines.length > 0 && long * 2 > lines.length;
}

/**
 * Whitespace separates the words of a command or of an unquoted string here (shell, make recipes, Dockerfiles,
 * YAML plain and block scalars), and YAML and make read indentation: no whitespace change is only formatting.
 */
const WHITESPACE_SIGNIFICANT =
  /\.(ya?ml|sh|bash|zsh|ksh|fish|ps1|psm1|bat|cmd|mk|mak|make|dockerfile)$|(^|\/)(GNUmakefile|makefile|Makefile|Dockerfile|Containerfile|justfile|Justfile)(\.[^/]*)?$/;
/** Leading indentation (and so the line structure) is syntax here: Python, CoffeeScript, F#, Haskell and the like. */
const INDENTATION_SIGNIFICANT =
  /\.(py|pyw|pyi|coffee|litcoffee|fs|fsi|fsx|hs|lhs|elm|nim|haml|pug|jade|sass|styl|slim|purs)$/;

/**
 * A line that may start or continue a string literal over several lines: a backtick (template literal, Go raw
 * string), a triple quote, a trailing backslash, or an odd count of `'` or `"` (C#, Rust, Ruby, PHP and SQL strings
 * may hold line breaks; an escaped quote or an apostrophe in a comment is odd too, which only errs on reviewing).
 * Where no line of either side has one, every string literal lies on one line, between the line's first and last
 * quote, whatever its comments hold.
 */
const mayContinueString = (line: string) =>
  /`|"""|'''|\\\s*$/.test(line) ||
  (line.split('"').length - 1) % 2 === 1 ||
  (line.split("'").length - 1) % 2 === 1;

const WORD_END = /[\p{L}\p{N}_$]$/u;
const WORD_START = /^[\p{L}\p{N}_$]/u;

/**
 * The lines with the whitespace the language ignores taken out. Outside string literals whitespace goes, but for one
 * space between two word characters (`return x` is not `returnx`); from the first to the last quote of a line it is
 * kept as written (a string's spaces are data: `"rm -rf /tmp"` is not `"rm -rf / tmp"`); with `keepIndentation`,
 * each non-blank line keeps its line break and leading indentation (in Python `check_auth()` is not
 * `    check_auth()`).
 */
function significantText(lines: readonly string[], keepIndentation: boolean): string {
  let out = '';
  let gap = false;
  const code = (text: string) => {
    for (const word of text.split(/(\s+)/)) {
      if (word === '') continue;
      if (/^\s/.test(word)) gap = true;
      else {
        if (gap && WORD_END.test(out) && WORD_START.test(word)) out += ' ';
        out += word;
        gap = false;
      }
    }
  };
  const verbatim = (text: string) => {
    out += text;
    gap = false;
  };
  for (const line of lines) {
    if (keepIndentation) {
      if (line.trim() === '') continue;
      verbatim(`\n${/^\s*/.exec(line)?.[0] ?? ''}`);
    }
    const first = line.search(/["']/);
    const last = Math.max(line.lastIndexOf('"'), line.lastIndexOf("'"));
    if (first < 0) code(line);
    else {
      code(line.slice(0, first));
      verbatim(line.slice(first, last + 1));
      code(line.slice(last + 1));
    }
    gap = true;
  }
  return out;
}

/**
 * Whether the change is of whitespace only, and of whitespace the file's language ignores: today's "ignore
 * whitespace" comparison, except that it never counts a change of whitespace inside a string literal, nor of
 * leading indentation or line breaks in a language that reads them, and never applies where whitespace is syntax
 * or data throughout (WHITESPACE_SIGNIFICANT) or where a string literal may span lines (a hunk may sit inside one).
 */
function formattingOnly(file: ReviewedFile, path: string, removed: string[], added: string[]): boolean {
  if (removed.length === 0 || added.length === 0 || WHITESPACE_SIGNIFICANT.test(path)) return false;
  if ([file.oldLines, file.newLines, removed, added].some((lines) => lines.some(mayContinueString)))
    return false;
  const keepIndentation = INDENTATION_SIGNIFICANT.test(path);
  return significantText(removed, keepIndentation) === significantText(added, keepIndentation);
}

/** Why `file` needs no review, or undefined when it may. */
export function trivialReason(file: ReviewedFile, rules: AttributeRule[]): string | undefined {
  const path = file.change.path.replace(/^\//, '');
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (attributeOf(rules, path, 'linguist-generated')) return 'generated (.gitattributes)';
  if (attributeOf(rules, path, 'linguist-vendored')) return 'vendored (.gitattributes)';
  if (LOCKFILES.has(name)) return 'lockfile';
  if (/\.min\.(js|css|mjs)$/.test(name)) return MINIFIED;
  if (longLined(file)) return MINIFIED_LONG_LINES;
  const added = file.hunks.flatMap((hunk) => hunk.added);
  const removed = file.hunks.flatMap((hunk) => hunk.removed);
  if (formattingOnly(file, path, removed, added)) return WHITESPACE_ONLY;
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
