import type { ConcurrencyLimit } from '../../concurrency/concurrencyLimit';
import type { ChatModel, ModelTier } from '../../llm/chatModel';

/** What every model stage of the review pipeline is given: the model, its tiers' limits, and the shared gate. */
export interface StageContext {
  model: ChatModel;
  /** Calls in flight across all stages of one review (REVIEW_CONCURRENCY). */
  limit: ConcurrencyLimit;
  /** Tokens of `text` for the tier's model: its real tokenizer, or the documented approximation. */
  count: (tier: ModelTier, text: string) => number;
  /** The model context per tier (LLM_CONTEXT_TOKENS_*), prompt and answer together. */
  contextTokens: Record<ModelTier, number>;
  /** LLM_MAX_OUTPUT_TOKENS: what each call keeps free of its context for the answer. */
  maxOutputTokens: number;
  /** Errors that end the review's work (a lost lock, the job's deadline) instead of failing one call. */
  isFatal: (error: unknown) => boolean;
}

/** Room for the prompt in a context of `contextTokens` once the answer's share is kept free. */
export const roomForPrompt = (contextTokens: number, maxOutputTokens: number) =>
  contextTokens - Math.min(maxOutputTokens, contextTokens / 2);

/** Room for the prompt in a tier's context once the answer's share is kept free. */
export const promptRoom = (context: StageContext, tier: ModelTier) =>
  roomForPrompt(context.contextTokens[tier], context.maxOutputTokens);

/** The call under the shared limit, tried twice unless the error is fatal; undefined when both tries failed. */
export async function callWithRetry<T>(
  context: StageContext,
  call: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let error: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    const release = await context.limit.acquire();
    try {
      return { ok: true, value: await call() };
    } catch (caught) {
      if (context.isFatal(caught)) throw caught;
      error = caught;
    } finally {
      release();
    }
  }
  return { ok: false, error };
}
