import type { PullRequestRef } from '../../shared/review/platform';
import type { ReviewLock, ReviewPlan, ReviewState, ReviewStore } from '../../shared/review/reviewStore';

const keyOf = (ref: PullRequestRef) => `${ref.projectId}/${ref.repositoryId}/${ref.pullRequestId}`;

/**
 * Review state, plans and locks in memory, with the blob store's contract: a missing state reads as an empty
 * history, values are copies (nothing shared with the caller), and a lock is held by one job until released.
 */
export class InMemoryReviewStore implements ReviewStore {
  private readonly states = new Map<string, string>();
  private readonly plans = new Map<string, string>();
  private readonly locks = new Set<string>();

  async readState(ref: PullRequestRef): Promise<ReviewState> {
    const saved = this.states.get(keyOf(ref));
    return saved === undefined ? { history: [] } : (JSON.parse(saved) as ReviewState);
  }

  async writeState(ref: PullRequestRef, state: ReviewState): Promise<void> {
    this.states.set(keyOf(ref), JSON.stringify(state));
  }

  async readPlan(ref: PullRequestRef, iterationId: number): Promise<ReviewPlan | undefined> {
    const saved = this.plans.get(`${keyOf(ref)}#${iterationId}`);
    return saved === undefined ? undefined : (JSON.parse(saved) as ReviewPlan);
  }

  async writePlan(ref: PullRequestRef, plan: ReviewPlan): Promise<void> {
    this.plans.set(`${keyOf(ref)}#${plan.iterationId}`, JSON.stringify(plan));
  }

  async tryLock(ref: PullRequestRef, scope = 'review'): Promise<ReviewLock | undefined> {
    const key = `${keyOf(ref)}#${scope}`;
    if (this.locks.has(key)) return undefined;
    this.locks.add(key);
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.locks.delete(key);
      },
    };
  }

  isLocked(ref: PullRequestRef, scope = 'review'): boolean {
    return this.locks.has(`${keyOf(ref)}#${scope}`);
  }
}
