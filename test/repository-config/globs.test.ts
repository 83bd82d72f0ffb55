import fc from 'fast-check';
import picomatch from 'picomatch';
import {
  instructionsFor,
  isPathIncluded,
  parseRepositoryConfig,
  shouldAutoReview,
} from '../../shared/repository-config';
import { compileGlob, GlobError, globProblem } from '../../shared/repository-config/globs';

/** What picomatch, the matcher before, said: the reference for every glob the new matcher takes. */
const before = (glob: string) => picomatch(glob, { dot: true });

/** The glob from the issue: picomatch took 9.3 s on a 40-character path. */
const ISSUE_GLOB = '*a*a*a*a*a*a*a*a*a*ab';
/** As many wildcards as a glob may have. */
const LONGEST_GLOB = `${'*a'.repeat(16)}b`;
/** Far past the bounds: refused as it is read. */
const HOSTILE_GLOB = `${'*a'.repeat(30)}b`;

const timed = <T>(run: () => T): { result: T; ms: number } => {
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started };
};

describe('a hostile glob in .ado-reviewer.yaml', () => {
  const yaml = [
    'reviews:',
    '  profile: assertive',
    `  path_filters: ["src/**", "${HOSTILE_GLOB}"]`,
    '  path_instructions:',
    `    - path: "${HOSTILE_GLOB}"`,
    '      instructions: Never shown.',
    '    - path: "**/*.ts"',
    '      instructions: Types.',
    '  auto_review:',
    `    base_branches: [main, "${HOSTILE_GLOB}"]`,
  ].join('\n');

  it('is refused by key and line, named as a refused glob, and the rest of the file still applies', () => {
    const { config, problems } = parseRepositoryConfig(yaml, '.ado-reviewer.yaml');
    const refused =
      'glob refused: the glob has 30 wildcards (*, ?, [ ]), more than 16; the entry is left out';
    expect(problems).toEqual([
      { source: '.ado-reviewer.yaml', key: 'reviews.path_filters[1]', line: 3, message: refused },
      { source: '.ado-reviewer.yaml', key: 'reviews.path_instructions[0].path', line: 5, message: refused },
      {
        source: '.ado-reviewer.yaml',
        key: 'reviews.auto_review.base_branches[1]',
        line: 10,
        message: refused,
      },
    ]);
    expect(config.reviews.profile).toBe('assertive');
    expect(config.reviews.path_filters).toEqual(['src/**']);
    expect(config.reviews.path_instructions).toEqual([{ path: '**/*.ts', instructions: 'Types.' }]);
    expect(config.reviews.auto_review.base_branches).toEqual(['main']);

    const path = `/src/${'a'.repeat(40)}.ts`;
    expect(isPathIncluded(config, path)).toBe(true);
    expect(instructionsFor(config, path).map((entry) => entry.instructions)).toEqual(['Types.']);
    const pullRequest = { isDraft: false, targetBranch: `refs/heads/${'a'.repeat(40)}`, title: 'x' };
    expect(shouldAutoReview(config, pullRequest)).toMatchObject({ review: false, setBy: 'base_branches' });
  });
});

describe('compileGlob: bounds', () => {
  it('matches the globs that made picomatch backtrack for seconds in milliseconds, on 40- and 400-character paths', () => {
    for (const glob of [ISSUE_GLOB, LONGEST_GLOB]) {
      const matches = compileGlob(glob);
      for (const length of [40, 400]) {
        const miss = timed(() => matches('a'.repeat(length)));
        const hit = timed(() => matches(`${'a'.repeat(length - 1)}b`));
        console.log(
          `${glob} on ${length} characters: ${miss.ms.toFixed(2)} ms (no match), ${hit.ms.toFixed(2)} ms (a match)`,
        );
        expect([miss.result, hit.result]).toEqual([false, true]);
        // Generous for a loaded 2-core machine; picomatch took 9.3 s on the first of these.
        expect(Math.max(miss.ms, hit.ms)).toBeLessThan(100);
      }
    }
  });

  it('refuses, at once and with a GlobError, a glob past the wildcard or length bound', () => {
    const refusal = timed(() => globProblem(HOSTILE_GLOB));
    console.log(`refusing a ${HOSTILE_GLOB.length}-character glob: ${refusal.ms.toFixed(2)} ms`);
    expect(refusal.result).toBe('the glob has 30 wildcards (*, ?, [ ]), more than 16');
    expect(refusal.ms).toBeLessThan(100);
    expect(() => compileGlob(`src/${'x'.repeat(300)}`)).toThrow(GlobError);
    expect(globProblem(`src/${'x'.repeat(300)}`)).toBe('the glob has 304 characters, more than 256');
    expect(globProblem(LONGEST_GLOB)).toBeUndefined();
  });

  it.each([
    ['src/@(a|b)/**', /extglobs/],
    ['src/(legacy)/**', /groups/],
    ['[[:alpha:]]*', /POSIX/],
    ['[!a]*', /write \[\^…\]/],
    ['file{1..3}.ts', /brace ranges/],
    ['{src/**,lib}', /\*\* inside \{ \}/],
    ['src/{a,b', /not closed/],
    ['[z-a]', /reversed/],
    ['[a-z]+', /regular expression/],
  ])('refuses %s, saying why, rather than matching it otherwise', (glob, reason) => {
    expect(globProblem(glob)).toMatch(reason);
  });
});

describe('compileGlob: the globs teams write match as picomatch matched them', () => {
  const paths = [
    'a.ts',
    'src/a.ts',
    'src/deep/er/b.ts',
    'src/a.tsx',
    'src',
    'srcs/a.ts',
    'lib/x.min.js',
    'x.min.js',
    'docs/guide.md',
    'docs/deep/guide.md',
    '.github/workflows/ci.yml',
    'infra/.env.example',
    'pages/[slug].tsx',
    'pages/s.tsx',
    'pages/x.tsx',
    'packages/a/src/index.ts',
    'packages/a',
    'README.md',
    'vendor/lib/a.go',
  ];
  it.each([
    '**/*.ts',
    'src/**',
    '*.min.js',
    '**/*.min.js',
    'docs/*',
    'docs/*.md',
    '!src/**',
    '!**/*.md',
    '{src,lib}/**/*.{ts,tsx,js}',
    '**/.github/**',
    '.github/**',
    'pages/[slug].tsx',
    'pages/[a-s].tsx',
    'pages/[^s].tsx',
    'packages/*/src/**',
    'packages/*/**',
    '**/vendor/**',
    'src/**/b.ts',
    '?????.md',
    '**.ts',
    './src/*',
    '**',
    '*',
  ])('%s', (glob) => {
    const matches = compileGlob(glob);
    for (const path of paths) expect([path, matches(path)]).toEqual([path, before(glob)(path)]);
  });

  // Globs made of what teams write, and paths over a small alphabet that hits the same characters. Left out are
  // picomatch's quirks the matcher does not copy: an inner `/**/` also matching at the end of the path when what
  // follows it can be empty (`a/**/{,b}` matching `a`), and its shortcut for `*.*` wanting a character after the dot.
  const atom = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'x.ts', '.', '-', '_', '@', '!', ',', '}', ']', '=') },
    { weight: 2, arbitrary: fc.constant('*') },
    { weight: 1, arbitrary: fc.constant('?') },
    { weight: 1, arbitrary: fc.constantFrom('[ab]', '[a-c]', '[^a]', '[.]', '[b-]', '[x]') },
    { weight: 1, arbitrary: fc.constantFrom('\\*', '\\[', '{a}', '[') },
  );
  const word = fc.array(atom, { minLength: 1, maxLength: 4 }).map((atoms) => atoms.join(''));
  const braces = fc
    .array(
      fc.oneof(
        word,
        fc.constant(''),
        fc.tuple(word, word).map(([a, b]) => `${a}/${b}`),
      ),
      {
        minLength: 2,
        maxLength: 3,
      },
    )
    .map((branches) => `{${branches.join(',')}}`);
  const segment = fc.oneof(
    { weight: 5, arbitrary: word },
    { weight: 2, arbitrary: fc.constant('**') },
    { weight: 1, arbitrary: fc.tuple(word, braces).map(([a, b]) => a + b) },
    { weight: 1, arbitrary: braces },
  );
  const glob = fc
    .tuple(fc.constantFrom('', '', '!', './'), fc.array(segment, { minLength: 1, maxLength: 4 }))
    .map(([prefix, segments]) => prefix + segments.join('/'))
    .filter(
      (text) =>
        globProblem(text) === undefined &&
        ![...text.matchAll(/\/\*\*\//g)].some((inner) => compileGlob(text.slice(inner.index + 4))('')),
    );
  const name = fc
    .stringMatching(/^[abx.\-_@!,}\][{]{1,5}$/)
    .filter((text) => text !== '.' && text !== '..' && !text.endsWith('.') && !text.includes('..'));
  const path = fc.array(name, { minLength: 1, maxLength: 5 }).map((names) => names.join('/'));

  it('as picomatch for any glob of those parts it takes', () => {
    fc.assert(
      fc.property(glob, fc.array(path, { minLength: 1, maxLength: 6 }), (text, candidates) => {
        const matches = compileGlob(text);
        for (const candidate of candidates) expect(matches(candidate)).toBe(before(text)(candidate));
      }),
      { numRuns: 3000 },
    );
  });
});
