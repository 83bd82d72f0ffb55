import { z } from 'zod';
import { blankAsUnset, ConfigError, optionalString, settingProblems } from './fields';
import { llmSettingsOf, llmShape, type LlmSettings } from './llmSettings';
import { limitsShape, reviewLimitsOf, type ReviewLimits } from './reviewLimits';

const localReviewSchema = z.object({
  ...llmShape,
  ...limitsShape,
  OPENAI_API_KEYS: optionalString,
});

export interface LocalReviewConfig {
  llm: LlmSettings;
  /** Literal and comma-separated; only needed when the model is called. */
  apiKeys?: string;
  limits: ReviewLimits;
}

/**
 * The settings a review of a local branch needs (`ado-reviewer review-local`): the model and the limits, with the
 * app's meanings and defaults, and the API keys given literally. Throws ConfigError naming every problem.
 */
export function parseLocalReviewConfig(source: NodeJS.ProcessEnv): LocalReviewConfig {
  const result = localReviewSchema.safeParse(blankAsUnset(source));
  if (!result.success) throw new ConfigError(settingProblems(result.error));
  const env = result.data;
  return { apiKeys: env.OPENAI_API_KEYS, llm: llmSettingsOf(env), limits: reviewLimitsOf(env) };
}
