import { loadOnFirstUse } from '../lazy/loadOnFirstUse';

/**
 * Token counts for budgeting prompts. OpenAI models are counted with their real tokenizer (gpt-tokenizer: o200k_base
 * for the gpt-4o/4.1/5 and o-series families, cl100k_base for gpt-4 and gpt-3.5). Other models (Anthropic on
 * Bedrock, unknown deployments) are estimated at one token per 3.5 characters, which errs on the high side for code
 * and English with Claude's tokenizer: a budget computed with it is not overrun.
 */

interface TokenCounter {
  count(text: string): number;
  /** Whether `count` is the model's real tokenizer, or the approximation. */
  exact: boolean;
}

/** The approximation for models without a tokenizer here. */
const APPROXIMATE_CHARS_PER_TOKEN = 3.5;

const approximateTokenCounter: TokenCounter = {
  count: (text) => Math.ceil(text.length / APPROXIMATE_CHARS_PER_TOKEN),
  exact: false,
};

type Encoding = { countTokens(text: string): number };

/** Loaded on first use: each encoding's table is a few megabytes. */
const encodings = {
  o200k_base: loadOnFirstUse<Encoding>('gpt-tokenizer/cjs/encoding/o200k_base'),
  cl100k_base: loadOnFirstUse<Encoding>('gpt-tokenizer/cjs/encoding/cl100k_base'),
};

/** Which encoding an OpenAI model name uses (an Azure deployment is named by the model it serves, or unknown). */
function encodingOf(model: string): 'o200k_base' | 'cl100k_base' | undefined {
  const name = model.toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)/.test(name)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5)/.test(name)) return 'cl100k_base';
  return undefined;
}

export function tokenCounterFor(model: string): TokenCounter {
  const name = encodingOf(model);
  if (name === undefined) return approximateTokenCounter;
  return {
    // Special-token text in a diff (e.g. "<|endoftext|>") is counted as ordinary text, as the API sends it.
    count: (text) => encodings[name]().countTokens(text),
    exact: true,
  };
}
