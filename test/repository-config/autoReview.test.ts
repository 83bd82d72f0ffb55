import { parseRepositoryConfig, reportedSeverities, shouldAutoReview } from '../../shared/repository-config';

const configOf = (yaml: string) => {
  const { config, problems } = parseRepositoryConfig(yaml, 'test');
  expect(problems).toEqual([]);
  return config;
};

const pullRequest = { isDraft: false, targetBranch: 'refs/heads/main', title: 'Add the export' };

describe('reportedSeverities', () => {
  it('chill (the default) posts high and medium findings; assertive posts low ones too', () => {
    expect(reportedSeverities(configOf(''))).toEqual(['high', 'medium']);
    expect(reportedSeverities(configOf('reviews:\n  profile: chill\n'))).toEqual(['high', 'medium']);
    expect(reportedSeverities(configOf('reviews:\n  profile: assertive\n'))).toEqual([
      'high',
      'medium',
      'low',
    ]);
  });
});

describe('shouldAutoReview', () => {
  it('reviews a published pull request by default, whatever its target', () => {
    const config = configOf('');
    expect(shouldAutoReview(config, pullRequest)).toEqual({ review: true });
    expect(shouldAutoReview(config, { ...pullRequest, targetBranch: 'refs/heads/feature/x' })).toEqual({
      review: true,
    });
  });

  it('does not when automatic reviews are off', () => {
    const decision = shouldAutoReview(
      configOf('reviews:\n  auto_review:\n    enabled: false\n'),
      pullRequest,
    );
    expect(decision).toEqual({
      review: false,
      reason: expect.stringContaining('reviews.auto_review.enabled'),
      setBy: 'enabled',
    });
  });

  it('skips drafts unless drafts is on', () => {
    const draft = { ...pullRequest, isDraft: true };
    expect(shouldAutoReview(configOf(''), draft)).toEqual({
      review: false,
      reason: expect.stringContaining('reviews.auto_review.drafts'),
      setBy: 'drafts',
    });
    expect(shouldAutoReview(configOf('reviews:\n  auto_review:\n    drafts: true\n'), draft)).toEqual({
      review: true,
    });
  });

  it('reviews only target branches that match base_branches, when it is set', () => {
    const config = configOf(
      'reviews:\n  auto_review:\n    base_branches: [main, "release/*", "refs/heads/hotfix"]\n',
    );
    for (const target of ['refs/heads/main', 'refs/heads/release/2.1', 'refs/heads/hotfix']) {
      expect(shouldAutoReview(config, { ...pullRequest, targetBranch: target })).toEqual({ review: true });
    }
    for (const target of ['refs/heads/develop', 'refs/heads/release/2.1/fix', 'refs/heads/mainline']) {
      const decision = shouldAutoReview(config, { ...pullRequest, targetBranch: target });
      expect(decision).toEqual({
        review: false,
        reason: expect.stringContaining(target.slice('refs/heads/'.length)),
        setBy: 'base_branches',
      });
    }
  });

  it('skips titles containing an ignore keyword, in any case, and says which', () => {
    const config = configOf(
      'reviews:\n  auto_review:\n    ignore_title_keywords: ["WIP", "do not review"]\n',
    );
    expect(shouldAutoReview(config, { ...pullRequest, title: '[wip] export' })).toEqual({
      review: false,
      reason: expect.stringContaining('"WIP"'),
      setBy: 'title',
    });
    expect(shouldAutoReview(config, { ...pullRequest, title: 'Export (DO NOT REVIEW yet)' })).toEqual({
      review: false,
      reason: expect.stringContaining('"do not review"'),
      setBy: 'title',
    });
    expect(shouldAutoReview(config, { ...pullRequest, title: 'Export the cache' })).toEqual({ review: true });
    // Contained, as CodeRabbit matches: not whole words.
    expect(shouldAutoReview(config, { ...pullRequest, title: 'Wipe the cache' })).toMatchObject({
      review: false,
    });
  });
});
