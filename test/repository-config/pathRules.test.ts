import { instructionsFor, isPathIncluded, parseRepositoryConfig } from '../../shared/repository-config';

const configOf = (yaml: string) => {
  const { config, problems } = parseRepositoryConfig(yaml, 'test');
  expect(problems).toEqual([]);
  return config;
};

describe('isPathIncluded', () => {
  it('includes every path when there are no filters', () => {
    const config = configOf('');
    for (const path of ['/src/a.ts', '/.github/ci.yml', '/package-lock.json']) {
      expect(isPathIncluded(config, path)).toBe(true);
    }
  });

  it('with excludes only, reviews everything else', () => {
    const config = configOf('reviews:\n  path_filters: ["!**/*.lock", "!dist/**", "!**/*.generated.ts"]\n');
    expect(isPathIncluded(config, '/yarn.lock')).toBe(false);
    expect(isPathIncluded(config, '/packages/a/yarn.lock')).toBe(false);
    expect(isPathIncluded(config, '/dist/index.js')).toBe(false);
    expect(isPathIncluded(config, '/src/api.generated.ts')).toBe(false);
    expect(isPathIncluded(config, '/src/api.ts')).toBe(true);
    expect(isPathIncluded(config, '/src/dist/notes.md')).toBe(true);
  });

  it('with includes, reviews only what matches one, and an exclude wins over an include', () => {
    const config = configOf('reviews:\n  path_filters: ["src/**", "docs/*.md", "!src/legacy/**"]\n');
    expect(isPathIncluded(config, '/src/a/b.ts')).toBe(true);
    expect(isPathIncluded(config, '/docs/guide.md')).toBe(true);
    expect(isPathIncluded(config, '/docs/deep/guide.md')).toBe(false);
    expect(isPathIncluded(config, '/README.md')).toBe(false);
    expect(isPathIncluded(config, '/src/legacy/old.ts')).toBe(false);
  });

  it('matches dotted files and folders, and accepts paths and globs with or without the leading slash', () => {
    const config = configOf('reviews:\n  path_filters: ["/infra/**", "**/*.yml"]\n');
    expect(isPathIncluded(config, '/.github/workflows/ci.yml')).toBe(true);
    expect(isPathIncluded(config, 'infra/.env.example')).toBe(true);
    expect(isPathIncluded(config, '/infra/main.bicep')).toBe(true);
    expect(isPathIncluded(config, '/src/main.ts')).toBe(false);
  });
});

describe('instructionsFor', () => {
  const config = configOf(
    [
      'reviews:',
      '  path_instructions:',
      '    - path: "**/*.ts"',
      '      instructions: Types.',
      '    - path: "src/api/**"',
      '      instructions: Authorization.',
      '    - path: "**/*.test.ts"',
      '      instructions: Assertions.',
      '    - path: "src/api/**"',
      '      instructions: Input validation.',
    ].join('\n'),
  );

  it('gives every matching entry, in the order of the file', () => {
    expect(instructionsFor(config, '/src/api/users.ts').map((entry) => entry.instructions)).toEqual([
      'Types.',
      'Authorization.',
      'Input validation.',
    ]);
    expect(instructionsFor(config, '/test/users.test.ts').map((entry) => entry.instructions)).toEqual([
      'Types.',
      'Assertions.',
    ]);
  });

  it('gives nothing for a path no entry matches', () => {
    expect(instructionsFor(config, '/README.md')).toEqual([]);
  });

  it('hands back the entry, glob included, for the prompt to cite', () => {
    expect(instructionsFor(config, '/src/api/a.js')).toEqual([
      { path: 'src/api/**', instructions: 'Authorization.' },
      { path: 'src/api/**', instructions: 'Input validation.' },
    ]);
  });
});
