import { z } from 'zod';
import type { ModelTier } from '../model-tiers/modelTiers';
import { booleanSetting, optionalString, positiveInt } from './fields';
import type { ReviewBudget } from './reviewBudgetSettings';
import type { ReviewLimits } from './reviewLimits';
import type { ReviewSafetySettings } from './reviewSafetySettings';

/**
 * Everything one review is run with, resolved: built only here, from the settings the environment gave (the app's
 * or review-local's), and required whole by the review core, which restates no default. The repository's
 * `.ado-reviewer.yaml` adjusts it through `withRepositoryPolicy` where it may.
 */

/** How serious a finding is, most serious first. */
export const severities = ['high', 'medium', 'low'] as const;
export type Severity = (typeof severities)[number];

/** The least serious finding that fails the merge gate; `never` only informs. */
export type FailSeverity = 'never' | Severity;

/** How a review's outcome becomes the pull request's status (REVIEW_FAIL_*, REVIEW_STATUS_*, REVIEW_DRAFTS …). */
export interface ReviewPolicy {
  reviewDrafts: boolean;
  /** The status fails when at least `failThreshold` findings are of `failSeverity` or worse; `never` only informs. */
  failSeverity: FailSeverity;
  failThreshold: number;
  statusContext: { genre: string; name: string };
  /** Other bots whose comments and pull requests are ignored (the app's own identity always is). */
  ignoredIdentityIds: string[];
}

export const reviewPolicyShape = {
  REVIEW_DRAFTS: booleanSetting(false),
  REVIEW_FAIL_SEVERITY: z.enum(['never', 'high', 'medium', 'low']).default('never'),
  REVIEW_FAIL_THRESHOLD: positiveInt(1),
  REVIEW_STATUS_GENRE: optionalString.transform((value) => value ?? 'ado-reviewer'),
  REVIEW_STATUS_NAME: optionalString.transform((value) => value ?? 'review'),
  IGNORED_IDENTITY_IDS: optionalString.transform((value) =>
    (value ?? '')
      .split(',')
      .map((id) => id.trim().toLowerCase())
      .filter((id) => id !== ''),
  ),
};

export function reviewPolicyOf(env: {
  REVIEW_DRAFTS: boolean;
  REVIEW_FAIL_SEVERITY: FailSeverity;
  REVIEW_FAIL_THRESHOLD: number;
  REVIEW_STATUS_GENRE: string;
  REVIEW_STATUS_NAME: string;
  IGNORED_IDENTITY_IDS: string[];
}): ReviewPolicy {
  return {
    reviewDrafts: env.REVIEW_DRAFTS,
    failSeverity: env.REVIEW_FAIL_SEVERITY,
    failThreshold: env.REVIEW_FAIL_THRESHOLD,
    statusContext: { genre: env.REVIEW_STATUS_GENRE, name: env.REVIEW_STATUS_NAME },
    ignoredIdentityIds: env.IGNORED_IDENTITY_IDS,
  };
}

export interface ReviewSettings {
  /** What a review reads: files, and bytes a file (the diff text it collects follows the budget: maxDiffCharsOf). */
  collection: { maxFiles: number; maxFileBytes: number };
  budget: ReviewBudget;
  /** Each tier's first model, whose tokenizer and price a review counts with ('' when unknown: approximated). */
  models: Record<ModelTier, string>;
  /** LLM_MAX_OUTPUT_TOKENS: kept free of each call's context for the answer. */
  maxOutputTokens: number;
  /** What bounds the model's input and output; links into `orgUrl` stay links in posted text. */
  safety: ReviewSafetySettings & { orgUrl?: string };
  policy: ReviewPolicy;
  team: { organizationYaml?: string; learningsEnabled: boolean };
}

/**
 * The diff text a review collects: what the budget could ever show. Triage and review both read it, at about 3.5
 * characters a token, so two characters per budget token is more than the budget can use.
 */
const DIFF_CHARS_PER_BUDGET_TOKEN = 2;

export const maxDiffCharsOf = (budget: Pick<ReviewBudget, 'tokenBudget'>) =>
  DIFF_CHARS_PER_BUDGET_TOKEN * budget.tokenBudget;

/** The review settings as the environment gave them (AppConfig.review, or review-local's). */
type ReviewEnvironment = Omit<ReviewLimits, 'maxPromptChars'> &
  ReviewBudget &
  ReviewSafetySettings &
  ReviewPolicy & { organizationConfigYaml?: string; learningsEnabled: boolean };

export function reviewSettingsOf(
  review: ReviewEnvironment,
  llm: { tiers: Record<ModelTier, readonly { name: string }[]>; maxOutputTokens: number },
  orgUrl?: string,
): ReviewSettings {
  return {
    collection: { maxFiles: review.maxFiles, maxFileBytes: review.maxFileBytes },
    budget: {
      tokenBudget: review.tokenBudget,
      concurrency: review.concurrency,
      chunkTokens: review.chunkTokens,
      heavyChunkTokens: review.heavyChunkTokens,
      contextTokens: review.contextTokens,
      ...(review.prices === undefined ? {} : { prices: review.prices }),
      ...(review.deprecatedPromptChars === undefined
        ? {}
        : { deprecatedPromptChars: review.deprecatedPromptChars }),
    },
    models: {
      light: llm.tiers.light[0]?.name ?? '',
      reasoning: llm.tiers.reasoning[0]?.name ?? '',
      heavy: llm.tiers.heavy[0]?.name ?? '',
    },
    maxOutputTokens: llm.maxOutputTokens,
    safety: {
      maxFindings: review.maxFindings,
      secretFilePatterns: review.secretFilePatterns,
      ...(orgUrl === undefined ? {} : { orgUrl }),
    },
    policy: {
      reviewDrafts: review.reviewDrafts,
      failSeverity: review.failSeverity,
      failThreshold: review.failThreshold,
      statusContext: review.statusContext,
      ignoredIdentityIds: review.ignoredIdentityIds,
    },
    team: {
      ...(review.organizationConfigYaml === undefined
        ? {}
        : { organizationYaml: review.organizationConfigYaml }),
      learningsEnabled: review.learningsEnabled,
    },
  };
}

/** The repository's `reviews.status_policy` in place of REVIEW_FAIL_SEVERITY/THRESHOLD (which are its defaults). */
export const withRepositoryPolicy = (
  settings: ReviewSettings,
  statusPolicy: { fail_severity: FailSeverity; fail_threshold: number },
): ReviewSettings => ({
  ...settings,
  policy: {
    ...settings.policy,
    failSeverity: statusPolicy.fail_severity,
    failThreshold: statusPolicy.fail_threshold,
  },
});
