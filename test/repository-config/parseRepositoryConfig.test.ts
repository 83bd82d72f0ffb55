import {
  parseRepositoryConfig,
  repositoryConfigSchema,
  type ConfigProblem,
} from '../../shared/repository-config';

const defaults = repositoryConfigSchema.parse({});
const parse = (text: string) => parseRepositoryConfig(text, '.ado-reviewer.yaml');
const keysOf = (problems: ConfigProblem[]) => problems.map(({ key, line }) => ({ key, line }));

describe('parseRepositoryConfig: every key, valid', () => {
  const file = [
    '# yaml-language-server: $schema=./docs/ado-reviewer.schema.json',
    'language: de-DE',
    'tone_instructions: Kurz und freundlich.',
    'reviews:',
    '  profile: assertive',
    '  high_level_summary: false',
    '  collapse_walkthrough: true',
    '  maintainers: ["Platform Team", "0f8fad5b-d9cb-469f-a165-70867728950e"]',
    '  path_filters: ["src/**", "!**/*.generated.ts"]',
    '  path_instructions:',
    '    - path: "src/api/**"',
    '      instructions: Check authorization.',
    '  auto_review:',
    '    enabled: false',
    '    drafts: true',
    '    base_branches: [main, "release/*"]',
    '    ignore_title_keywords: [WIP]',
    '  status_policy:',
    '    fail_severity: medium',
    '    fail_threshold: 3',
    '  finding_thread_status: pending',
    'chat:',
    '  auto_reply: false',
    'knowledge_base:',
    '  learnings:',
    '    enabled: false',
  ].join('\n');

  it('uses each value as written, with no problems', () => {
    const { config, problems, ignored } = parse(file);
    expect(problems).toEqual([]);
    expect(ignored).toEqual([]);
    expect(config).toEqual({
      language: 'de-DE',
      tone_instructions: 'Kurz und freundlich.',
      reviews: {
        profile: 'assertive',
        high_level_summary: false,
        collapse_walkthrough: true,
        maintainers: ['Platform Team', '0f8fad5b-d9cb-469f-a165-70867728950e'],
        path_filters: ['src/**', '!**/*.generated.ts'],
        path_instructions: [{ path: 'src/api/**', instructions: 'Check authorization.' }],
        auto_review: {
          enabled: false,
          drafts: true,
          base_branches: ['main', 'release/*'],
          ignore_title_keywords: ['WIP'],
        },
        status_policy: { fail_severity: 'medium', fail_threshold: 3 },
        finding_thread_status: 'pending',
      },
      chat: { auto_reply: false },
      knowledge_base: { learnings: { enabled: false } },
    });
  });

  it('gives the defaults for an empty file, a file of comments, and keys left out', () => {
    expect(parse('')).toEqual({ config: defaults, problems: [], ignored: [] });
    expect(parse('# nothing yet\n')).toEqual({ config: defaults, problems: [], ignored: [] });
    const { config } = parse('reviews:\n  profile: assertive\n');
    expect(config).toEqual({ ...defaults, reviews: { ...defaults.reviews, profile: 'assertive' } });
  });

  it('documents its defaults: chill, summary on, drafts off, status informs only, replies and learnings on', () => {
    expect(defaults.language).toBe('en-US');
    expect(defaults.reviews.profile).toBe('chill');
    expect(defaults.reviews.high_level_summary).toBe(true);
    expect(defaults.reviews.auto_review).toEqual({
      enabled: true,
      drafts: false,
      base_branches: [],
      ignore_title_keywords: [],
    });
    expect(defaults.reviews.status_policy).toEqual({ fail_severity: 'never', fail_threshold: 1 });
    expect(defaults.reviews.finding_thread_status).toBe('active');
    expect(defaults.chat.auto_reply).toBe(true);
    expect(defaults.knowledge_base.learnings.enabled).toBe(true);
  });
});

describe('parseRepositoryConfig: every key, invalid', () => {
  // Every value below is wrong; the line numbers are this file's.
  const file = [
    'language: Deutsch', // 1
    'tone_instructions: 42', // 2
    'reviews:', // 3
    '  profile: strict', // 4
    '  maintainers: Platform Team', // 5
    '  high_level_summary: "yes"', // 6
    '  collapse_walkthrough: 1', // 7
    '  path_filters:', // 8
    '    - src/**', // 9
    '    - 7', // 10
    '    - "!dist/**"', // 11
    '  path_instructions:', // 12
    '    - path: "**/*.ts"', // 13
    '      instructions: Types first.', // 14
    '    - path: "docs/**"', // 15
    '    - instructions: No path.', // 16
    '  auto_review:', // 17
    '    enabled: no', // 18
    '    drafts: null', // 19
    '    base_branches: [main, "release/.*"]', // 20
    '    ignore_title_keywords: WIP', // 21
    '  status_policy:', // 22
    '    fail_severity: critical', // 23
    '    fail_threshold: 0', // 24
    '  finding_thread_status: closed', // 25
    'chat:', // 26
    '  auto_reply: maybe', // 27
    'knowledge_base:', // 28
    '  learnings:', // 29
    '    enabled: []', // 30
  ].join('\n');

  it('names each key and its line, and falls back to the default for that key only', () => {
    const { config, problems } = parse(file);
    expect(keysOf(problems)).toEqual([
      { key: 'language', line: 1 },
      { key: 'tone_instructions', line: 2 },
      { key: 'reviews.profile', line: 4 },
      { key: 'reviews.high_level_summary', line: 6 },
      { key: 'reviews.collapse_walkthrough', line: 7 },
      { key: 'reviews.maintainers', line: 5 },
      { key: 'reviews.path_filters[1]', line: 10 },
      { key: 'reviews.path_instructions[1].instructions', line: 15 },
      { key: 'reviews.path_instructions[2].path', line: 16 },
      { key: 'reviews.auto_review.enabled', line: 18 },
      { key: 'reviews.auto_review.drafts', line: 19 },
      { key: 'reviews.auto_review.base_branches[1]', line: 20 },
      { key: 'reviews.auto_review.ignore_title_keywords', line: 21 },
      { key: 'reviews.status_policy.fail_severity', line: 23 },
      { key: 'reviews.status_policy.fail_threshold', line: 24 },
      { key: 'reviews.finding_thread_status', line: 25 },
      { key: 'chat.auto_reply', line: 27 },
      { key: 'knowledge_base.learnings.enabled', line: 30 },
    ]);
    expect(problems.every((problem) => problem.source === '.ado-reviewer.yaml')).toBe(true);
    // Invalid entries of a list are left out; the valid ones stay. Everything else is the default.
    expect(config).toEqual({
      ...defaults,
      reviews: {
        ...defaults.reviews,
        path_filters: ['src/**', '!dist/**'],
        path_instructions: [{ path: '**/*.ts', instructions: 'Types first.' }],
        auto_review: { ...defaults.reviews.auto_review, base_branches: ['main'] },
      },
    });
  });

  it('says why, in words a team can act on', () => {
    const byKey = new Map(parse(file).problems.map((problem) => [problem.key, problem.message]));
    expect(byKey.get('language')).toMatch(/language tag such as en-US/);
    expect(byKey.get('reviews.profile')).toMatch(/"chill"\|"assertive"/);
    expect(byKey.get('reviews.profile')).toMatch(/the default is used/);
    expect(byKey.get('reviews.path_filters[1]')).toMatch(/expected string.*the entry is left out/);
    expect(byKey.get('reviews.auto_review.base_branches[1]')).toMatch(/not a regular expression/);
    expect(byKey.get('reviews.status_policy.fail_threshold')).toMatch(/>0|positive|greater/i);
  });

  it('leaves out exactly the invalid entries when several lists have several', () => {
    const file = [
      'reviews:',
      '  path_filters: [1, "a/**", 2, "b/**", 3]',
      '  path_instructions:',
      '    - {path: x/**, instructions: X}',
      '    - {path: 7, instructions: bad}',
      '    - {path: y/**, instructions: Y}',
      '    - {path: z/**}',
      '  auto_review:',
      '    ignore_title_keywords: [WIP, 5, draft, 6]',
    ].join('\n');
    const { config, problems } = parse(file);
    expect(config.reviews.path_filters).toEqual(['a/**', 'b/**']);
    expect(config.reviews.path_instructions).toEqual([
      { path: 'x/**', instructions: 'X' },
      { path: 'y/**', instructions: 'Y' },
    ]);
    expect(config.reviews.auto_review.ignore_title_keywords).toEqual(['WIP', 'draft']);
    expect(problems.map((problem) => problem.key)).toEqual([
      'reviews.path_filters[0]',
      'reviews.path_filters[2]',
      'reviews.path_filters[4]',
      'reviews.path_instructions[1].path',
      'reviews.path_instructions[3].instructions',
      'reviews.auto_review.ignore_title_keywords[1]',
      'reviews.auto_review.ignore_title_keywords[3]',
    ]);
  });

  it('keeps the valid keys next to an invalid one', () => {
    const { config, problems } = parse(
      'language: fr-FR\nreviews:\n  profile: loud\n  high_level_summary: false\n',
    );
    expect(keysOf(problems)).toEqual([{ key: 'reviews.profile', line: 3 }]);
    expect(config.language).toBe('fr-FR');
    expect(config.reviews.profile).toBe('chill');
    expect(config.reviews.high_level_summary).toBe(false);
  });

  it('falls back for a whole section whose value is not a mapping', () => {
    const { config, problems } = parse('language: it-IT\nreviews: true\nchat: [1]\n');
    expect(keysOf(problems)).toEqual([
      { key: 'reviews', line: 2 },
      { key: 'chat', line: 3 },
    ]);
    expect(config).toEqual({ ...defaults, language: 'it-IT' });
  });

  it('caps tone_instructions at 250 characters, as CodeRabbit does', () => {
    expect(parse(`tone_instructions: ${'a'.repeat(250)}\n`).problems).toEqual([]);
    expect(keysOf(parse(`tone_instructions: ${'a'.repeat(251)}\n`).problems)).toEqual([
      { key: 'tone_instructions', line: 1 },
    ]);
  });
});

describe('parseRepositoryConfig: keys it does not have', () => {
  const file = [
    'language: en-GB', // 1
    'early_access: true', // 2
    'reviews:', // 3
    '  poem: false', // 4
    '  tools:', // 5
    '    eslint:', // 6
    '      enabled: true', // 7
    '  auto_review:', // 8
    '    labels: [review-me]', // 9
    '    drafs: true', // 10
    '  path_instructions:', // 11
    '    - path: "src/**"', // 12
    '      instructions: Be strict.', // 13
    '      severity: high', // 14
    'knowledge_base:', // 15
    '  learnings:', // 16
    '    scope: local', // 17
    'colour: blue', // 18
  ].join('\n');

  it("reports CodeRabbit's as ignored, others as problems, and still uses the rest", () => {
    const { config, problems, ignored } = parse(file);
    expect(ignored.map(({ key, line }) => ({ key, line }))).toEqual([
      { key: 'early_access', line: 2 },
      { key: 'reviews.poem', line: 4 },
      { key: 'reviews.tools', line: 5 },
      { key: 'reviews.auto_review.labels', line: 9 },
      { key: 'knowledge_base.learnings.scope', line: 17 },
    ]);
    expect(keysOf(problems)).toEqual([
      { key: 'reviews.auto_review.drafs', line: 10 },
      { key: 'reviews.path_instructions[0].severity', line: 14 },
      { key: 'colour', line: 18 },
    ]);
    expect(problems[0].message).toMatch(/unknown key/);
    expect(config.language).toBe('en-GB');
    expect(config.reviews.path_instructions).toEqual([{ path: 'src/**', instructions: 'Be strict.' }]);
    expect(config.reviews.auto_review.drafts).toBe(false);
  });

  it('does not let a __proto__ key reach the configuration', () => {
    const { config, problems } = parse(
      '__proto__:\n  polluted: true\nreviews:\n  __proto__: {profile: assertive}\n',
    );
    expect(keysOf(problems)).toEqual([
      { key: '__proto__', line: 1 },
      { key: 'reviews.__proto__', line: 4 },
    ]);
    expect(config).toEqual(defaults);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseRepositoryConfig: files it cannot use', () => {
  it('gives all defaults and the syntax problem, with its line and key', () => {
    const file = [
      'language: de-DE',
      'reviews:',
      '  profile: assertive',
      '  path_filters: [src/**',
      'chat:',
    ].join('\n');
    const { config, problems } = parse(file);
    expect(config).toEqual(defaults);
    expect(problems).toHaveLength(1);
    // The unclosed list runs on into the next line, where the parser gives up.
    expect(problems[0]).toMatchObject({ source: '.ado-reviewer.yaml', line: 5 });
    expect(problems[0].key).toMatch(/^reviews\.path_filters/);
    expect(problems[0].message).toMatch(/^YAML syntax: .*; the file is not used$/);
  });

  it('reports a tab-indented or badly indented file, and a duplicated key, as syntax problems', () => {
    for (const file of [
      'reviews:\n\tprofile: chill\n',
      'reviews:\n  profile: chill\n   high: x\n',
      'language: a\nlanguage: b\n',
    ]) {
      const { config, problems } = parse(file);
      expect(config).toEqual(defaults);
      expect(problems.length).toBeGreaterThan(0);
      expect(
        problems.every((problem) => problem.line !== undefined && problem.message.startsWith('YAML syntax')),
      ).toBe(true);
    }
  });

  it('refuses a file that is a list or a single value', () => {
    for (const file of ['- language: de-DE\n', 'just text\n', '42\n']) {
      const { config, problems } = parse(file);
      expect(config).toEqual(defaults);
      expect(problems).toEqual([
        {
          source: '.ado-reviewer.yaml',
          key: '',
          line: 1,
          message: expect.stringMatching(/expected a mapping/),
        },
      ]);
    }
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const { config, problems } = parse(lines.join('\n'));
    expect(config).toEqual(defaults);
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/alias.*the file is not used/i);
  });
});
