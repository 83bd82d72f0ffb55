import type { PullRequestRef } from '../../shared/review/domain/platform';
import {
  LockLostError,
  type Learning,
  type RepositoryRef,
  type ReviewLock,
  type ReviewPlan,
  type ReviewState,
  type ReviewStore,
} from '../../shared/review/domain/reviewStore';

const keyOf = (ref: PullRequestRef) => `${ref.projectId}/${ref.repositoryId}/${ref.pullRequestId}`;

/**
 * Review state, plans and locks in memory, with the blob store's contract: a missing state reads as an empty
 * history, values are copies (nothing shared with the caller), a lock is held by one job until released or broken,
 * state writes are refused to a job whose lock is not the current holder's, and a saved plan is never replaced.
 */
export class InMemoryReviewStore implements ReviewStore {
  private readonly states = new Map<string, string>();
  private readonly plans = new Map<string, string>();
  private readonly learnings = new Map<string, string>();
  /** Lock key → the holder's token; a lock handed out earlier with another token is stale. */
  private readonly holders = new Map<string, number>();
  private readonly issued = new WeakMap<ReviewLock, { key: string; token: number }>();
  private nextToken = 1;

  async readState(ref: PullRequestRef): Promise<ReviewState> {
    const saved = this.states.get(keyOf(ref));
    return saved === undefined ? { history: [] } : (JSON.parse(saved) as ReviewState);
  }

  async writeState(ref: PullRequestRef, state: ReviewState, lock: ReviewLock): Promise<void> {
    const held = this.issued.get(lock);
    if (held?.key !== `${keyOf(ref)}#review` || this.holders.get(held.key) !== held.token) {
      throw new LockLostError('the state write was refused');
    }
    this.states.set(keyOf(ref), JSON.stringify(state));
  }

  async readPlan(
    ref: PullRequestRef,
    iterationId: number,
    requestKey?: string,
  ): Promise<ReviewPlan | undefined> {
    const saved = this.plans.get(`${keyOf(ref)}#${iterationId}#${requestKey ?? ''}`);
    return saved === undefined ? undefined : (JSON.parse(saved) as ReviewPlan);
  }

  async writePlan(ref: PullRequestRef, plan: ReviewPlan, lock: ReviewLock): Promise<ReviewPlan> {
    await lock.assertHeld();
    const key = `${keyOf(ref)}#${plan.iterationId}#${plan.requestKey ?? ''}`;
    if (!this.plans.has(key)) this.plans.set(key, JSON.stringify(plan));
    return JSON.parse(this.plans.get(key) as string) as ReviewPlan;
  }

  async tryLock(ref: PullRequestRef, scope = 'review'): Promise<ReviewLock | undefined> {
    const key = `${keyOf(ref)}#${scope}`;
    if (this.holders.has(key)) return undefined;
    const token = this.nextToken++;
    this.holders.set(key, token);
    const holds = () => this.holders.get(key) === token;
    const lock: ReviewLock = {
      assertHeld: async () => {
        if (!holds()) throw new LockLostError('broken or released');
      },
      release: async () => {
        if (holds()) this.holders.delete(key);
      },
    };
    this.issued.set(lock, { key, token });
    return lock;
  }

  async readLearnings(repository: RepositoryRef): Promise<Learning[]> {
    return JSON.parse(this.learnings.get(repository.repositoryId) ?? '[]') as Learning[];
  }

  async updateLearnings(
    repository: RepositoryRef,
    change: (current: Learning[]) => Learning[],
  ): Promise<Learning[]> {
    const next = change(await this.readLearnings(repository));
    this.learnings.set(repository.repositoryId, JSON.stringify(next));
    return this.readLearnings(repository);
  }

  /** Takes the lock from its holder, as a lapsed or broken lease does: another job may take it next. */
  breakLock(ref: PullRequestRef, scope = 'review'): void {
    this.holders.delete(`${keyOf(ref)}#${scope}`);
  }

  /** Replaces the saved state outside any lock, as a test arranging a situation does. */
  putState(ref: PullRequestRef, state: ReviewState): void {
    this.states.set(keyOf(ref), JSON.stringify(state));
  }

  isLocked(ref: PullRequestRef, scope = 'review'): boolean {
    return this.holders.has(`${keyOf(ref)}#${scope}`);
  }
}
