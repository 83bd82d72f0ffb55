/**
 * Globs that teams and the model write (`path_filters`, `path_instructions`, `auto_review.base_branches`,
 * `.gitattributes`, learnings), checked when read and matched in time linear in the path. picomatch (like minimatch
 * and micromatch) compiles a glob to a backtracking RegExp, where `*a*a*a*a*a*a*a*a*a*ab` takes seconds on a
 * 40-character path and its options bound only the glob's length; the RE2 ports run regular expressions, not globs,
 * and reject the lookarounds picomatch's expressions need. So a glob here becomes a small NFA, run one set of states
 * per character: O(path × glob), whatever the glob.
 *
 * The syntax is picomatch's with `dot: true` for what teams write: `*` and `?` (not across `/`), `**` as a whole
 * segment, `[a-z]`, `[^a]` (a class of plain characters also matches its own text, `[id]` the name `[id]`), `{a,b}`,
 * `\` escapes, a leading `!` (negation) or `./`, and a glob equal to the path matches it. What it does not take is
 * refused with a reason, not matched differently: extglobs and groups, POSIX classes, `[!a]` (a class of `!` and `a`
 * in picomatch), brace ranges, `**` inside braces. Paths are repository paths: no empty, `.` or `..` segments.
 */

/** Longer is no path glob a team writes; with the wildcard bound, it keeps every match cheap. */
const MAX_GLOB_CHARS = 256;
const MAX_GLOB_WILDCARDS = 16;

export class GlobError extends Error {
  override readonly name = 'GlobError';
}

type GlobMatcher = (path: string) => boolean;

type CharTest = (char: string) => boolean;

type Node =
  | { kind: 'char'; test: CharTest }
  /** A class of plain characters: one of them, or the class's own text. */
  | { kind: 'classOrText'; test: CharTest; text: string }
  /** `*`: any run within a segment. */
  | { kind: 'star' }
  /** `**` as the whole glob: anything. */
  | { kind: 'any' }
  /** A leading or inner `**` with its `/`: nothing, or anything ending in `/`. */
  | { kind: 'dirs' }
  /** A trailing `/**`: nothing, or `/` and anything. */
  | { kind: 'tail' }
  | { kind: 'alternatives'; branches: Node[][] };

const notSlash: CharTest = (char) => char !== '/';
const anyChar: CharTest = () => true;
const literal =
  (expected: string): CharTest =>
  (char) =>
    char === expected;

function countWildcards(glob: string): number {
  let count = 0;
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === '?' || glob[i] === '[') count++;
    else if (glob[i] === '*') {
      count++;
      while (glob[i + 1] === '*') i++;
    }
  }
  return count;
}

/** The `{`, `,` and `}` that form alternatives (a brace without a comma is text, as in picomatch). */
function braceStructure(glob: string): Set<number> {
  const structural = new Set<number>();
  const open: { at: number; commas: number[] }[] = [];
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '\\') i++;
    else if (char === '{') open.push({ at: i, commas: [] });
    else if (char === ',') open.at(-1)?.commas.push(i);
    else if (char === '}') {
      const group = open.pop();
      if (group === undefined) continue; // a `}` without `{` is text
      const inside = glob.slice(group.at, i);
      if (inside.includes('..')) {
        throw new GlobError('brace ranges such as {1..3} are not supported: list the values, {1,2,3}');
      }
      if (inside.includes('**'))
        throw new GlobError('** inside { } is not supported: write {a,b}/** or **/{a,b}');
      if (group.commas.length > 0) [group.at, ...group.commas, i].forEach((at) => structural.add(at));
    }
  }
  if (open.length > 0) throw new GlobError('a { is not closed');
  return structural;
}

const CLASS_CONTENT = /^[^[\]\\/{},()|]+$/;
/** picomatch's regex-special characters: a class without any also matches its own text. */
const REGEX_SPECIAL = /[-*+?.^${}(|)[\]]/;

/** The class `[…]` opening at `start`, and where it ends; undefined when no `]` closes it (then `[` is text). */
function parseClass(glob: string, start: number): { node: Node; end: number } | undefined {
  const close = glob.indexOf(']', start + 1);
  if (close < 0) return undefined;
  const body = glob.slice(start + 1, close);
  if (body.startsWith('!')) throw new GlobError('[!…] is not supported: write [^…] for "none of"');
  if (body.startsWith('[:')) throw new GlobError('POSIX classes such as [[:alpha:]] are not supported');
  const negated = body.startsWith('^');
  const content = negated ? body.slice(1) : body;
  if (!CLASS_CONTENT.test(content)) {
    throw new GlobError('a [ ] class holds characters and ranges such as a-z, not [ ] \\ / { } , ( ) |');
  }
  const ranges: [string, string][] = [];
  for (let i = 0; i < content.length; i++) {
    if (content[i + 1] === '-' && i + 2 < content.length) {
      if (content[i] > content[i + 2])
        throw new GlobError(`the range ${content.slice(i, i + 3)} is reversed`);
      ranges.push([content[i], content[i + 2]]);
      i += 2;
    } else {
      ranges.push([content[i], content[i]]);
    }
  }
  const inClass = (char: string) => ranges.some(([low, high]) => char >= low && char <= high);
  // As picomatch: a negated class does not match `/` either.
  const test: CharTest = negated ? (char) => char !== '/' && !inClass(char) : inClass;
  const node: Node = REGEX_SPECIAL.test(body)
    ? { kind: 'char', test }
    : { kind: 'classOrText', test, text: `[${body}]` };
  return { node, end: close + 1 };
}

/** The glob (without its `!` and `./`) as nodes. */
function parse(glob: string): Node[] {
  const structural = braceStructure(glob);
  let i = 0;
  /** A run of `*` at `start`: `**` alone in its segment is a globstar, any other run a `*`; where it ends. */
  const stars = (nodes: Node[], start: number): number => {
    let end = start;
    while (glob[end] === '*') end++;
    const segmentStart = start === 0 || glob[start - 1] === '/';
    if (end - start === 2 && segmentStart && glob[end] === '{') {
      // As picomatch: `**{a,b}` is `**` then the braces, across `/`.
      nodes.push({ kind: 'any' });
      return end;
    }
    if (end - start !== 2 || !segmentStart || (end < glob.length && glob[end] !== '/')) {
      nodes.push({ kind: 'star' });
      return end;
    }
    // As picomatch: `a/**/**` is `a/**`.
    while (glob.startsWith('/**', end) && (end + 3 === glob.length || glob[end + 3] === '/')) end += 3;
    const previous = nodes.at(-1)?.kind;
    if (end < glob.length) {
      nodes.push({ kind: 'dirs' });
      return end + 1;
    }
    if (previous === undefined || previous === 'dirs' || nodes.at(-2)?.kind === 'star') {
      // After a `*` segment, as in picomatch, the `/` stays: `a/*/**` does not match `a/b`.
      nodes.push({ kind: 'any' });
    } else {
      nodes.pop(); // the `/` before it: `a/**` matches `a` too
      nodes.push({ kind: 'tail' });
    }
    return end;
  };
  const sequence = (): Node[] => {
    const nodes: Node[] = [];
    while (i < glob.length) {
      const char = glob[i];
      // A structural `,` or `}` ends a brace's branch (the `{` before it was met first).
      if (structural.has(i) && char !== '{') return nodes;
      if (structural.has(i)) {
        const branches: Node[][] = [];
        do {
          i++;
          branches.push(sequence());
        } while (glob[i] === ',');
        i++;
        nodes.push({ kind: 'alternatives', branches });
      } else if (char === '\\') {
        if (i + 1 === glob.length) throw new GlobError('the glob ends with an escaping \\');
        nodes.push({ kind: 'char', test: literal(glob[i + 1]) });
        i += 2;
      } else if (char === '(' || char === ')' || char === '|') {
        throw new GlobError(
          '( | ) (extglobs such as @(a|b), groups) are not supported: use {a,b}, or \\( for (',
        );
      } else if (char === '+' && /[[\]{}]/.test(glob[i - 1] ?? '')) {
        throw new GlobError('a + right after [ ], { or } is a regular expression in picomatch: write \\+');
      } else if (char === '*') {
        i = stars(nodes, i);
      } else if (char === '?') {
        nodes.push({ kind: 'char', test: notSlash });
        i++;
      } else {
        const parsed = char === '[' ? parseClass(glob, i) : undefined;
        nodes.push(parsed?.node ?? { kind: 'char', test: literal(char) });
        i = parsed?.end ?? i + 1;
      }
    }
    return nodes;
  };
  return sequence();
}

interface State {
  edges: { test: CharTest; to: number }[];
  /** States reached without reading a character. */
  skips: number[];
}

const ACCEPT = 0;

/** The NFA, built back to front: each node's states lead to `next`, the entry of what follows it. */
function compile(nodes: Node[]): { states: State[]; start: number } {
  const states: State[] = [{ edges: [], skips: [] }];
  const add = (state: State) => states.push(state) - 1;
  const sequence = (items: Node[], next: number): number =>
    items.reduceRight((to, item) => node(item, to), next);
  const node = (item: Node, next: number): number => {
    switch (item.kind) {
      case 'char':
        return add({ edges: [{ test: item.test, to: next }], skips: [] });
      case 'classOrText': {
        const text = item.text.split('').map((char): Node => ({ kind: 'char', test: literal(char) }));
        return add({
          edges: [],
          skips: [node({ kind: 'char', test: item.test }, next), sequence(text, next)],
        });
      }
      case 'star':
      case 'any': {
        const loop = add({ edges: [], skips: [next] });
        states[loop].edges.push({ test: item.kind === 'star' ? notSlash : anyChar, to: loop });
        return loop;
      }
      case 'dirs': {
        const boundary = add({ edges: [], skips: [next] });
        const inside = add({ edges: [], skips: [] });
        for (const from of [boundary, inside]) {
          states[from].edges.push({ test: literal('/'), to: boundary }, { test: notSlash, to: inside });
        }
        return boundary;
      }
      case 'tail': {
        const rest = add({ edges: [], skips: [next] });
        states[rest].edges.push({ test: anyChar, to: rest });
        return add({ edges: [{ test: literal('/'), to: rest }], skips: [next] });
      }
      case 'alternatives':
        return add({ edges: [], skips: item.branches.map((branch) => sequence(branch, next)) });
    }
  };
  return { states, start: sequence(nodes, ACCEPT) };
}

/** Whether the NFA accepts the path: one pass, each state entered at most once per character. */
function accepts(states: State[], start: number, path: string): boolean {
  const enteredAt = new Int32Array(states.length).fill(-1);
  let current = new Int32Array(states.length);
  let next = new Int32Array(states.length);
  const pending: number[] = [];
  /** Adds `state` and what it skips to, unless entered at this step; the new size of `into`. */
  const enter = (into: Int32Array, size: number, state: number, step: number): number => {
    pending.push(state);
    for (let top = pending.pop(); top !== undefined; top = pending.pop()) {
      if (enteredAt[top] === step) continue;
      enteredAt[top] = step;
      into[size++] = top;
      pending.push(...states[top].skips);
    }
    return size;
  };
  let size = enter(current, 0, start, 0);
  for (let step = 1; step <= path.length && size > 0; step++) {
    const char = path[step - 1];
    let nextSize = 0;
    for (let k = 0; k < size; k++) {
      for (const edge of states[current[k]].edges) {
        if (edge.test(char)) nextSize = enter(next, nextSize, edge.to, step);
      }
    }
    [current, next, size] = [next, current, nextSize];
  }
  return current.subarray(0, size).includes(ACCEPT);
}

/** A glob as a matcher of repository paths (without a leading `/`); throws a GlobError for a refused glob. */
export function compileGlob(glob: string): GlobMatcher {
  if (glob.length > MAX_GLOB_CHARS) {
    throw new GlobError(`the glob has ${glob.length} characters, more than ${MAX_GLOB_CHARS}`);
  }
  const wildcards = countWildcards(glob);
  if (wildcards > MAX_GLOB_WILDCARDS) {
    throw new GlobError(`the glob has ${wildcards} wildcards (*, ?, [ ]), more than ${MAX_GLOB_WILDCARDS}`);
  }
  const withoutDotSlash = (text: string) => text.replace(/^(?:\.\/)+/, '');
  const body = withoutDotSlash(glob);
  const bangs = /^!*/.exec(body)?.[0].length ?? 0;
  const negated = bangs % 2 === 1;
  const rest = negated ? withoutDotSlash(body.slice(bangs)) : body.slice(bangs);
  // picomatch's shortcut for `**.ts` (`**` and extensions, not negated) matches at any depth, unlike `**.ts/x`.
  const nodes =
    bangs === 0 && /^\*\*(?:\.\w+)+$/.test(rest)
      ? [{ kind: 'any' } as const, ...parse(rest.slice(2))]
      : parse(rest);
  const { states, start } = compile(nodes);
  return (path) => path === glob || accepts(states, start, path) !== negated;
}

/** Why a glob is refused (a GlobError's message), or undefined when it is usable. */
export function globProblem(glob: string): string | undefined {
  try {
    compileGlob(glob);
    return undefined;
  } catch (error) {
    if (error instanceof GlobError) return error.message;
    throw error;
  }
}
