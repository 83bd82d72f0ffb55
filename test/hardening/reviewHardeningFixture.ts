import { PROPERTY } from '../../shared/review/comments';
import type { PullRequestDetails, PullRequestRef } from '../../shared/review/platform';
import type { ReviewAnswer } from '../../shared/review/prompt';
import type { ReviewDependencies } from '../../shared/review/reviewPullRequest';
import { InMemoryPlatform, type Files } from '../support/inMemoryPlatform';
import { InMemoryReviewStore } from '../support/inMemoryReviewStore';
import { ManualClock } from '../support/manualClock';
import { ScriptedChatModel, type ScriptedAnswer } from '../support/scriptedChatModel';

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

export type Finding = ReviewAnswer['findings'][number];

/** A finding on line `line` of `path`, with the given words. */
export const findingOn = (
  path: string,
  line: number,
  comment: string,
  extra: Partial<Finding> = {},
): Finding => ({
  path,
  side: 'right',
  startLine: line,
  endLine: line,
  severity: 'medium',
  comment,
  suggestion: null,
  ...extra,
});

export const answerWith = (findings: Finding[], text: Partial<ReviewAnswer> = {}): ReviewAnswer => ({
  summary: 'A change.',
  walkthrough: [],
  verdict: 'Fine.',
  findings,
  ...text,
});

export function setUpReview(respond: ScriptedAnswer, safety: ReviewDependencies['safety'] = undefined) {
  const platform = new DescribedPlatform();
  const store = new InMemoryReviewStore();
  const model = new ScriptedChatModel(respond);
  const logs: string[] = [];
  const deps: ReviewDependencies = {
    platform,
    model,
    store,
    log: { info: (message) => logs.push(message), warn: (message) => logs.push(message) },
    limits: { maxFiles: 100, maxFileBytes: 100_000, maxPromptChars: 100_000 },
    policy: {
      reviewDrafts: false,
      failSeverity: 'never',
      failThreshold: 1,
      statusContext: { genre: 'ado-reviewer', name: 'review' },
      ignoredIdentityIds: [],
    },
    now: new ManualClock().now,
    safety: safety ?? {
      maxFindings: 50,
      secretFilePatterns: ['.env', '.env.*', '*.pem', 'id_rsa'],
      orgUrl: ORG_URL,
    },
  };
  const open = (source: Files, title = 'A change', description = '') => {
    const ref = platform.openPullRequest({ target: { 'README.md': 'hi\n' }, source, title });
    platform.describe(ref, description);
    return ref;
  };
  const findingThreads = (ref: PullRequestRef) =>
    platform.threads(ref).filter((thread) => thread.properties[PROPERTY.kind] === 'finding');
  const summary = (ref: PullRequestRef) =>
    platform.threads(ref).find((thread) => thread.properties[PROPERTY.kind] === 'summary')?.comments[0]
      .content ?? '';
  /** Everything the app wrote where people (or a browser) see it: threads, replies and statuses. */
  const posted = (ref: PullRequestRef) => [
    ...platform.threads(ref).flatMap((thread) => thread.comments.map((comment) => comment.content)),
    ...platform.statuses(ref).map((status) => status.description),
  ];
  const prompts = () => model.requests;
  return { platform, store, model, logs, deps, open, findingThreads, summary, posted, prompts };
}
