import { monitorEventLoopDelay } from 'node:perf_hooks';
import { diffTextsOffThread } from '../../shared/diff/diffOffThread';
import { diffTexts } from '../../shared/diff/lineDiff';
import { collectChanges } from '../../shared/review/pipeline/collectChanges';
import { InMemoryPlatform } from '../support/inMemoryPlatform';

/**
 * The diff off the event loop: the same hunks as diffTexts, and while a large pathological pair of files is being
 * diffed for a review, timers still fire on time.
 */

/** Many short lines from a small alphabet, independently shuffled on each side: the diff's hard case. */
function pathological(lines: number, seed: number): string {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff);
  return Array.from({ length: lines }, () => `value${next() % 20};`).join('\n') + '\n';
}

describe('diffTextsOffThread', () => {
  it.each([
    ['small', 'a\nb\nc\n', 'a\nB\nc\nd'],
    ['empty to text', '', 'x\ny\n'],
    [
      'large with unicode and a missing final newline',
      `${'é ✓ ü\n'.repeat(3_000)}end`,
      `${'é ✓ ü\n'.repeat(2_999)}changed\nend\n`,
    ],
    ['large and pathological', pathological(4_000, 1), pathological(4_000, 2)],
  ])('gives diffTexts’ result (%s)', async (_name, oldText, newText) => {
    expect(await diffTextsOffThread(oldText, newText)).toEqual(diffTexts(oldText, newText));
  });

  it('diffs several pairs at once through the bounded pool', async () => {
    const pairs = [1, 2, 3, 4].map((seed) => [pathological(1_500, seed), pathological(1_500, seed + 10)]);
    const results = await Promise.all(
      pairs.map(([oldText, newText]) => diffTextsOffThread(oldText, newText)),
    );
    results.forEach((result, index) => expect(result).toEqual(diffTexts(pairs[index][0], pairs[index][1])));
  });
});

it('collecting a pathological change leaves the event loop free: timers keep firing within 200 ms', async () => {
  const oldText = pathological(80_000, 3);
  const newText = pathological(80_000, 4);
  const platform = new InMemoryPlatform();
  const ref = platform.openPullRequest({ target: { 'big.ts': oldText }, source: { 'big.ts': newText } });
  const [iteration] = await platform.listIterations(ref);
  const changes = await platform.listIterationChanges(ref, iteration.id);
  // Start the pool's thread first: its start-up (compiling the sources, under jest) is not what is measured.
  await diffTextsOffThread(pathological(2_000, 5), pathological(2_000, 6));

  const delay = monitorEventLoopDelay({ resolution: 10 });
  let lastTick = performance.now();
  let longestGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - lastTick);
    lastTick = now;
  }, 10);
  delay.enable();
  const started = performance.now();
  const collected = await collectChanges(platform, ref, iteration, changes, {
    maxFiles: 10,
    maxFileBytes: 10_000_000,
    maxDiffChars: 10_000_000,
    concurrency: 8,
  });
  const elapsed = performance.now() - started;
  // A loop blocked until now shows in the next tick's gap: let the timer fire once more before reading.
  await new Promise((resolve) => setTimeout(resolve, 30));
  delay.disable();
  clearInterval(ticker);

  const maxDelayMs = delay.max / 1e6;
  process.stdout.write(
    `diff of 2 × ${oldText.length} chars: ${elapsed.toFixed(0)} ms; max event-loop delay ${maxDelayMs.toFixed(1)} ms, ` +
      `longest timer gap ${longestGap.toFixed(1)} ms\n`,
  );
  expect(collected.files).toHaveLength(1);
  expect(collected.files[0].hunks).toEqual(diffTexts(oldText, newText).hunks);
  expect(longestGap).toBeLessThan(200);
  expect(maxDelayMs).toBeLessThan(200);
});
