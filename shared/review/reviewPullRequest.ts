import { assertTimeForModelCall, modelWithinDeadline } from './domain/jobDeadline';
import { handOverOf } from './domain/handOver';
import type { PullRequestRef } from './domain/platform';
import { fencedPlatform } from './publish/fencedPlatform';
import { reviewNewestIteration } from './reviewIteration';
import type { PassOutcome, ReviewDependencies, ReviewOutcome, ReviewRequest } from './reviewRequest';

/** Pushes coalesced into one job's passes at most: past it, the next delivery reviews what is left. */
const MAX_PASSES = 20;

/**
 * Reviews every iteration of a pull request not reviewed yet, one pull request at a time across all instances: a job
 * that finds the lock taken returns `busy` (the holder reviews until the newest iteration before releasing it).
 */
export async function reviewPullRequest(
  ref: PullRequestRef,
  deps: ReviewDependencies,
  request: ReviewRequest = { kind: 'automatic' },
): Promise<ReviewOutcome> {
  const lock = await deps.store.tryLock(ref);
  if (lock === undefined) return { kind: 'busy' };
  // Every write to Azure DevOps confirms the lock first; every model call checks the deadline first.
  const guarded: ReviewDependencies = {
    ...deps,
    platform: fencedPlatform(deps.platform, lock),
    model: modelWithinDeadline(deps.model, deps.deadline, deps.now),
  };
  const passes: PassOutcome[] = [];
  try {
    // Pushes that arrive while a review runs are coalesced here: loop until nothing newer is left.
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      if (pass > 0) assertTimeForModelCall(deps.deadline, deps.now);
      // A full review is of the newest iteration once; pushes coalesced after it are reviewed as usual.
      const passRequest = pass === 0 || request.kind === 'automatic' ? request : { ...request, full: false };
      const outcome = await reviewNewestIteration(ref, guarded, lock, passRequest);
      passes.push(outcome);
      if (outcome.kind === 'skipped') break;
    }
  } catch (error) {
    const handOver = handOverOf(error);
    if (handOver === undefined) throw error;
    deps.log.warn(`PR ${ref.pullRequestId}: handing over after ${passes.length} passes: ${handOver.message}`);
    return { kind: 'handedOver', reason: handOver.message, passes };
  } finally {
    await lock.release();
  }
  return { kind: 'done', passes };
}
