import { parseLocalReviewConfig, type ReviewSettings } from '../../shared/config';

/** What a test changes of the review settings: any field of any group. */
export type ReviewSettingsOverrides = { [Group in keyof ReviewSettings]?: Partial<ReviewSettings[Group]> };

/**
 * The review settings a test runs with: the app's own defaults (as the environment with nothing set resolves
 * them), with no known model per tier (the scripted models have no tokenizer: tokens are approximated), and the
 * test's overrides, group by group.
 */
export function reviewSettings(overrides: ReviewSettingsOverrides = {}): ReviewSettings {
  const defaults = parseLocalReviewConfig({}, { model: false }).review;
  const base: ReviewSettings = { ...defaults, models: { light: '', reasoning: '', heavy: '' } };
  const merged = { ...base } as Record<keyof ReviewSettings, unknown>;
  for (const group of Object.keys(overrides) as (keyof ReviewSettings)[]) {
    const value = overrides[group];
    const current = base[group];
    merged[group] =
      typeof current === 'object' && current !== null && !Array.isArray(current)
        ? { ...current, ...(value as object) }
        : value;
  }
  return merged as ReviewSettings;
}
