import type { ModelUsage, UsageSink } from './chatModel';

/** The usage every model call of a job reported (createChatModel's onUsage), for the review's cost accounting. */
export interface UsageLedger {
  record: UsageSink;
  /** Entries recorded so far; a review reads those recorded after it started. */
  readonly entries: readonly ModelUsage[];
}

export function createUsageLedger(): UsageLedger {
  const entries: ModelUsage[] = [];
  return { record: (usage) => void entries.push(usage), entries };
}
