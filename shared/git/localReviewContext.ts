import type { RepositoryConfigAppDefaults } from '../repository-config';
import { buildReviewContext, type ReviewContext } from '../review/context/reviewContext';
import type { LocalReview } from './localGitPlatform';

/**
 * A local branch's team context, read as a pull request's is: `.ado-reviewer.yaml` at the target's tip (`--base`),
 * over the organization's file. A local branch has no learnings and no linked work items: none.
 */

/** A local review sets no status and has no draft, so the app defaults a repository file may override decide nothing. */
const LOCAL_APP_DEFAULTS: RepositoryConfigAppDefaults = {
  reviewDrafts: true,
  failSeverity: 'never',
  failThreshold: 1,
};

const NO_LEARNINGS = { readLearnings: () => Promise.resolve([]) };

export function localReviewContext(
  local: LocalReview,
  organizationYaml: string | undefined,
  log: { warn(message: string): void },
): Promise<ReviewContext> {
  return buildReviewContext(
    local.platform,
    NO_LEARNINGS,
    local.ref,
    local.iteration,
    { organizationYaml, learningsEnabled: false, appDefaults: LOCAL_APP_DEFAULTS },
    log,
  );
}
