import type { z } from 'zod';
import type { ModelTier } from '../model-tiers/modelTiers';

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
