import type { FileChange } from '../domain/platform';
import type { FileSummary, ReviewPlan } from '../domain/reviewStore';
import { OVER_BUDGET, type AffordedChunks } from './afford';
import type { PreparedReview } from './collect';
import { PROMPT_FULL, type ReviewedFile, type SkippedFile } from '../domain/changedFile';
import type { MergedFindings } from './mergeFindings';
import { MODEL_ERROR, type ReviewedChunks } from './reviewChunks';
import type { FileTriage } from './triage';

/**
 * What happened to each file of one review, as the stages decide it: trivial (and why), reviewed (with its
 * summary), or not reviewed (and why). A later word on a file replaces an earlier one: a file reviewed in one chunk
 * whose other part the budget left out is not reviewed whole.
 */
export class FileOutcomes {
  private readonly byPath = new Map<string, FileSummary>();

  constructor(private readonly iterationId: number) {}

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  trivial(path: string, reason: string, summary = ''): void {
    this.set(path, 'trivial', summary, reason);
  }

  reviewed(path: string, summary: string): void {
    this.set(path, 'reviewed', summary);
  }

  notReviewed(path: string, reason: string): void {
    this.set(path, 'not-reviewed', '', reason);
  }

  /**
   * Once the chunks are answered: each file the model was shown is reviewed (its summary the light model's, else
   * the reviewer's walkthrough sentence), and each it was not shown is not reviewed, with the reason. Returns the
   * latter, in the order the summary lists them.
   */
  settle(review: {
    prepared: PreparedReview;
    triaged: { toReview: readonly ReviewedFile[]; verdicts: ReadonlyMap<string, FileTriage> };
    tooLarge: SkippedFile[];
    afforded: AffordedChunks;
    reviewed: ReviewedChunks;
    merged: MergedFindings;
  }): SkippedFile[] {
    const { reviewed, triaged } = review;
    const walkthrough = new Map(
      reviewed.answers.flatMap((answer) => answer.walkthrough.map((item) => [item.path, item.change])),
    );
    for (const { change } of triaged.toReview) {
      const { path } = change;
      const summary =
        review.merged.withheld === undefined
          ? triaged.verdicts.get(path)?.summary || walkthrough.get(path) || ''
          : '';
      if (!this.has(path) && reviewed.shownPaths.has(path) && !reviewed.failedPaths.has(path))
        this.reviewed(path, summary);
    }
    // Files the collection stopped fetching (its diff-size bound follows the budget) are over the budget too.
    const notReviewed: SkippedFile[] = [
      ...review.prepared.collected.skipped.map((skipped) =>
        skipped.reason === PROMPT_FULL ? { ...skipped, reason: OVER_BUDGET } : skipped,
      ),
      ...review.tooLarge,
      ...review.afforded.overBudget,
      ...[...reviewed.failedPaths].map((path) => ({ path, reason: MODEL_ERROR })),
    ];
    for (const skipped of notReviewed) this.notReviewed(skipped.path, skipped.reason);
    return notReviewed;
  }

  /**
   * Every file of the comparison (one no stage spoke of has no text change), with what an incremental review's
   * earlier iterations said about the files this push did not change; in path order.
   */
  list(changes: readonly FileChange[], previous: ReviewPlan | undefined): FileSummary[] {
    for (const change of changes) {
      if (!change.isFolder && !this.byPath.has(change.path)) this.trivial(change.path, 'no text change');
    }
    return [
      ...(previous?.fileSummaries ?? []).filter((file) => !this.byPath.has(file.path)),
      ...this.byPath.values(),
    ].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  private set(path: string, status: FileSummary['status'], summary: string, reason?: string): void {
    this.byPath.set(path, {
      path,
      status,
      summary,
      ...(reason === undefined ? {} : { reason }),
      iterationId: this.iterationId,
    });
  }
}
