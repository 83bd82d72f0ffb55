import type { AppConfig } from '../config';
import {
  readRepositoryConfigLayer,
  type ConfigLayerReading,
  type ConfigProblem,
  type IgnoredKey,
} from './parseRepositoryConfig';
import {
  REPOSITORY_CONFIG_FILE,
  repositoryConfigSchema,
  type RepositoryConfig,
  type RepositoryConfigLayer,
} from './repositoryConfigSchema';

/**
 * The configuration a review uses, from three layers, each over the one before: the app settings' defaults, the
 * organization-wide default file, the repository's `.ado-reviewer.yaml`. Objects merge key by key; a list (path
 * filters, path instructions, branches, keywords) is replaced as a whole, so a repository can drop an organization
 * entry without a syntax for removing one.
 */

export const ORGANIZATION_CONFIG_SOURCE = 'organization configuration';

/** The app settings a repository file may override. */
export type RepositoryConfigAppDefaults = Pick<
  AppConfig['review'],
  'reviewDrafts' | 'failSeverity' | 'failThreshold'
>;

export interface ResolvedRepositoryConfig {
  config: RepositoryConfig;
  /** Organization problems first, then the repository's; each names its source. */
  problems: ConfigProblem[];
  ignored: IgnoredKey[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `over`'s keys win; objects on both sides merge, anything else (lists included) is replaced. */
export function mergeLayers(
  under: RepositoryConfigLayer,
  over: RepositoryConfigLayer,
): RepositoryConfigLayer {
  const merge = (base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> => {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(top)) {
      const below = merged[key];
      merged[key] = isRecord(below) && isRecord(value) ? merge(below, value) : value;
    }
    return merged;
  };
  return merge(under, over);
}

const appLayer = (defaults: RepositoryConfigAppDefaults): RepositoryConfigLayer => ({
  reviews: {
    auto_review: { drafts: defaults.reviewDrafts },
    status_policy: { fail_severity: defaults.failSeverity, fail_threshold: defaults.failThreshold },
  },
});

const noLayer: ConfigLayerReading = { layer: {}, problems: [], ignored: [] };

export function resolveRepositoryConfig(input: {
  organizationYaml?: string;
  repositoryYaml?: string;
  appDefaults: RepositoryConfigAppDefaults;
}): ResolvedRepositoryConfig {
  const organization =
    input.organizationYaml === undefined
      ? noLayer
      : readRepositoryConfigLayer(input.organizationYaml, ORGANIZATION_CONFIG_SOURCE);
  const repository =
    input.repositoryYaml === undefined
      ? noLayer
      : readRepositoryConfigLayer(input.repositoryYaml, REPOSITORY_CONFIG_FILE);
  const layered = mergeLayers(mergeLayers(appLayer(input.appDefaults), organization.layer), repository.layer);
  return {
    config: repositoryConfigSchema.parse(layered),
    problems: [...organization.problems, ...repository.problems],
    ignored: [...organization.ignored, ...repository.ignored],
  };
}
