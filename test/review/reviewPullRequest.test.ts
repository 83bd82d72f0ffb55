import { PROPERTY } from '../../shared/review/publish/comments';
import type { ReviewPolicy } from '../../shared/config';
import { reviewPullRequest } from '../../shared/review/reviewPullRequest';
import type { Files, InMemoryPlatform } from '../support/inMemoryPlatform';
import { inMemoryReview, threadsOfKind } from '../support/inMemoryReview';
import { flaggingReviewer } from '../support/reviewAnswers';
import { InMemoryReviewStore } from '../support/inMemoryReviewStore';
import type { ScriptedAnswer } from '../support/scriptedChatModel';

/**
 * The review core against in-memory ports: which base a review compares with, coalescing under the lock, the merge
 * gate, exactly-once posting and the error path. The same rules run end to end against the real clients elsewhere.
 */

function setUp(options: { policy?: Partial<ReviewPolicy>; respond?: ScriptedAnswer } = {}) {
  return inMemoryReview(options.respond ?? flaggingReviewer(), {
    settings: { policy: { ignoredIdentityIds: ['other-bot'], ...options.policy } },
  });
}

const BASE: Files = { 'README.md': 'hi\n' };
const flagged = (name: string) => `export const ${name} = 1;\nconsole.log(${name});\n`;

type Fixture = ReturnType<typeof setUp>;
const prompts = ({ model }: Fixture) => model.requests.map((request) => request.user);
const findingThreads = ({ platform }: Fixture, ref: Parameters<InMemoryPlatform['threads']>[0]) =>
  threadsOfKind(platform, ref, 'finding');
const summaryOf = ({ platform }: Fixture, ref: Parameters<InMemoryPlatform['threads']>[0]) => {
  const summaries = threadsOfKind(platform, ref, 'summary');
  expect(summaries).toHaveLength(1);
  return summaries[0].comments[0].content;
};

describe('the base a review compares with', () => {
  it('is the merge base first, then the last reviewed iteration', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'src/one.ts': flagged('one') } });
    await reviewPullRequest(ref, fixture.deps);
    fixture.platform.push(ref, { 'src/two.ts': flagged('two') });
    fixture.platform.push(ref, { 'src/three.ts': flagged('three') });
    const outcome = await reviewPullRequest(ref, fixture.deps);

    expect(outcome).toMatchObject({
      kind: 'done',
      passes: [{ kind: 'reviewed', iterationId: 3, mode: 'incremental' }, { kind: 'skipped' }],
    });
    const [first, second] = prompts(fixture);
    expect(first).toContain('+++ b/src/one.ts');
    expect(second).toContain('+++ b/src/two.ts');
    expect(second).toContain('+++ b/src/three.ts');
    expect(second).not.toContain('src/one.ts');
    expect(summaryOf(fixture, ref)).toContain('Incremental review: changes from iteration 1 to iteration 3');
    expect(findingThreads(fixture, ref)).toHaveLength(3);
  });

  it.each(['forcePush', 'rebase', 'retarget'])('is the merge base again after a %s', async (reason) => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'src/one.ts': flagged('one') } });
    await reviewPullRequest(ref, fixture.deps);
    fixture.platform.push(ref, { 'src/one.ts': flagged('uno'), 'src/other.ts': flagged('other') }, reason);
    const outcome = await reviewPullRequest(ref, fixture.deps);

    expect(outcome).toMatchObject({ passes: [{ iterationId: 2, mode: 'full' }, { kind: 'skipped' }] });
    expect(prompts(fixture)[1]).toContain('--- a/dev/null\n+++ b/src/one.ts');
    expect(summaryOf(fixture, ref)).toContain('Full review of iteration 2');
  });

  it('is the new merge base after the target was merged in, whose work is not shown', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'src/one.ts': flagged('one') } });
    await reviewPullRequest(ref, fixture.deps);
    fixture.platform.mergeTarget(ref, { 'src/main-only.ts': flagged('mainOnly') });
    const outcome = await reviewPullRequest(ref, fixture.deps);

    expect(outcome).toMatchObject({ passes: [{ iterationId: 2, mode: 'full' }, { kind: 'skipped' }] });
    expect(prompts(fixture)[1]).toContain('+++ b/src/one.ts');
    expect(prompts(fixture)[1]).not.toContain('main-only');
  });

  it('is the merge base when the recorded source commit is not the reviewed iteration’s', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'src/one.ts': flagged('one') } });
    await reviewPullRequest(ref, fixture.deps);
    const state = await fixture.store.readState(ref);
    fixture.store.putState(ref, { ...state, lastReviewedSourceCommit: 'f'.repeat(40) });
    fixture.platform.push(ref, { 'src/two.ts': flagged('two') });
    const outcome = await reviewPullRequest(ref, fixture.deps);

    expect(outcome).toMatchObject({ passes: [{ iterationId: 2, mode: 'full' }, { kind: 'skipped' }] });
    expect(prompts(fixture)[1]).toContain('+++ b/src/one.ts');
  });
});

describe('pull requests that are not reviewed', () => {
  it.each([
    ['a draft', { isDraft: true }, 'draft pull request'],
    ['a completed PR', { status: 'completed' as const }, 'pull request is completed'],
    ['a PR by the app', { authorId: 'bot-id' }, 'pull request authored by an ignored identity'],
    [
      'a PR by an ignored identity',
      { authorId: 'Other-Bot' },
      'pull request authored by an ignored identity',
    ],
  ])('%s is skipped without a status', async (_name, details, reason) => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    fixture.platform.update(ref, details);
    expect(await reviewPullRequest(ref, fixture.deps)).toEqual({
      kind: 'done',
      passes: [{ kind: 'skipped', reason }],
    });
    expect(fixture.model.requests).toHaveLength(0);
    expect(fixture.platform.statuses(ref)).toEqual([]);
  });
});

describe('coalescing under the lock', () => {
  it('a job that finds the lock taken returns busy and touches nothing', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    const held = await fixture.store.tryLock(ref);
    expect(await reviewPullRequest(ref, fixture.deps)).toEqual({ kind: 'busy' });
    expect(fixture.model.requests).toHaveLength(0);
    expect(fixture.platform.statuses(ref)).toEqual([]);
    await held?.release();
    expect(await reviewPullRequest(ref, fixture.deps)).toMatchObject({ passes: [{ kind: 'reviewed' }, {}] });
  });

  it('the holder reviews pushes that land meanwhile, until the newest iteration, while other jobs step back', async () => {
    const busy: unknown[] = [];
    const review = flaggingReviewer();
    const fixture = setUp({
      respond: async (request) => {
        // Two pushes land while the model is thinking; each push's job finds the lock taken.
        if (fixture.model.requests.length <= 2) {
          fixture.platform.push(ref, { [`src/push${fixture.model.requests.length}.ts`]: flagged('p') });
          busy.push(await reviewPullRequest(ref, fixture.deps));
        }
        return review(request);
      },
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    const outcome = await reviewPullRequest(ref, fixture.deps);

    expect(busy).toEqual([{ kind: 'busy' }, { kind: 'busy' }]);
    expect(outcome).toEqual({
      kind: 'done',
      passes: [
        { kind: 'reviewed', iterationId: 1, mode: 'full', posted: 1, findings: 1 },
        { kind: 'reviewed', iterationId: 2, mode: 'incremental', posted: 1, findings: 1 },
        { kind: 'reviewed', iterationId: 3, mode: 'incremental', posted: 1, findings: 1 },
        { kind: 'skipped', reason: 'iteration 3 is already reviewed' },
      ],
    });
    expect(fixture.platform.statuses(ref).map((status) => `${status.iterationId}:${status.state}`)).toEqual([
      '1:pending',
      '1:succeeded',
      '2:pending',
      '2:succeeded',
      '3:pending',
      '3:succeeded',
    ]);
    expect(fixture.store.isLocked(ref)).toBe(false);
  });

  it('stops after a bounded number of passes when pushes never stop, and lets go of the lock', async () => {
    const review = flaggingReviewer();
    const fixture = setUp({
      respond: (request) => {
        fixture.platform.push(ref, { [`src/push${fixture.model.requests.length}.ts`]: flagged('p') });
        return review(request);
      },
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    const outcome = await reviewPullRequest(ref, fixture.deps);

    expect(outcome.kind === 'done' && outcome.passes.map((pass) => pass.kind)).toEqual(
      Array(20).fill('reviewed'),
    );
    expect(fixture.store.isLocked(ref)).toBe(false);
  });
});

describe('the merge gate', () => {
  const flags = { 'eval(': 'high', '==': 'medium', 'console.log': 'low' } as const;
  const source = {
    'src/a.ts': 'const rules = eval(coupon);\nif (a == b) run();\nconsole.log(rules);\n',
  };

  it('fails at failThreshold open findings of failSeverity or worse', async () => {
    const fixture = setUp({
      policy: { failSeverity: 'medium', failThreshold: 2 },
      respond: flaggingReviewer(flags),
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source });
    await reviewPullRequest(ref, fixture.deps);
    expect(fixture.platform.statuses(ref).at(-1)).toMatchObject({
      state: 'failed',
      iterationId: 1,
      description: '2 open findings of medium severity or worse',
    });
  });

  it('passes below the threshold, and says how many findings are open', async () => {
    const fixture = setUp({
      policy: { failSeverity: 'high', failThreshold: 2 },
      respond: flaggingReviewer(flags),
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source });
    await reviewPullRequest(ref, fixture.deps);
    expect(fixture.platform.statuses(ref).at(-1)).toMatchObject({
      state: 'succeeded',
      description: '3 open findings (1 high, 1 medium, 1 low)',
    });
  });

  it('never fails with failSeverity never', async () => {
    const fixture = setUp({
      policy: { failSeverity: 'never', failThreshold: 1 },
      respond: flaggingReviewer(flags),
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source });
    await reviewPullRequest(ref, fixture.deps);
    expect(fixture.platform.statuses(ref).at(-1)).toMatchObject({ state: 'succeeded' });
  });

  it('counts only the app’s open finding threads: resolved ones and other people’s do not count', async () => {
    const fixture = setUp({
      policy: { failSeverity: 'low', failThreshold: 3 },
      respond: flaggingReviewer(flags),
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source });
    await reviewPullRequest(ref, fixture.deps);
    expect(fixture.platform.statuses(ref).at(-1)).toMatchObject({ state: 'failed' });

    const high = findingThreads(fixture, ref).find(
      (thread) => thread.properties[PROPERTY.severity] === 'high',
    );
    fixture.platform.resolveThread(ref, high!.id);
    fixture.platform.addComment(ref, {
      authorId: 'someone',
      content: 'Looks like a finding.',
      properties: { [PROPERTY.kind]: 'finding', [PROPERTY.severity]: 'high' },
    });
    fixture.platform.push(ref, { 'notes.txt': 'nothing to flag\n' });
    await reviewPullRequest(ref, fixture.deps);
    expect(fixture.platform.statuses(ref).at(-1)).toMatchObject({
      state: 'succeeded',
      iterationId: 2,
      description: '2 open findings (0 high, 1 medium, 1 low)',
    });
  });
});

describe('exactly once', () => {
  it('posts the same finding given twice once', async () => {
    const review = flaggingReviewer();
    const fixture = setUp({
      respond: (request) => {
        const answer = review(request);
        return { ...answer, findings: [...answer.findings, ...answer.findings] };
      },
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    expect(await reviewPullRequest(ref, fixture.deps)).toMatchObject({
      passes: [{ posted: 1, findings: 1 }, {}],
    });
    expect(findingThreads(fixture, ref)).toHaveLength(1);
  });

  it('a job redelivered after failing part-way posts only what is missing, from the saved plan', async () => {
    const fixture = setUp();
    const files = Object.fromEntries(['a', 'b', 'c', 'd'].map((name) => [`src/${name}.ts`, flagged(name)]));
    const ref = fixture.platform.openPullRequest({ target: BASE, source: files });
    fixture.platform.failCall('createThread', 3);
    await expect(reviewPullRequest(ref, fixture.deps)).rejects.toMatchObject({
      original: expect.objectContaining({ message: expect.stringContaining('createThread failed') }),
    });
    expect(findingThreads(fixture, ref)).toHaveLength(2);

    expect(await reviewPullRequest(ref, fixture.deps)).toMatchObject({
      passes: [{ kind: 'reviewed', posted: 2, findings: 4 }, { kind: 'skipped' }],
    });
    const fingerprints = findingThreads(fixture, ref).map(
      (thread) => thread.properties[PROPERTY.fingerprint],
    );
    expect(fingerprints).toHaveLength(4);
    expect(new Set(fingerprints).size).toBe(4);
    expect(fixture.model.requests).toHaveLength(1);
    summaryOf(fixture, ref);
    expect(fixture.platform.statuses(ref).map((status) => status.state)).toEqual([
      'pending',
      'error',
      'pending',
      'succeeded',
    ]);
  });

  it('recognises its threads by fingerprint even when its state and plans are lost', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    await reviewPullRequest(ref, fixture.deps);
    const amnesiac = { ...fixture.deps, store: new InMemoryReviewStore() };
    expect(await reviewPullRequest(ref, amnesiac)).toMatchObject({
      passes: [{ posted: 0, findings: 1 }, {}],
    });
    expect(findingThreads(fixture, ref)).toHaveLength(1);
    expect(fixture.model.requests).toHaveLength(2);
    summaryOf(fixture, ref);
  });

  it('keeps one summary, edited in place, with a line per reviewed iteration', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    await reviewPullRequest(ref, fixture.deps);
    fixture.clock.advance(60_000);
    fixture.platform.push(ref, { 'b.ts': flagged('b') });
    await reviewPullRequest(ref, fixture.deps);

    expect(summaryOf(fixture, ref)).toMatch(
      /\| 2 \| [0-9a-f]{8} \| incremental since 1 \| 1 \| 1 \|\n\| 1 \| [0-9a-f]{8} \| full \| 1 \| 1 \|/,
    );
    const state = await fixture.store.readState(ref);
    const summary = fixture.platform
      .threads(ref)
      .find((thread) => thread.properties[PROPERTY.kind] === 'summary');
    expect(state).toMatchObject({ lastReviewedIteration: 2, summaryThreadId: summary?.id });
    expect(state.history.map((entry) => entry.reviewedAt)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:01:00.000Z',
    ]);
  });
});

describe('a review that fails', () => {
  it('sets the error status with a fixed reason and an id, records the class and id, logs details, and rethrows', async () => {
    const fixture = setUp({
      respond: () => {
        throw new Error('model is unavailable\nstack details');
      },
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    await expect(reviewPullRequest(ref, fixture.deps)).rejects.toMatchObject({
      original: expect.objectContaining({ message: expect.stringContaining('model is unavailable') }),
    });

    const { lastError } = await fixture.store.readState(ref);
    expect(lastError).toEqual({
      at: '2024-01-01T00:00:00.000Z',
      iterationId: 1,
      failure: 'unexpected',
      correlationId: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    expect(
      fixture.platform.statuses(ref).map((status) => [status.iterationId, status.state, status.description]),
    ).toEqual([
      [1, 'pending', 'Review in progress'],
      [1, 'error', `Review failed: an unexpected error (ref ${lastError?.correlationId})`],
    ]);
    expect(fixture.warnings).toEqual([
      `Review of PR ${ref.pullRequestId} iteration 1 failed (unexpected, ref ${lastError?.correlationId}): ` +
        'Error: model is unavailable | stack details',
    ]);
    expect(fixture.store.isLocked(ref)).toBe(false);
  });

  it('still rethrows the review’s error when the error status cannot be set', async () => {
    const fixture = setUp({
      respond: () => {
        throw new Error('model is unavailable');
      },
    });
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    fixture.platform.failCall('setStatus', 2);
    await expect(reviewPullRequest(ref, fixture.deps)).rejects.toMatchObject({
      original: expect.objectContaining({ message: expect.stringContaining('model is unavailable') }),
    });
    expect(fixture.warnings).toEqual([
      expect.stringMatching(/^Review of PR \d+ iteration 1 failed \(unexpected, ref ([0-9a-f]{12})\)/),
      expect.stringMatching(
        /^Could not set the error status \(ref [0-9a-f]{12}\): Error: setStatus failed: connection reset$/,
      ),
    ]);
  });
});
