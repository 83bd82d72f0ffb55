/** A repository's `.ado-reviewer.yaml`: schema, parsing, layers, and the decisions a review takes from it. */
export { isPathIncluded, instructionsFor } from './pathRules';
export { reportedSeverities, shouldAutoReview } from './autoReview';
export {
  parseRepositoryConfig,
  readRepositoryConfigLayer,
  type ConfigProblem,
} from './parseRepositoryConfig';
export {
  mergeLayers,
  ORGANIZATION_CONFIG_SOURCE,
  resolveRepositoryConfig,
  type RepositoryConfigAppDefaults,
  type ResolvedRepositoryConfig,
} from './resolveRepositoryConfig';
export {
  REPOSITORY_CONFIG_FILE,
  repositoryConfigSchema,
  type RepositoryConfig,
} from './repositoryConfigSchema';
export { JSON_SCHEMA_PATH, repositoryConfigJsonSchema } from './jsonSchema';
