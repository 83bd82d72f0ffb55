import { REREAD_INTERVAL_MS, type SecretStore } from '../secrets/secretStore';

/**
 * When a delivery that the webhook secrets held refuse gets them read again from Key Vault. The sender may hold a
 * password stored since the values held were read (a 401 is not retried: it puts the subscription on probation), or
 * be anyone on the Internet, so:
 * - a re-read started after the delivery arrived covers it: the values held are as new as anything its sender could
 *   have been given, so repeating a wrong password costs no read;
 * - otherwise one is started for it, and waited for, unless another started less than REREAD_INTERVAL_MS ago;
 * - then it is refused at once with the values held. No delivery waits for a re-read to be permitted, so a stream
 *   of wrong passwords holds no connection and costs Key Vault one re-read per interval.
 *
 * What this gives up: a sender that switches to a new password less than the interval after a re-read that predates
 * the new password is refused. A rotation that stores the new password first and switches the senders at least
 * REREAD_INTERVAL_MS later never meets that (rotate-webhook-password does; docs/deployment.md says so for a rotation
 * by hand): by then every instance either holds values read after the write, or last re-read before the write and
 * so longer than the interval ago, and reads Key Vault again at the first delivery its values refuse.
 */

interface Rereads {
  /** Re-reads started so far: a delivery notes the count when it arrives. */
  started: number;
  lastStartedAt: number;
  /**
   * `started` as of the first arrival of each refused credential, keyed by a digest of what was sent (never the
   * value); bounded, oldest dropped first.
   */
  firstArrivals: Map<string, number>;
}

const byStore = new WeakMap<SecretStore, Rereads>();
const MAX_REMEMBERED_REFUSALS = 1024;

function rereadsOf(store: SecretStore): Rereads {
  let rereads = byStore.get(store);
  if (rereads === undefined) {
    rereads = { started: 0, lastStartedAt: -Infinity, firstArrivals: new Map() };
    byStore.set(store, rereads);
  }
  return rereads;
}

/** Noted when a delivery arrives, before the values held are read. */
export const arrivalMark = (store: SecretStore): number => rereadsOf(store).started;

/**
 * Whether a refused delivery is to be checked again, against values read since it arrived: true when a re-read
 * started since, or when one starts now (`names` dropped from the store's cache, so the next read fetches them);
 * false when it is refused at once with the values held.
 */
export function rereadForRefusal(
  store: SecretStore,
  names: string[],
  refusal: { key: string; arrived: number; now: number },
): boolean {
  const rereads = rereadsOf(store);
  const { firstArrivals } = rereads;
  let first = firstArrivals.get(refusal.key);
  if (first === undefined) {
    if (firstArrivals.size >= MAX_REMEMBERED_REFUSALS)
      firstArrivals.delete(firstArrivals.keys().next().value as string);
    firstArrivals.set(refusal.key, (first = refusal.arrived));
  }
  if (rereads.started > first) return true;
  if (refusal.now - rereads.lastStartedAt < REREAD_INTERVAL_MS) return false;
  rereads.started += 1;
  rereads.lastStartedAt = refusal.now;
  for (const name of names) store.invalidate(name);
  return true;
}

/** A credential accepted after all is not remembered as refused. */
export function forgetRefusal(store: SecretStore, key: string): void {
  rereadsOf(store).firstArrivals.delete(key);
}
