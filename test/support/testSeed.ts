import fc from 'fast-check';

/**
 * Randomness in tests that can be replayed: the seed is TEST_SEED when set, a new one otherwise, and a failure
 * names it, so `TEST_SEED=<seed> npx jest <file>` runs the same order again.
 */
export function testSeed(): number {
  const fromEnvironment = process.env.TEST_SEED;
  if (fromEnvironment === undefined || fromEnvironment === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(fromEnvironment);
  if (!Number.isSafeInteger(seed)) throw new Error(`TEST_SEED must be an integer, not "${fromEnvironment}"`);
  return seed;
}

/** Runs a test body; if it fails, its error says which seed to replay. */
export async function withSeed<T>(seed: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error)
      error.message += `\n\nRandom order from seed ${seed}: replay with TEST_SEED=${seed}`;
    throw error;
  }
}

/** A uniformly shuffled copy of `items`, the same for the same seed. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const permutation = fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });
  return fc.sample(permutation, { seed, numRuns: 1, unbiased: true })[0];
}
