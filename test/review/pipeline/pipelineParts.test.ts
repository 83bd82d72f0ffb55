import { costOf, priceOf } from '../../../shared/llm/priceTable';
import { tokenCounterFor } from '../../../shared/llm/tokenCounter';
import type { ReviewedFile } from '../../../shared/review/domain/changedFile';
import { mergeFindings } from '../../../shared/review/pipeline/mergeFindings';
import { parseGitAttributes, trivialReason } from '../../../shared/review/pipeline/trivialFiles';
import { enclosingLine } from '../../../shared/review/pipeline/prompt';
import type { Finding } from '../../../shared/review/domain/finding';

const file = (path: string, removed: string[], added: string[]): ReviewedFile => ({
  change: { changeTrackingId: 1, changeFlags: ['edit'], kind: 'edit', path, isFolder: false },
  hunks: [{ oldStart: 1, oldLines: removed.length, newStart: 1, newLines: added.length, removed, added }],
  oldLines: removed,
  newLines: added,
});

describe('the enclosing line of a hunk (git’s default funcname)', () => {
  it('is the nearest line above that starts with a letter, _ or $, skipping bodies and comments', () => {
    const lines = [
      'class Cart {',
      '  // total',
      '  total() {',
      '    return 1;',
      '  }',
      '',
      '$handler = 1;',
      '    x();',
    ];
    expect(enclosingLine(lines, 5)).toBe('class Cart {');
    expect(enclosingLine(lines, 8)).toBe('$handler = 1;');
    expect(enclosingLine(['  indented', '# comment'], 2)).toBeUndefined();
  });
});

describe('deterministic triage', () => {
  const rules = parseGitAttributes(
    '# ours\n*.pb.go linguist-generated\n/vendor/** linguist-vendored\nvendor/keep.go -linguist-vendored\n',
  );
  it.each([
    ['/api/user.pb.go', 'generated (.gitattributes)'],
    ['/vendor/lib/a.go', 'vendored (.gitattributes)'],
    ['/web/yarn.lock', 'lockfile'],
    ['/dist/app.min.js', 'minified'],
  ])('%s is %s', (path, reason) => {
    expect(trivialReason(file(path, ['a'], ['b']), rules)).toBe(reason);
  });

  it('a later negation wins, and ordinary or whitespace-only edits are told apart', () => {
    expect(trivialReason(file('/vendor/keep.go', ['a'], ['b']), rules)).toBeUndefined();
    expect(trivialReason(file('/src/a.ts', ['if (a) {b()}'], ['if (a) {', '  b()', '}']), rules)).toBe(
      'whitespace or formatting only',
    );
    expect(trivialReason(file('/src/a.ts', ['a = 1'], ['a = 2']), rules)).toBeUndefined();
  });
});

describe('deterministic triage an author could steer', () => {
  const rules = parseGitAttributes('');
  /** A file whose whole old and new content are `removed` and `added` (one hunk). */
  const whitespace = (path: string, removed: string[], added: string[]) =>
    trivialReason(file(path, removed, added), rules);

  it('calls a file minified by its name or when most of its lines are long, not for one long added line', () => {
    const long = `const a = '${'x'.repeat(1_200)}';`;
    expect(trivialReason(file('/src/a.ts', ['const b = 1;'], ['const b = 1;', long, 'run();']), rules)).toBe(
      undefined,
    );
    expect(trivialReason(file('/dist/bundle.js', ['a'], [long, long, 'b']), rules)).toBe(
      'minified (long lines)',
    );
    expect(trivialReason(file('/dist/app.min.css', ['a'], ['b']), rules)).toBe('minified');
  });

  it('never takes a change of indentation in Python or YAML for formatting', () => {
    expect(whitespace('/app/views.py', ['check_auth()'], ['    check_auth()'])).toBeUndefined();
    expect(whitespace('/app/views.py', ['if a:', '    b()', '    c()'], ['if a:', '    b()', 'c()'])).toBe(
      undefined,
    );
    expect(whitespace('/ci/azure-pipelines.yml', ['  - run: a', '    x: 1'], ['  - run: a', '  x: 1'])).toBe(
      undefined,
    );
    expect(whitespace('/deploy.sh', ['rm -rf /tmp/cache'], ['rm -rf / tmp/cache'])).toBeUndefined();
    // Within a line, Python's spacing outside strings is still formatting.
    expect(whitespace('/app/views.py', ['x = f( a,b )'], ['x = f(a, b)'])).toBe(
      'whitespace or formatting only',
    );
  });

  it('never takes a change of whitespace inside a string literal, or one that joins words, for formatting', () => {
    expect(whitespace('/src/a.ts', ['run("rm -rf /tmp/cache");'], ['run("rm -rf / tmp/cache");'])).toBe(
      undefined,
    );
    expect(whitespace('/src/a.ts', ["run('rm -rf /tmp/cache');"], ["run('rm -rf  /tmp/cache');"])).toBe(
      undefined,
    );
    // A comment's quote does not make the string's spaces code.
    expect(
      whitespace(
        '/src/a.ts',
        ['/* " */ run("rm -rf /tmp/x") /* " */'],
        ['/* " */ run("rm -rf / tmp/x") /* " */'],
      ),
    ).toBeUndefined();
    expect(whitespace('/src/a.ts', ['return x;'], ['returnx;'])).toBeUndefined();
    // A hunk inside a template literal that started above it.
    const script = (command: string) => ['const script = `', command, '`;'];
    expect(
      trivialReason(
        {
          ...file('/src/a.ts', ['rm -rf /tmp/cache'], ['rm -rf / tmp/cache']),
          oldLines: script('rm -rf /tmp/cache'),
          newLines: script('rm -rf / tmp/cache'),
        },
        rules,
      ),
    ).toBeUndefined();
    // Spacing around strings, outside them, is still formatting.
    expect(whitespace('/src/a.ts', ['f( "a b" ,c)'], ['f("a b", c)'])).toBe('whitespace or formatting only');
  });
});

describe('token counts and prices', () => {
  it('count OpenAI models with their tokenizer and others at 3.5 characters a token', () => {
    const openai = tokenCounterFor('gpt-4.1-mini');
    expect(openai.exact).toBe(true);
    expect(openai.count('hello world')).toBe(2);
    const other = tokenCounterFor('anthropic.claude-sonnet-4');
    expect(other.exact).toBe(false);
    expect(other.count('x'.repeat(35))).toBe(10);
  });

  it('price a model by its longest matching entry, LLM_PRICES first', () => {
    expect(priceOf('gpt-4.1-mini-2025-04-14')).toEqual({ input: 0.4, output: 1.6 });
    expect(priceOf('us.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual({ input: 3, output: 15 });
    expect(costOf('o3', { input: 1_000_000, output: 500_000 }, { o3: { input: 1, output: 2 } })).toBe(2);
    expect(costOf('my-deployment', { input: 1, output: 1 })).toBeUndefined();
  });
});

describe('merging findings across chunks', () => {
  const finding = (line: number, comment: string, severity: Finding['severity'] = 'low'): Finding => ({
    path: '/a.ts',
    side: 'right',
    startLine: line,
    endLine: line + 1,
    severity,
    comment,
    suggestion: null,
  });
  it('keeps one of the same finding on overlapping lines, the most severe, and distinct findings apart', () => {
    const merged = mergeFindings([
      finding(10, 'Leftover debug logging.'),
      finding(11, 'leftover debug logging', 'medium'),
      finding(10, 'The loop never ends.'),
      finding(30, 'Leftover debug logging.'),
    ]);
    expect(merged.map((item) => [item.startLine, item.severity])).toEqual([
      [11, 'medium'],
      [10, 'low'],
      [30, 'low'],
    ]);
  });
});
