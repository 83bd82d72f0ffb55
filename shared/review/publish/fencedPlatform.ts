import type { PullRequestPlatform, PullRequestWriter } from '../domain/platform';
import type { ReviewLock } from '../domain/reviewStore';

const WRITES = new Set<keyof PullRequestWriter>([
  'createThread',
  'updateComment',
  'replyToComment',
  'updateThreadProperties',
  'setStatus',
  'updateThreadStatus',
]);

/**
 * The platform as a lock holder may use it: every write first confirms the lock (`assertHeld`), so a job whose lock
 * passed to another stops before its next write instead of posting alongside the new holder. Reads are unchanged.
 */
export function fencedPlatform(platform: PullRequestPlatform, lock: ReviewLock): PullRequestPlatform {
  return new Proxy(platform, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (!WRITES.has(property as keyof PullRequestWriter)) return method.bind(target);
      return async (...args: unknown[]) => {
        await lock.assertHeld();
        return method.apply(target, args);
      };
    },
  });
}
