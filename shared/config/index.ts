/** The settings, by concern: the app's (appSettings), the model's, the review limits, Key Vault's, review-local's. */
export * from './appSettings';
export { ConfigError, type SecretSource } from './fields';
export { getKeyVaultConfig, parseKeyVaultConfig } from './keyVaultSettings';
export {
  literalSecretValues,
  llmEndpointHost,
  type LlmConfig,
  type ModelChoice,
  type TierMap,
} from './llmSettings';
export {
  reviewSettingsOf,
  type FailSeverity,
  type ReviewPolicy,
  type ReviewSettings,
} from './reviewSettings';
export { parseLocalReviewConfig, type LocalReviewConfig } from './localReviewSettings';
