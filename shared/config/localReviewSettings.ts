import { z } from 'zod';
import { blankAsUnset, ConfigError, settingProblems } from './fields';
import { keyVaultShape, type KeyVaultConfig } from './keyVaultSettings';
import { llmConfigOf, llmProblems, llmSecretNameShape, llmShape, type LlmConfig } from './llmSettings';
import { limitsShape, reviewLimitsOf, type ReviewLimits } from './reviewLimits';

const localReviewSchema = z.object({ ...llmShape, ...llmSecretNameShape, ...keyVaultShape, ...limitsShape });

export interface LocalReviewConfig {
  /** Its secrets given literally, or named in Key Vault (the app's own settings, with `keyVault`). */
  llm: LlmConfig;
  keyVault?: KeyVaultConfig;
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
  return {
    llm: llmConfigOf(env),
    keyVault:
      env.KEY_VAULT_URI === undefined ? undefined : { uri: env.KEY_VAULT_URI, clientId: env.AZURE_CLIENT_ID },
    limits: reviewLimitsOf(env),
  };
}
