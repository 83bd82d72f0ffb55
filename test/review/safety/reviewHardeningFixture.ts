import type { PullRequestDetails, PullRequestRef } from '../../../shared/review/domain/platform';
import type { ReviewSettings } from '../../../shared/config';
import { InMemoryPlatform, type Files } from '../../support/inMemoryPlatform';
import { inMemoryReview, threadsOfKind } from '../../support/inMemoryReview';
import type { ScriptedAnswer } from '../../support/scriptedChatModel';

/** The review core against in-memory ports, with descriptions and every log line kept, for the hardening suites. */

export const ORG_URL = 'https://dev.azure.com/contoso';

/** The in-memory platform, with a description per pull request (the title is set by openPullRequest). */
export class DescribedPlatform extends InMemoryPlatform {
  private readonly descriptions = new Map<number, string>();

  describe(ref: PullRequestRef, description: string): void {
    this.descriptions.set(ref.pullRequestId, description);
  }

  async getPullRequest(ref: PullRequestRef): Promise<PullRequestDetails> {
    const details = await super.getPullRequest(ref);
    return { ...details, description: this.descriptions.get(ref.pullRequestId) ?? details.description };
  }
}

export function setUpReview(respond: ScriptedAnswer, safety?: ReviewSettings['safety']) {
  const { platform, store, model, logs, deps } = inMemoryReview(respond, {
    platform: new DescribedPlatform(),
    settings: {
      safety: safety ?? {
        maxFindings: 50,
        secretFilePatterns: ['.env', '.env.*', '*.pem', 'id_rsa'],
        orgUrl: ORG_URL,
      },
    },
  });
  const open = (source: Files, title = 'A change', description = '') => {
    const ref = platform.openPullRequest({ target: { 'README.md': 'hi\n' }, source, title });
    platform.describe(ref, description);
    return ref;
  };
  const findingThreads = (ref: PullRequestRef) => threadsOfKind(platform, ref, 'finding');
  const summary = (ref: PullRequestRef) =>
    threadsOfKind(platform, ref, 'summary')[0]?.comments[0].content ?? '';
  /** Everything the app wrote where people (or a browser) see it: threads, replies and statuses. */
  const posted = (ref: PullRequestRef) => [
    ...platform.threads(ref).flatMap((thread) => thread.comments.map((comment) => comment.content)),
    ...platform.statuses(ref).map((status) => status.description),
  ];
  const prompts = () => model.requests;
  return { platform, store, model, logs, deps, open, findingThreads, summary, posted, prompts };
}
