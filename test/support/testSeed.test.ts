import { seededShuffle, testSeed, withSeed } from './testSeed';

const items = Array.from({ length: 50 }, (_, index) => index);

it('shuffles the same way for the same seed, and differently for another', () => {
  expect(seededShuffle(items, 42)).toEqual(seededShuffle(items, 42));
  expect(seededShuffle(items, 42)).not.toEqual(seededShuffle(items, 43));
  expect(seededShuffle(items, 42)).not.toEqual(items);
  expect([...seededShuffle(items, 42)].sort((a, b) => a - b)).toEqual(items);
});

it('takes the seed from TEST_SEED, and rejects one that is not an integer', () => {
  const saved = process.env.TEST_SEED;
  try {
    process.env.TEST_SEED = '1234';
    expect(testSeed()).toBe(1234);
    process.env.TEST_SEED = 'abc';
    expect(() => testSeed()).toThrow('TEST_SEED must be an integer');
  } finally {
    if (saved === undefined) delete process.env.TEST_SEED;
    else process.env.TEST_SEED = saved;
  }
});

it('names the seed in the error of a failing test', async () => {
  await expect(withSeed(77, () => Promise.reject(new Error('lost a thread')))).rejects.toThrow(
    /lost a thread[\s\S]*TEST_SEED=77/,
  );
});
