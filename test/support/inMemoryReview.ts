import type { PullRequestRef } from '../../shared/review/domain/platform';
import { PROPERTY } from '../../shared/review/publish/comments';
import { createUsageLedger } from '../../shared/llm/usageLedger';
import type { ReviewDependencies } from '../../shared/review/reviewRequest';
import { InMemoryPlatform } from './inMemoryPlatform';
import { InMemoryReviewStore } from './inMemoryReviewStore';
import { ManualClock } from './manualClock';
import { reviewSettings, type ReviewSettingsOverrides } from './reviewSettings';
import { ScriptedChatModel, type ScriptedAnswer } from './scriptedChatModel';

/**
 * The review core's dependencies over in-memory ports, for unit tests of a review: a platform, a store, a scripted
 * model and a manual clock, with the settings most tests start from, and every log line kept.
 */

export interface InMemoryReviewOptions<P extends InMemoryPlatform> {
  /** In place of a plain InMemoryPlatform (a subclass that says more about its pull requests). */
  platform?: P;
  /** Over the app's defaults, with 100 files and 100,000 bytes a file. */
  settings?: ReviewSettingsOverrides;
  /** The other dependencies (metrics, deadline …), as given. */
  deps?: Partial<ReviewDependencies>;
}

export function inMemoryReview<P extends InMemoryPlatform = InMemoryPlatform>(
  respond: ScriptedAnswer,
  options: InMemoryReviewOptions<P> = {},
) {
  const platform = options.platform ?? (new InMemoryPlatform() as P);
  const store = new InMemoryReviewStore();
  const model = new ScriptedChatModel(respond);
  const clock = new ManualClock();
  /** Every log line, in order; and each level's on its own. */
  const logs: string[] = [];
  const infos: string[] = [];
  const warnings: string[] = [];
  const keep = (level: string[]) => (message: string) => {
    logs.push(message);
    level.push(message);
  };
  const deps: ReviewDependencies = {
    platform,
    model,
    store,
    log: { info: keep(infos), warn: keep(warnings) },
    settings: reviewSettings({
      ...options.settings,
      collection: { maxFiles: 100, maxFileBytes: 100_000, ...options.settings?.collection },
    }),
    usage: createUsageLedger(),
    now: clock.now,
    ...options.deps,
  };
  return { platform, store, model, clock, logs, infos, warnings, deps };
}

/** The threads on a pull request the app marked as `kind` (`finding`, `summary` …). */
export const threadsOfKind = (platform: InMemoryPlatform, ref: PullRequestRef, kind: string) =>
  platform.threads(ref).filter((thread) => thread.properties[PROPERTY.kind] === kind);
