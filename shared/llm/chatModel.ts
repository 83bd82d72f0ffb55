import type { z } from 'zod';

/**
 * What a call needs from the model: `light` for summaries, triage and chat; `reasoning` for ordinary review; `heavy`
 * for hard or large changes. Each provider maps a tier to its models (with fallbacks).
 */
export const modelTiers = ['light', 'reasoning', 'heavy'] as const;
export type ModelTier = (typeof modelTiers)[number];

/** Each tier's first model (of the configured order), whose tokenizer and price a review counts with. */
export const firstModels = (
  tiers: Record<ModelTier, readonly { name: string }[]>,
): Partial<Record<ModelTier, string>> =>
  Object.fromEntries(modelTiers.map((tier) => [tier, tiers[tier][0]?.name]));

export interface StructuredRequest<T> {
  system: string;
  user: string;
  /** Validates the model's answer; also sent to the provider as the JSON schema to follow. */
  schema: z.ZodType<T>;
  schemaName: string;
  /** Which kind of model answers; `reasoning` when not given. */
  tier?: ModelTier;
}

/** One interface for every LLM provider: a prompt in, a validated structured answer out. */
export interface ChatModel {
  completeStructured<T>(request: StructuredRequest<T>): Promise<T>;
}

/**
 * What one answered call cost, as the provider reported it: for `check-llm` today, for cost accounting later.
 * Token counts are undefined when the provider sent none.
 */
export interface ModelUsage {
  provider: string;
  tier: ModelTier;
  /** The model or deployment that answered (after any fallback). */
  model: string;
  /** Wall time of the call, retries and fallbacks included. */
  latencyMs: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Part of outputTokens, for reasoning models. */
  reasoningTokens?: number;
}

export type UsageSink = (usage: ModelUsage) => void;

export class ModelOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelOutputError';
  }
}
