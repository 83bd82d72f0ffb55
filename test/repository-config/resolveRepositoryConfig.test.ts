import {
  mergeLayers,
  ORGANIZATION_CONFIG_SOURCE,
  repositoryConfigSchema,
  resolveRepositoryConfig,
  type RepositoryConfigAppDefaults,
} from '../../shared/repository-config';

const appDefaults: RepositoryConfigAppDefaults = {
  reviewDrafts: true,
  failSeverity: 'high',
  failThreshold: 2,
};

const organizationYaml = [
  'language: de-DE',
  'tone_instructions: Freundlich.',
  'reviews:',
  '  profile: assertive',
  '  path_filters: ["!**/*.lock", "!vendor/**"]',
  '  auto_review:',
  '    ignore_title_keywords: [WIP]',
  '  status_policy:',
  '    fail_severity: medium',
].join('\n');

describe('resolveRepositoryConfig', () => {
  it('with no files, is the defaults with the app settings in place', () => {
    const { config, problems } = resolveRepositoryConfig({ appDefaults });
    const defaults = repositoryConfigSchema.parse({});
    expect(problems).toEqual([]);
    expect(config).toEqual({
      ...defaults,
      reviews: {
        ...defaults.reviews,
        auto_review: { ...defaults.reviews.auto_review, drafts: true },
        status_policy: { fail_severity: 'high', fail_threshold: 2 },
      },
    });
  });

  it('puts the organization file over the app settings, and the repository file over both', () => {
    const repositoryYaml = [
      'language: en-US',
      'reviews:',
      '  path_filters: ["src/**"]',
      '  auto_review:',
      '    drafts: false',
      '  status_policy:',
      '    fail_threshold: 5',
    ].join('\n');
    const { config } = resolveRepositoryConfig({ organizationYaml, repositoryYaml, appDefaults });
    expect(config.language).toBe('en-US'); // repository
    expect(config.tone_instructions).toBe('Freundlich.'); // organization, the repository does not say
    expect(config.reviews.profile).toBe('assertive'); // organization
    // Objects merge key by key across all three layers.
    expect(config.reviews.status_policy).toEqual({ fail_severity: 'medium', fail_threshold: 5 });
    expect(config.reviews.auto_review).toMatchObject({ drafts: false, ignore_title_keywords: ['WIP'] });
    // A list is replaced, not concatenated.
    expect(config.reviews.path_filters).toEqual(['src/**']);
  });

  it("lets a repository drop the organization's list with an empty one", () => {
    const { config } = resolveRepositoryConfig({
      organizationYaml,
      repositoryYaml: 'reviews:\n  path_filters: []\n',
      appDefaults,
    });
    expect(config.reviews.path_filters).toEqual([]);
  });

  it('an invalid repository value falls back to the layer below, not to the built-in default', () => {
    const { config, problems } = resolveRepositoryConfig({
      organizationYaml,
      repositoryYaml: 'reviews:\n  profile: loud\n  status_policy:\n    fail_severity: 3\n',
      appDefaults,
    });
    expect(config.reviews.profile).toBe('assertive');
    expect(config.reviews.status_policy.fail_severity).toBe('medium');
    expect(problems.map(({ source, key, line }) => ({ source, key, line }))).toEqual([
      { source: '.ado-reviewer.yaml', key: 'reviews.profile', line: 2 },
      { source: '.ado-reviewer.yaml', key: 'reviews.status_policy.fail_severity', line: 4 },
    ]);
  });

  it('an unparsable organization file costs only that layer, and its problems come first', () => {
    const { config, problems, ignored } = resolveRepositoryConfig({
      organizationYaml: 'reviews: [unclosed\n',
      repositoryYaml: 'early_access: true\nreviews:\n  profile: assertive\n  nope: 1\n',
      appDefaults,
    });
    expect(config.reviews.profile).toBe('assertive');
    expect(config.reviews.status_policy.fail_severity).toBe('high');
    expect(problems.map((problem) => problem.source)).toEqual([
      ORGANIZATION_CONFIG_SOURCE,
      '.ado-reviewer.yaml',
    ]);
    expect(problems[1].key).toBe('reviews.nope');
    expect(ignored).toEqual([{ source: '.ado-reviewer.yaml', key: 'early_access', line: 1 }]);
  });
});

describe('mergeLayers', () => {
  it('merges objects key by key and replaces everything else', () => {
    expect(
      mergeLayers(
        {
          language: 'de-DE',
          reviews: { profile: 'assertive', path_filters: ['a'], auto_review: { drafts: true } },
        },
        { reviews: { path_filters: ['b'], auto_review: { enabled: false } } },
      ),
    ).toEqual({
      language: 'de-DE',
      reviews: { profile: 'assertive', path_filters: ['b'], auto_review: { drafts: true, enabled: false } },
    });
  });

  it('leaves both inputs as they were', () => {
    const under = { reviews: { auto_review: { drafts: true } } };
    const over = { reviews: { auto_review: { enabled: false } } };
    mergeLayers(under, over);
    expect(under).toEqual({ reviews: { auto_review: { drafts: true } } });
    expect(over).toEqual({ reviews: { auto_review: { enabled: false } } });
  });
});
