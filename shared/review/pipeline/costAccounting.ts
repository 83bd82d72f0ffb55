import type { ChatModel, ModelUsage } from '../../llm/chatModel';
import type { ModelTier } from '../../model-tiers/modelTiers';
import { costOf } from '../../llm/priceTable';
import type { PriceOverrides } from '../../config/reviewBudgetSettings';
import type { CallCost, ReviewCost } from '../domain/reviewStore';

/**
 * What a review's model calls cost: tokens in and out per call and per tier, an estimate in USD from the price
 * table, and the wall time. Token counts are the provider's (createChatModel's usage, through the job's ledger);
 * when a provider reports none (Bedrock today, or a test's model), the calls are counted here with the tier's
 * token counter, and the footer says so.
 */

interface CallMeter {
  model: ChatModel;
  readonly calls: CallCost[];
}

/** Wraps `model` so that every answered call is recorded with counted tokens. */
export function meterCalls(
  model: ChatModel,
  count: (tier: ModelTier, text: string) => number,
  modelNames: Record<ModelTier, string>,
  now: () => number,
): CallMeter {
  const calls: CallCost[] = [];
  return {
    calls,
    model: {
      async completeStructured(request) {
        const tier = request.tier ?? 'reasoning';
        const startedAt = now();
        const answer = await model.completeStructured(request);
        calls.push({
          tier,
          model: modelNames[tier] || tier,
          inputTokens: count(tier, `${request.system}\n${request.user}`),
          outputTokens: count(tier, JSON.stringify(answer)),
          latencyMs: now() - startedAt,
        });
        return answer;
      },
    },
  };
}

export function reviewCostOf(
  counted: readonly CallCost[],
  reported: readonly ModelUsage[] | undefined,
  prices: PriceOverrides | undefined,
  wallMs: number,
): ReviewCost {
  const fromProvider =
    reported !== undefined &&
    reported.length > 0 &&
    reported.every((usage) => usage.inputTokens !== undefined && usage.outputTokens !== undefined);
  const calls: CallCost[] = fromProvider
    ? reported.map((usage) => ({
        tier: usage.tier,
        model: usage.model,
        inputTokens: usage.inputTokens ?? 0,
        outputTokens: usage.outputTokens ?? 0,
        latencyMs: usage.latencyMs,
      }))
    : [...counted];
  const byTier: ReviewCost['byTier'] = {};
  let total: number | undefined = 0;
  for (const call of calls) {
    const entry = (byTier[call.tier] ??= { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });
    entry.calls++;
    entry.inputTokens += call.inputTokens;
    entry.outputTokens += call.outputTokens;
    const cost = costOf(call.model, { input: call.inputTokens, output: call.outputTokens }, prices);
    entry.costUsd = cost === undefined || entry.costUsd === undefined ? undefined : entry.costUsd + cost;
    total = cost === undefined || total === undefined ? undefined : total + cost;
  }
  return { calls, byTier, totalCostUsd: total, reported: fromProvider, wallMs };
}

const number = (value: number) => value.toLocaleString('en-US');
const usd = (value: number | undefined) => (value === undefined ? 'unknown price' : `$${value.toFixed(4)}`);

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The summary's collapsed footer: our own text (never model text), so it may use `<details>`. */
export function renderCostFooter(cost: ReviewCost): string {
  const tiers = Object.entries(cost.byTier);
  const inputTokens = tiers.reduce((sum, [, entry]) => sum + entry.inputTokens, 0);
  const outputTokens = tiers.reduce((sum, [, entry]) => sum + entry.outputTokens, 0);
  const lines = [
    `<details><summary>Cost: ${cost.calls.length} model calls, ${number(inputTokens)} tokens in, ` +
      `${number(outputTokens)} out, ≈ ${usd(cost.totalCostUsd)}, ${duration(cost.wallMs)}</summary>`,
    '',
    '| Tier | Calls | Tokens in | Tokens out | Estimated cost |',
    '| --- | --- | --- | --- | --- |',
    ...tiers.map(
      ([tier, entry]) =>
        `| ${tier} | ${entry.calls} | ${number(entry.inputTokens)} | ${number(entry.outputTokens)} | ${usd(entry.costUsd)} |`,
    ),
    '',
    cost.reported
      ? 'Tokens as the provider reported them; cost from list prices (or LLM_PRICES).'
      : 'Tokens counted by ado-reviewer (the provider reported none); cost from list prices (or LLM_PRICES).',
    '',
    '</details>',
  ];
  return lines.join('\n');
}
