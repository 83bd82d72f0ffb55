import { z } from 'zod';
import { booleanSetting } from './fields';

/**
 * How teams steer the reviewer, app-wide: the organization's default `.ado-reviewer.yaml` (as YAML in a setting),
 * whether the reviewer keeps learnings, and whether each review logs its metrics event. The YAML is not validated
 * here: a broken organization file costs its keys (reported with the review), never the app's start.
 */

export const teamSettingsShape = {
  /** The organization layer of the repository configuration; `YAML_CONFIG` is CodeRabbit's name for it. */
  REVIEW_ORGANIZATION_CONFIG: z.string().optional(),
  YAML_CONFIG: z.string().optional(),
  /** CodeRabbit's name; a repository can still turn learnings off (knowledge_base.learnings.enabled). */
  ENABLE_LEARNINGS: booleanSetting(true),
  ENABLE_METRICS: booleanSetting(false),
};

export interface TeamSettings {
  /** YAML of the organization-wide configuration, when set (REVIEW_ORGANIZATION_CONFIG, else YAML_CONFIG). */
  organizationConfigYaml?: string;
  learningsEnabled: boolean;
  metricsEnabled: boolean;
}

export function teamSettingsOf(env: {
  REVIEW_ORGANIZATION_CONFIG?: string;
  YAML_CONFIG?: string;
  ENABLE_LEARNINGS: boolean;
  ENABLE_METRICS: boolean;
}): TeamSettings {
  return {
    organizationConfigYaml: env.REVIEW_ORGANIZATION_CONFIG ?? env.YAML_CONFIG,
    learningsEnabled: env.ENABLE_LEARNINGS,
    metricsEnabled: env.ENABLE_METRICS,
  };
}
