import { z } from 'zod';
import { optionalPositiveInt, positiveInt } from './fields';

/**
 * How much model work one review may spend, and how it is spread: the token budget across every call of a review,
 * the calls in flight at once, the context each tier's model holds, and the price table for the cost estimate.
 */

/** USD per million tokens, per model name (a prefix matches versions: `gpt-4.1` covers `gpt-4.1-2025-04-14`). */
export type PriceOverrides = Record<string, { input: number; output: number }>;

const priceSchema = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }));

const pricesSetting = z
  .string()
  .optional()
  .transform((value, ctx): PriceOverrides | undefined => {
    if (value === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: {"<model>": {"input": 0.4, "output": 1.6}}' });
      return z.NEVER;
    }
    const result = priceSchema.safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({
        code: 'custom',
        message: 'each model needs "input" and "output" USD per million tokens',
      });
      return z.NEVER;
    }
    return result.data;
  });

const DEFAULT_TOKEN_BUDGET = 3_000_000;

export const reviewBudgetShape = {
  /** Tokens in and out across every model call of one review; unset: REVIEW_MAX_PROMPT_CHARS's, else the default. */
  REVIEW_TOKEN_BUDGET: optionalPositiveInt,
  REVIEW_CONCURRENCY: positiveInt(8),
  /** A review chunk's diff, in tokens: small enough to run many in parallel, large enough to keep files together. */
  REVIEW_CHUNK_TOKENS: positiveInt(24_000),
  /** Chunks with more diff tokens than this go to the heavy tier (as do security-sensitive paths). */
  REVIEW_HEAVY_CHUNK_TOKENS: positiveInt(48_000),
  LLM_CONTEXT_TOKENS_LIGHT: positiveInt(128_000),
  LLM_CONTEXT_TOKENS_REASONING: positiveInt(200_000),
  LLM_CONTEXT_TOKENS_HEAVY: positiveInt(200_000),
  LLM_PRICES: pricesSetting,
};

export interface ReviewBudget {
  tokenBudget: number;
  concurrency: number;
  chunkTokens: number;
  heavyChunkTokens: number;
  contextTokens: { light: number; reasoning: number; heavy: number };
  prices?: PriceOverrides;
  /** Set when the budget comes from the deprecated REVIEW_MAX_PROMPT_CHARS: the review logs a warning. */
  deprecatedPromptChars?: number;
}

/** The documented approximation of a token: 3.5 characters of code. */
const CHARS_PER_TOKEN = 3.5;

/**
 * REVIEW_MAX_PROMPT_CHARS (its default is 120000) still bounds a review for one release when it was changed and
 * REVIEW_TOKEN_BUDGET is not set: its characters (at 3.5 a token) count the diff, and the budget is three times that,
 * as triage and review both read the diff and the answers come on top. The review warns that it is deprecated.
 */
export function reviewBudgetOf(env: {
  REVIEW_TOKEN_BUDGET?: number;
  REVIEW_MAX_PROMPT_CHARS: number;
  REVIEW_CONCURRENCY: number;
  REVIEW_CHUNK_TOKENS: number;
  REVIEW_HEAVY_CHUNK_TOKENS: number;
  LLM_CONTEXT_TOKENS_LIGHT: number;
  LLM_CONTEXT_TOKENS_REASONING: number;
  LLM_CONTEXT_TOKENS_HEAVY: number;
  LLM_PRICES?: PriceOverrides;
}): ReviewBudget {
  const legacy =
    env.REVIEW_TOKEN_BUDGET === undefined && env.REVIEW_MAX_PROMPT_CHARS !== 120_000
      ? env.REVIEW_MAX_PROMPT_CHARS
      : undefined;
  return {
    tokenBudget:
      env.REVIEW_TOKEN_BUDGET ??
      (legacy === undefined ? DEFAULT_TOKEN_BUDGET : 3 * Math.ceil(legacy / CHARS_PER_TOKEN)),
    concurrency: env.REVIEW_CONCURRENCY,
    chunkTokens: env.REVIEW_CHUNK_TOKENS,
    heavyChunkTokens: env.REVIEW_HEAVY_CHUNK_TOKENS,
    contextTokens: {
      light: env.LLM_CONTEXT_TOKENS_LIGHT,
      reasoning: env.LLM_CONTEXT_TOKENS_REASONING,
      heavy: env.LLM_CONTEXT_TOKENS_HEAVY,
    },
    ...(env.LLM_PRICES === undefined ? {} : { prices: env.LLM_PRICES }),
    ...(legacy === undefined ? {} : { deprecatedPromptChars: legacy }),
  };
}
