import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** `npm run bench`: every benchmark, each in its own process so one's memory and JIT state do not skew another. */
for (const bench of ['webhookBench.js', 'diffBench.js', 'cliBench.js', 'reviewBench.js']) {
  console.log(`\n=== ${bench.replace('.js', '')} ===`);
  execFileSync(process.execPath, [path.join(__dirname, bench)], { stdio: 'inherit' });
}
