/** At most `size` holders at once; the others wait in arrival order. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError('A concurrency limit is a positive integer');
  }

  /** Resolves with the function that gives the place back; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The place passes straight to the next waiter, so a newcomer cannot slip in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/** `work` on every item, at most `limit` at once, results in the items' order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number | ConcurrencyLimit,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const gate = typeof limit === 'number' ? new ConcurrencyLimit(Math.max(1, limit)) : limit;
  return Promise.all(
    items.map(async (item, index) => {
      const release = await gate.acquire();
      try {
        return await work(item, index);
      } finally {
        release();
      }
    }),
  );
}
