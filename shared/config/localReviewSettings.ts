import { z } from 'zod';
import { blankAsUnset, ConfigError, settingProblems } from './fields';
import { keyVaultShape, type KeyVaultConfig } from './keyVaultSettings';
import { llmConfigOf, llmProblems, llmSecretNameShape, llmShape, type LlmConfig } from './llmSettings';
import { reviewBudgetOf, reviewBudgetShape } from './reviewBudgetSettings';
import { limitsShape, reviewLimitsOf } from './reviewLimits';
import { reviewSafetyOf, reviewSafetyShape } from './reviewSafetySettings';
import { reviewPolicyOf, reviewPolicyShape, reviewSettingsOf, type ReviewSettings } from './reviewSettings';
import { teamSettingsOf, teamSettingsShape } from './teamSettings';

const localReviewSchema = z.object({
  ...llmShape,
  ...llmSecretNameShape,
  ...keyVaultShape,
  ...limitsShape,
  ...reviewBudgetShape,
  ...reviewSafetyShape,
  // A local review posts no status: the policy takes its defaults, read only so the settings are whole.
  ...reviewPolicyShape,
  // The organization's file; learnings and metrics are read as the app reads them, but a local branch has none.
  ...teamSettingsShape,
});

export interface LocalReviewConfig {
  /** Its secrets given literally, or named in Key Vault (the app's own settings, with `keyVault`). */
  llm: LlmConfig;
  keyVault?: KeyVaultConfig;
  /** The file limits, the pipeline's budget and the safety settings, with the app's meanings and defaults. */
  review: ReviewSettings;
}

/**
 * The settings a review of a local branch needs (`ado-reviewer review-local`, `check-llm`): the model, the limits
 * and budget, the safety settings and the organization's configuration, with the app's meanings and defaults. The
 * model's required settings are checked only when `model` is true (a dry run calls none). Throws ConfigError
 * naming every problem.
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
  const llm = llmConfigOf(env);
  return {
    llm,
    keyVault:
      env.KEY_VAULT_URI === undefined ? undefined : { uri: env.KEY_VAULT_URI, clientId: env.AZURE_CLIENT_ID },
    review: reviewSettingsOf(
      {
        ...reviewLimitsOf(env),
        ...reviewBudgetOf(env),
        ...reviewSafetyOf(env),
        ...reviewPolicyOf(env),
        ...teamSettingsOf(env),
      },
      llm,
    ),
  };
}
