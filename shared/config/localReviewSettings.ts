import { z } from 'zod';
import { blankAsUnset, ConfigError, settingProblems } from './fields';
import { keyVaultShape, type KeyVaultConfig } from './keyVaultSettings';
import { llmConfigOf, llmProblems, llmSecretNameShape, llmShape, type LlmConfig } from './llmSettings';
import { reviewBudgetOf, reviewBudgetShape, type ReviewBudget } from './reviewBudgetSettings';
import { limitsShape, reviewLimitsOf, type ReviewLimits } from './reviewLimits';
import { reviewSafetyOf, reviewSafetyShape, type ReviewSafetySettings } from './reviewSafetySettings';
import { teamSettingsShape } from './teamSettings';

const localReviewSchema = z.object({
  ...llmShape,
  ...llmSecretNameShape,
  ...keyVaultShape,
  ...limitsShape,
  ...reviewBudgetShape,
  ...reviewSafetyShape,
  // Only the organization's file: learnings and metrics do not exist for a local branch.
  REVIEW_ORGANIZATION_CONFIG: teamSettingsShape.REVIEW_ORGANIZATION_CONFIG,
  YAML_CONFIG: teamSettingsShape.YAML_CONFIG,
});

export interface LocalReviewConfig {
  /** Its secrets given literally, or named in Key Vault (the app's own settings, with `keyVault`). */
  llm: LlmConfig;
  keyVault?: KeyVaultConfig;
  /** The file limits and the pipeline's budget (REVIEW_TOKEN_BUDGET and its neighbours), as the app reads them. */
  limits: ReviewLimits & ReviewBudget;
  safety: ReviewSafetySettings;
  /** The organization-wide `.ado-reviewer.yaml` (REVIEW_ORGANIZATION_CONFIG, else YAML_CONFIG), when set. */
  organizationConfigYaml?: string;
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
  return {
    llm: llmConfigOf(env),
    keyVault:
      env.KEY_VAULT_URI === undefined ? undefined : { uri: env.KEY_VAULT_URI, clientId: env.AZURE_CLIENT_ID },
    limits: { ...reviewLimitsOf(env), ...reviewBudgetOf(env) },
    safety: reviewSafetyOf(env),
    organizationConfigYaml: env.REVIEW_ORGANIZATION_CONFIG ?? env.YAML_CONFIG,
  };
}
