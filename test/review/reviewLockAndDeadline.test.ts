import { reviewPullRequest } from '../../shared/review/reviewPullRequest';
import { LockLostError } from '../../shared/review/domain/reviewStore';
import type { Files } from '../support/inMemoryPlatform';
import { inMemoryReview, threadsOfKind } from '../support/inMemoryReview';
import { flaggingReviewer } from '../support/reviewAnswers';
import type { ScriptedAnswer } from '../support/scriptedChatModel';

/**
 * The review core's fencing and time budget against in-memory ports: a job whose lock was taken from it stops
 * before its next write, the error path does not undo fresher state, and a job near its deadline hands over
 * instead of starting a model call it cannot finish.
 */

/** Flags every added `console.log` line, low severity. */
const reviewer = flaggingReviewer({ 'console.log': 'low' });

const MINUTE = 60_000;

function setUp(respond: ScriptedAnswer = reviewer, deadline?: { inMs: number; modelCallMs: number }) {
  const fixture = inMemoryReview(respond);
  fixture.deps.deadline = deadline && {
    at: new Date(fixture.clock.now().getTime() + deadline.inMs),
    modelCallMs: deadline.modelCallMs,
  };
  return fixture;
}

const BASE: Files = { 'README.md': 'hi\n' };
const flagged = (name: string) => `export const ${name} = 1;\nconsole.log(${name});\n`;
const FOUR_FILES = Object.fromEntries(['a', 'b', 'c', 'd'].map((name) => [`src/${name}.ts`, flagged(name)]));

describe('a job whose lock is taken from it', () => {
  it('stops before its next write and hands over; the next job finishes from the saved plan', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: FOUR_FILES });
    const createThread = fixture.platform.createThread.bind(fixture.platform);
    let posts = 0;
    fixture.platform.createThread = async (...args) => {
      const thread = await createThread(...args);
      // The lease lapses (or is broken) right after the first thread: another job may take the PR now.
      if (++posts === 1) fixture.store.breakLock(ref);
      return thread;
    };

    const outcome = await reviewPullRequest(ref, fixture.deps);
    expect(outcome).toMatchObject({ kind: 'handedOver', passes: [] });
    expect(outcome.kind === 'handedOver' && outcome.reason).toMatch(/lock was lost/);
    expect(threadsOfKind(fixture.platform, ref, 'finding')).toHaveLength(1);
    // No state, no error recorded or shown: the next holder owns the pull request.
    expect(await fixture.store.readState(ref)).toEqual({ history: [] });
    expect(fixture.platform.statuses(ref).map((status) => status.state)).toEqual(['pending']);

    expect(await reviewPullRequest(ref, fixture.deps)).toMatchObject({
      kind: 'done',
      passes: [{ kind: 'reviewed', posted: 3, findings: 4 }, { kind: 'skipped' }],
    });
    expect(threadsOfKind(fixture.platform, ref, 'finding')).toHaveLength(4);
    expect(threadsOfKind(fixture.platform, ref, 'summary')).toHaveLength(1);
    expect(fixture.model.requests).toHaveLength(1);
  });

  it('cannot write state with a lock that is no longer the holder’s', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: FOUR_FILES });
    const stale = await fixture.store.tryLock(ref);
    fixture.store.breakLock(ref);
    const current = await fixture.store.tryLock(ref);
    await expect(fixture.store.writeState(ref, { history: [] }, stale!)).rejects.toBeInstanceOf(
      LockLostError,
    );
    await expect(fixture.store.writeState(ref, { history: [] }, current!)).resolves.toBeUndefined();
  });
});

describe('the error path', () => {
  it('adds the error to the state saved since the pass began instead of writing back its stale copy', async () => {
    const fixture = setUp();
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    // The pass saves its state, then the final status write fails.
    fixture.platform.failCall('setStatus', 2);
    await expect(reviewPullRequest(ref, fixture.deps)).rejects.toMatchObject({
      original: expect.objectContaining({ message: expect.stringContaining('setStatus failed') }),
    });

    const state = await fixture.store.readState(ref);
    expect(state).toMatchObject({ lastReviewedIteration: 1, history: [{ iterationId: 1 }] });
    expect(state.lastError).toMatchObject({ iterationId: 1 });
  });
});

describe('a job near its deadline', () => {
  it('hands over between passes when a model call would not fit, and the next job reviews the rest', async () => {
    const fixture = setUp(
      (request) => {
        if (fixture.model.requests.length === 1) {
          // A push lands while the model thinks, and the model is slow: 9 of the job's 10 minutes go.
          fixture.platform.push(ref, { 'src/late.ts': flagged('late') });
          fixture.clock.advance(9 * MINUTE);
        }
        return reviewer(request);
      },
      { inMs: 10 * MINUTE, modelCallMs: 2 * MINUTE },
    );
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });

    const outcome = await reviewPullRequest(ref, fixture.deps);
    expect(outcome).toMatchObject({
      kind: 'handedOver',
      passes: [{ kind: 'reviewed', iterationId: 1 }],
    });
    expect(outcome.kind === 'handedOver' && outcome.reason).toMatch(/too little for a model call/);
    expect(fixture.model.requests).toHaveLength(1);
    expect(fixture.store.isLocked(ref)).toBe(false);
    expect(fixture.platform.statuses(ref).map((status) => `${status.iterationId}:${status.state}`)).toEqual([
      '1:pending',
      '1:succeeded',
    ]);

    // The re-enqueued job has a fresh budget.
    const next = {
      ...fixture.deps,
      deadline: { at: new Date(fixture.clock.now().getTime() + 10 * MINUTE), modelCallMs: 2 * MINUTE },
    };
    expect(await reviewPullRequest(ref, next)).toMatchObject({
      kind: 'done',
      passes: [{ kind: 'reviewed', iterationId: 2, mode: 'incremental' }, { kind: 'skipped' }],
    });
    expect(threadsOfKind(fixture.platform, ref, 'summary')).toHaveLength(1);
  });

  it('does not start a model call it cannot finish: no request, no error status, the lock let go', async () => {
    const fixture = setUp(reviewer, { inMs: MINUTE, modelCallMs: 2 * MINUTE });
    const ref = fixture.platform.openPullRequest({ target: BASE, source: { 'a.ts': flagged('a') } });
    expect(await reviewPullRequest(ref, fixture.deps)).toMatchObject({ kind: 'handedOver', passes: [] });
    expect(fixture.model.requests).toHaveLength(0);
    expect(fixture.platform.statuses(ref).map((status) => status.state)).toEqual(['pending']);
    expect((await fixture.store.readState(ref)).lastError).toBeUndefined();
    expect(fixture.store.isLocked(ref)).toBe(false);
  });
});
