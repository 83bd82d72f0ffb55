import fc from 'fast-check';
import { stringify } from 'yaml';
import {
  parseRepositoryConfig,
  repositoryConfigSchema,
  resolveRepositoryConfig,
} from '../../shared/repository-config';

/** Values shaped like configuration: the real keys (and some strangers) with values of any type, nested. */
const keys = fc.constantFrom(
  'language',
  'tone_instructions',
  'reviews',
  'profile',
  'path_filters',
  'path_instructions',
  'path',
  'instructions',
  'auto_review',
  'enabled',
  'drafts',
  'base_branches',
  'ignore_title_keywords',
  'status_policy',
  'fail_severity',
  'fail_threshold',
  'chat',
  'knowledge_base',
  'learnings',
  'poem',
  'tools',
  '__proto__',
  'constructor',
  'x',
);
const leaf = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant(null),
  fc.constantFrom(
    'chill',
    'assertive',
    'de-DE',
    'src/**',
    '!dist/**',
    'release/.*',
    'medium',
    'never',
    'pending',
  ),
);
const { value: yamlishValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(keys, tie('value'), { maxKeys: 6 }),
}));

const expectUsable = (text: string) => {
  const { config, problems } = parseRepositoryConfig(text, 'property');
  // The effective configuration is always a valid one, and every problem says where and why.
  expect(repositoryConfigSchema.safeParse(config).success).toBe(true);
  for (const problem of problems) {
    expect(typeof problem.key).toBe('string');
    expect(problem.message.length).toBeGreaterThan(0);
  }
};

describe('parseRepositoryConfig never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), expectUsable), { numRuns: 300 });
  });

  it('on arbitrary text made of YAML punctuation', () => {
    const yamlChars = fc.constantFrom(...': -[]{}#&*!|>\'"%@`,?\n\t  abc1'.split(''));
    fc.assert(fc.property(fc.string({ unit: yamlChars, maxLength: 200 }), expectUsable), { numRuns: 300 });
  });

  it('on arbitrary configuration-shaped objects, alone and as both layers', () => {
    fc.assert(
      fc.property(yamlishValue, (value) => {
        const text = stringify(value);
        expectUsable(text);
        resolveRepositoryConfig({
          organizationYaml: text,
          repositoryYaml: text,
          appDefaults: { reviewDrafts: false, failSeverity: 'never', failThreshold: 1 },
        });
      }),
      { numRuns: 300 },
    );
  });

  it('leaves the configuration as written when every value in it is valid', () => {
    const validFile = fc.record(
      {
        language: fc.constantFrom('en-US', 'de-DE', 'pt-BR'),
        reviews: fc.record(
          {
            profile: fc.constantFrom('chill', 'assertive'),
            path_filters: fc.array(fc.constantFrom('src/**', '!dist/**', '**/*.md')),
            status_policy: fc.record(
              {
                fail_severity: fc.constantFrom('never', 'high'),
                fail_threshold: fc.integer({ min: 1, max: 9 }),
              },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(validFile, (file) => {
        const { config, problems } = parseRepositoryConfig(stringify(file), 'property');
        expect(problems).toEqual([]);
        expect(config).toMatchObject(file);
      }),
      { numRuns: 200 },
    );
  });
});
