import { ConcurrencyLimit } from '../../concurrency/concurrencyLimit';
import type { ReviewSettings } from '../../config/reviewSettings';
import type { ChatModel } from '../../llm/chatModel';
import { modelTiers, type ModelTier } from '../../model-tiers/modelTiers';
import { tokenCounterFor } from '../../llm/tokenCounter';
import type { CallCost } from '../domain/reviewStore';
import { isHandOver } from '../domain/handOver';
import { meterCalls } from './costAccounting';

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
const roomForPrompt = (contextTokens: number, maxOutputTokens: number) =>
  contextTokens - Math.min(maxOutputTokens, contextTokens / 2);

/** Room for the prompt in a tier's context once the answer's share is kept free. */
export const promptRoom = (context: StageContext, tier: ModelTier) =>
  roomForPrompt(context.contextTokens[tier], context.maxOutputTokens);

/**
 * The call under the shared limit. Not retried here: a model call is retried in one layer, the provider's
 * (llm/retryPolicy.ts: rate limits, server and connection errors, after the wait the service asks for, within a
 * waiting budget), besides failing over to the next key or model and re-reading a refused credential once. A call
 * that still fails costs only its stage's files; the error ends the review only when it is fatal (lost lock,
 * deadline).
 */
export async function callUnderLimit<T>(
  context: StageContext,
  call: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  const release = await context.limit.acquire();
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (context.isFatal(error)) throw error;
    return { ok: false, error };
  } finally {
    release();
  }
}

/** One review's stage context, with what the pipeline itself needs of it: the calls made, and diff token counts. */
export interface ReviewStages {
  context: StageContext;
  /** Every answered call, with counted tokens (the cost when the provider reports none). */
  calls: readonly CallCost[];
  /** Tokens spent so far by the calls answered. */
  spent: () => number;
  /** A diff text's tokens for the reviewing tier, counted once however often it is asked for. */
  countDiff: (text: string) => number;
  /** Loads every tier's tokenizer (a few hundred milliseconds, once a process): best while reads are in flight. */
  loadTokenizers: () => void;
}

export function createReviewStages(
  model: ChatModel,
  settings: Pick<ReviewSettings, 'budget' | 'models' | 'maxOutputTokens'>,
  now: () => number,
): ReviewStages {
  const counters = new Map<ModelTier, (text: string) => number>();
  const count = (tier: ModelTier, text: string) => {
    let counter = counters.get(tier);
    if (counter === undefined) {
      const tokenCounter = tokenCounterFor(settings.models[tier]);
      counter = (of: string) => tokenCounter.count(of);
      counters.set(tier, counter);
    }
    return counter(text);
  };
  const meter = meterCalls(model, count, settings.models, now);
  const diffTokens = new Map<string, number>();
  return {
    context: {
      model: meter.model,
      limit: new ConcurrencyLimit(settings.budget.concurrency),
      count,
      contextTokens: settings.budget.contextTokens,
      maxOutputTokens: settings.maxOutputTokens,
      isFatal: isHandOver,
    },
    calls: meter.calls,
    spent: () => meter.calls.reduce((sum, call) => sum + call.inputTokens + call.outputTokens, 0),
    countDiff: (text) => {
      let tokens = diffTokens.get(text);
      if (tokens === undefined) {
        tokens = count('reasoning', text);
        diffTokens.set(text, tokens);
      }
      return tokens;
    },
    loadTokenizers: () => {
      for (const tier of modelTiers) count(tier, '');
    },
  };
}
