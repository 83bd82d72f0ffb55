import OpenAI from 'openai';
import { ModelOutputError, type ChatModel } from './chatModel';

/**
 * The one layer where a model call is retried (the review's stages above it do not retry; the queue's
 * redelivery is the job's, not the call's). Here, and only here:
 * - a request refused for load or by a server or connection error is sent again after the wait the service asks for,
 *   within a waiting budget per call (`retryWait`, used by each provider's send);
 * - an answer that cannot be used (not the schema, or broken off) or a request that timed out is asked once more
 *   (`askingOnceMore`), since the next answer may well be whole;
 * and besides retrying, a provider fails over to the next key or model, and re-reads a refused credential once.
 * The job's deadline allows for a call's worst case (timeout × (maxRetries + 1)).
 *
 * When a model request is sent again. The openai SDK would retry too, but it waits as long as `Retry-After` says,
 * without bound: so its retries are off and these are bounded by a total waiting budget per call, after which the
 * call moves on (to the next key or model) rather than keep the review waiting.
 */
export interface RetryPolicy {
  /** Retries per request. */
  maxRetries: number;
  /** All the waiting one call may do, across its retries, keys and fallbacks. */
  waitBudgetMs: number;
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, waitBudgetMs: 60_000 };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Request timeout, lock timeout, rate limit and server errors, as the SDK's own rule; timeouts are not retried. */
function isRetryable(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return false;
  if (error instanceof OpenAI.APIConnectionError) return true;
  if (!(error instanceof OpenAI.APIError) || error.status === undefined) return false;
  return error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
}

/** What the service asked for: `retry-after-ms` (Azure OpenAI), else `Retry-After` in seconds or as a date. */
export function requestedWaitMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const milliseconds = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const retryAfter = headers?.get('retry-after');
  if (retryAfter === null || retryAfter === undefined) return undefined;
  const seconds = Number.parseFloat(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before retrying after `error` on attempt `attempt` (0 for the first), or undefined not to retry:
 * not retryable, out of retries, or the wait would overrun the budget.
 */
export function retryWait(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  waitedMs: number,
): number | undefined {
  if (attempt >= policy.maxRetries || !isRetryable(error)) return undefined;
  const headers: Headers | undefined =
    error instanceof OpenAI.APIError ? (error.headers as Headers) : undefined;
  const requested = requestedWaitMs(headers);
  // Exponential back-off from half a second, with jitter, when the service names no wait.
  const wait = requested ?? 500 * 2 ** attempt * (1 - Math.random() * 0.25);
  return waitedMs + wait > policy.waitBudgetMs ? undefined : wait;
}

const worthAskingAgain = (error: unknown) =>
  error instanceof ModelOutputError ||
  error instanceof OpenAI.APIConnectionTimeoutError ||
  (error instanceof Error && error.name === 'TimeoutError');

/**
 * The model, with a call whose answer could not be used, or that timed out, asked once more — after
 * `beforeRetry`, which may throw to stop it (the job's deadline: a call is never started without time for it).
 */
export function askingOnceMore(model: ChatModel, beforeRetry?: () => void): ChatModel {
  return {
    async completeStructured(request) {
      try {
        return await model.completeStructured(request);
      } catch (error) {
        if (!worthAskingAgain(error)) throw error;
        beforeRetry?.();
        return model.completeStructured(request);
      }
    },
  };
}
