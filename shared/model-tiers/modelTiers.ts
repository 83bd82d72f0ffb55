/**
 * What the app knows of models, apart from any client or setting: the tiers a call asks for, which OpenAI models
 * are reasoning models, and each provider's default model per tier. It imports nothing, so that the settings
 * (shared/config) resolve the tier map without loading a model client.
 */

/**
 * What a call needs from the model: `light` for summaries, triage and chat; `reasoning` for ordinary review; `heavy`
 * for hard or large changes. Each provider maps a tier to its models (with fallbacks).
 */
export const modelTiers = ['light', 'reasoning', 'heavy'] as const;
export type ModelTier = (typeof modelTiers)[number];

/** On OpenAI the family shows in the model name (gpt-5-chat is the gpt-5 that is not a reasoning model). */
export const isReasoningModelName = (model: string) => /^(o\d|gpt-5(?!.*-chat))/i.test(model);

export const OPENAI_DEFAULT_MODELS: Record<ModelTier, string> = {
  light: 'gpt-4.1-mini',
  reasoning: 'o4-mini',
  heavy: 'o3',
};

/** Inference-profile ids: the newer Anthropic models are served on demand only through one. */
export const BEDROCK_DEFAULT_MODELS: Record<ModelTier, string> = {
  light: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
  reasoning: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
  heavy: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
};
