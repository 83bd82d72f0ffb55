import type { Severity } from '../config/reviewSettings';
import { compileGlob } from './globs';
import type { RepositoryConfig } from './repositoryConfigSchema';

/** Which findings a profile posts. chill leaves out low (nits, style, minor naming); assertive posts everything. */
const severitiesByProfile = {
  chill: ['high', 'medium'],
  assertive: ['high', 'medium', 'low'],
} as const satisfies Record<RepositoryConfig['reviews']['profile'], readonly Severity[]>;

export function reportedSeverities(config: RepositoryConfig): readonly Severity[] {
  return severitiesByProfile[config.reviews.profile];
}

/** `setBy`: which setting's condition left the pull request out; `title` is one its author controls. */
type AutoReviewDecision =
  | { review: true }
  | { review: false; reason: string; setBy: 'enabled' | 'drafts' | 'base_branches' | 'title' };

const branchName = (ref: string) => ref.replace(/^refs\/heads\//, '');

/**
 * Whether a pull request is reviewed without being asked (`review` commands are answered regardless). The reason
 * names the setting, so a team can see why and what to change.
 */
export function shouldAutoReview(
  config: RepositoryConfig,
  pullRequest: { isDraft: boolean; targetBranch: string; title: string },
): AutoReviewDecision {
  const autoReview = config.reviews.auto_review;
  if (!autoReview.enabled) {
    return {
      review: false,
      reason: 'automatic reviews are off (reviews.auto_review.enabled)',
      setBy: 'enabled',
    };
  }
  if (pullRequest.isDraft && !autoReview.drafts) {
    return {
      review: false,
      reason: 'the pull request is a draft (reviews.auto_review.drafts)',
      setBy: 'drafts',
    };
  }
  const target = branchName(pullRequest.targetBranch);
  const branches = autoReview.base_branches.map((glob) => compileGlob(branchName(glob)));
  if (branches.length > 0 && !branches.some((matches) => matches(target))) {
    return {
      review: false,
      reason: `the target branch ${target} is not in reviews.auto_review.base_branches`,
      setBy: 'base_branches',
    };
  }
  const title = pullRequest.title.toLowerCase();
  const keyword = autoReview.ignore_title_keywords.find((word) => title.includes(word.toLowerCase()));
  if (keyword !== undefined) {
    return {
      review: false,
      reason: `the title contains "${keyword}" (reviews.auto_review.ignore_title_keywords)`,
      setBy: 'title',
    };
  }
  return { review: true };
}
