import OpenAI from 'openai';
import { requestedWaitMs, retryWait } from '../../shared/llm/retryPolicy';

const rateLimited = (headers: Record<string, string>) =>
  OpenAI.APIError.generate(429, { message: 'slow down' }, undefined, new Headers(headers));

describe('requestedWaitMs', () => {
  it('prefers retry-after-ms, then Retry-After in seconds or as a date', () => {
    expect(requestedWaitMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(requestedWaitMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(requestedWaitMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(requestedWaitMs(new Headers({}))).toBeUndefined();
  });
});

describe('retryWait', () => {
  const policy = { maxRetries: 2, waitBudgetMs: 10_000 };

  it('waits as asked on 429 and 5xx, within the retries and the budget', () => {
    expect(retryWait(rateLimited({ 'retry-after-ms': '300' }), 0, policy, 0)).toBe(300);
    expect(retryWait(rateLimited({ 'retry-after-ms': '300' }), 2, policy, 0)).toBeUndefined();
    expect(retryWait(rateLimited({ 'retry-after': '60' }), 0, policy, 0)).toBeUndefined();
    expect(retryWait(rateLimited({ 'retry-after': '5' }), 1, policy, 6_000)).toBeUndefined();
    const backOff = retryWait(OpenAI.APIError.generate(503, undefined, 'busy', new Headers()), 1, policy, 0);
    expect(backOff).toBeGreaterThanOrEqual(750);
    expect(backOff).toBeLessThanOrEqual(1000);
  });

  it('does not retry what another try cannot fix', () => {
    expect(
      retryWait(OpenAI.APIError.generate(400, undefined, 'bad', new Headers()), 0, policy, 0),
    ).toBeUndefined();
    expect(
      retryWait(OpenAI.APIError.generate(404, undefined, 'gone', new Headers()), 0, policy, 0),
    ).toBeUndefined();
    expect(retryWait(new OpenAI.APIConnectionTimeoutError(), 0, policy, 0)).toBeUndefined();
    expect(retryWait(new Error('bug'), 0, policy, 0)).toBeUndefined();
  });
});
