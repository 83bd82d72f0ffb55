import { parseRepositoryConfig } from '../../shared/repository-config';

/**
 * A `.coderabbit.yaml` of the shape CodeRabbit's documentation shows (written for this test, not copied): a team
 * renaming theirs to `.ado-reviewer.yaml` gets the keys both tools share, and the rest is reported as ignored.
 */
const codeRabbitFile = `# yaml-language-server: $schema=https://coderabbit.ai/integrations/schema.v2.json
language: "de-DE"
tone_instructions: "Sachlich und knapp."
early_access: false
enable_free_tier: true
inheritance: true
reviews:
  profile: "assertive"
  request_changes_workflow: true
  high_level_summary: true
  high_level_summary_placeholder: "@coderabbitai summary"
  auto_title_placeholder: "@coderabbitai"
  review_status: true
  commit_status: true
  collapse_walkthrough: true
  changed_files_summary: true
  sequence_diagrams: false
  poem: false
  labeling_instructions:
    - label: "backend"
      instructions: "Changes under services/"
  path_filters:
    - "!**/*.lock"
    - "!dist/**"
  path_instructions:
    - path: "services/**/*.cs"
      instructions: |
        Check that every public endpoint validates its input.
        Flag blocking calls in async methods.
    - path: "**/*.test.ts"
      instructions: "Tests must assert behaviour, not implementation."
  abort_on_close: true
  auto_review:
    enabled: true
    auto_incremental_review: true
    ignore_title_keywords: ["WIP", "DO NOT REVIEW"]
    labels: ["!skip-review"]
    drafts: false
    base_branches: ["develop", "release/*"]
    ignore_usernames: ["renovate[bot]"]
  finishing_touches:
    docstrings:
      enabled: false
  tools:
    eslint:
      enabled: true
    gitleaks:
      enabled: true
chat:
  auto_reply: true
  integrations:
    jira:
      usage: auto
knowledge_base:
  opt_out: false
  web_search:
    enabled: true
  learnings:
    scope: local
  pull_requests:
    scope: auto
code_generation:
  docstrings:
    language: de-DE
`;

describe("CodeRabbit's file shape", () => {
  const { config, problems, ignored } = parseRepositoryConfig(codeRabbitFile, '.ado-reviewer.yaml');

  it('is accepted without a problem', () => {
    expect(problems).toEqual([]);
  });

  it('applies the keys both tools share', () => {
    expect(config.language).toBe('de-DE');
    expect(config.tone_instructions).toBe('Sachlich und knapp.');
    expect(config.reviews.profile).toBe('assertive');
    expect(config.reviews.collapse_walkthrough).toBe(true);
    expect(config.reviews.path_filters).toEqual(['!**/*.lock', '!dist/**']);
    expect(config.reviews.path_instructions.map((entry) => entry.path)).toEqual([
      'services/**/*.cs',
      '**/*.test.ts',
    ]);
    expect(config.reviews.path_instructions[0].instructions).toContain('Flag blocking calls');
    expect(config.reviews.auto_review).toEqual({
      enabled: true,
      drafts: false,
      base_branches: ['develop', 'release/*'],
      ignore_title_keywords: ['WIP', 'DO NOT REVIEW'],
    });
    expect(config.chat.auto_reply).toBe(true);
  });

  it('lists what it does not act on, by key and line', () => {
    const lines = codeRabbitFile.split('\n');
    const keys = ignored.map((entry) => entry.key);
    expect(keys).toEqual([
      'early_access',
      'enable_free_tier',
      'inheritance',
      'reviews.request_changes_workflow',
      'reviews.high_level_summary_placeholder',
      'reviews.auto_title_placeholder',
      'reviews.review_status',
      'reviews.commit_status',
      'reviews.changed_files_summary',
      'reviews.sequence_diagrams',
      'reviews.poem',
      'reviews.labeling_instructions',
      'reviews.abort_on_close',
      'reviews.auto_review.auto_incremental_review',
      'reviews.auto_review.labels',
      'reviews.auto_review.ignore_usernames',
      'reviews.finishing_touches',
      'reviews.tools',
      'chat.integrations',
      'knowledge_base.opt_out',
      'knowledge_base.web_search',
      'knowledge_base.learnings.scope',
      'knowledge_base.pull_requests',
      'code_generation',
    ]);
    for (const entry of ignored) {
      const leaf = entry.key.split('.').at(-1) as string;
      expect(lines[(entry.line as number) - 1].trim().startsWith(`${leaf}:`)).toBe(true);
    }
  });
});
