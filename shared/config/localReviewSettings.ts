import { z } from 'zod';
import { blankAsUnset, ConfigError, settingProblems } from './fields';
import { llmConfigOf, llmProblems, llmShape, type LlmConfig } from './llmSettings';
import { limitsShape, reviewLimitsOf, type ReviewLimits } from './reviewLimits';

const localReviewSchema = z.object({ ...llmShape, ...limitsShape });

export interface LocalReviewConfig {
  /** Its secrets are given literally (no Key Vault on a developer's machine). */
  llm: LlmConfig;
  limits: ReviewLimits;
}

/**
 * The settings a review of a local branch needs (`ado-reviewer review-local`, `check-llm`): the model and the limits,
 * with the app's meanings and defaults. The model's required settings are checked only when `model` is true (a dry
 * run calls none). Throws ConfigError naming every problem.
 */
export function parseLocalReviewConfig(source: NodeJS.ProcessEnv, { model = true } = {}): LocalReviewConfig {
  const present = blankAsUnset(source);
  const result = localReviewSchema.safeParse(present);
  const problems = [
    ...(result.success ? [] : settingProblems(result.error)),
    ...(model ? llmProblems(present) : []),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const env = result.data;
  return { llm: llmConfigOf(env), limits: reviewLimitsOf(env) };
}
