import type { PriceOverrides } from '../config/reviewBudgetSettings';

/**
 * List prices in USD per million tokens (input, output), from the providers' price pages in 2025, for the cost
 * estimate on the summary. LLM_PRICES overrides or adds entries (negotiated rates, other deployments). A model is
 * matched by the longest entry its name starts with, so dated versions match their family.
 */
const LIST_PRICES: PriceOverrides = {
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-5': { input: 1.25, output: 10 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'o3-mini': { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  o1: { input: 15, output: 60 },
  'anthropic.claude-3-5-haiku': { input: 0.8, output: 4 },
  'anthropic.claude-3-haiku': { input: 0.25, output: 1.25 },
  'anthropic.claude-sonnet-4': { input: 3, output: 15 },
  'anthropic.claude-3-7-sonnet': { input: 3, output: 15 },
  'anthropic.claude-opus-4': { input: 15, output: 75 },
};

/** The price of `model`, or undefined when neither the table nor LLM_PRICES knows it. */
export function priceOf(
  model: string,
  overrides: PriceOverrides = {},
): { input: number; output: number } | undefined {
  // Bedrock ids may carry a region prefix ("us.anthropic.claude-…").
  const name = model.toLowerCase().replace(/^(us|eu|apac|global)\./, '');
  for (const table of [overrides, LIST_PRICES]) {
    const match = Object.keys(table)
      .filter((key) => name.startsWith(key.toLowerCase()))
      .sort((a, b) => b.length - a.length)[0];
    if (match !== undefined) return table[match];
  }
  return undefined;
}

/** USD for the tokens, or undefined for an unknown model. */
export function costOf(
  model: string,
  tokens: { input: number; output: number },
  overrides?: PriceOverrides,
): number | undefined {
  const price = priceOf(model, overrides);
  if (price === undefined) return undefined;
  return (tokens.input * price.input + tokens.output * price.output) / 1_000_000;
}
