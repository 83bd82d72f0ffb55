import { learningsFor } from '../../../shared/review/context/learnings';
import type { Learning } from '../../../shared/review/domain/reviewStore';

const learning = (text: string, path: string): Learning => ({
  text,
  path,
  author: 'Ana',
  at: '2024-05-01T00:00:00.000Z',
  pullRequestId: 1,
  threadId: 1,
});

describe('a learning whose glob the matcher refuses', () => {
  it('applies to no file, while the others apply as before', () => {
    const learnings = [
      learning('Legacy code may skip null checks.', 'src/@(legacy|old)/**'),
      learning('Hostile.', `${'*a'.repeat(30)}b`),
      learning('Scripts may log.', 'scripts/**'),
      learning('Everywhere.', '**'),
    ];
    expect(learningsFor(learnings, '/src/legacy/a.ts').map((each) => each.text)).toEqual(['Everywhere.']);

    const started = performance.now();
    expect(learningsFor(learnings, `/${'a'.repeat(40)}`).map((each) => each.text)).toEqual(['Everywhere.']);
    expect(learningsFor(learnings, '/scripts/run.ts').map((each) => each.text)).toEqual([
      'Scripts may log.',
      'Everywhere.',
    ]);
    console.log(`learnings for two files: ${(performance.now() - started).toFixed(2)} ms`);
  });
});
