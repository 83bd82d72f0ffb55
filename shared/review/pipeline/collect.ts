import { maxDiffCharsOf, type ReviewSettings } from '../../config/reviewSettings';
import type { ChatModel } from '../../llm/chatModel';
import type { UsageLedger } from '../../llm/usageLedger';
import { collectChanges } from './collectChanges';
import { type CollectedChanges, type ReviewedFile } from '../domain/changedFile';
import { checkPullRequestInput, type InputChecks } from '../safety/inputChecks';
import type {
  FileChange,
  PullRequestDetails,
  PullRequestIteration,
  PullRequestReader,
  PullRequestRef,
} from '../domain/platform';
import { isSecretFile } from '../safety/secretScan';
import type { ReviewContext } from '../context/reviewContext';

/**
 * What a review is about and what it may use: the changed files of an iteration, collected and diffed, with the
 * app's own checks of the pull request's text; and the collaborators and limits a review plan is made with.
 */

/** Why a file that usually holds credentials was not sent. */
const MAY_HOLD_SECRETS = 'not sent: may hold secrets';

/** Why a file `reviews.path_filters` excludes was not reviewed. */
const PATH_FILTERED = 'path filter (reviews.path_filters)';

/** What the review pipeline is given: the ports it reads and asks through, and the review's resolved settings. */
export interface PipelineDependencies {
  platform: PullRequestReader;
  model: ChatModel;
  log: { info(message: string): void; warn(message: string): void };
  settings: ReviewSettings;
  /** The usage the provider reported for the job's calls; when it reports none, calls are counted here. */
  usage: UsageLedger;
  now: () => Date;
  /** What the team told the reviewer (configuration, learnings, work items); without it, the defaults. */
  reviewContext?: ReviewContext;
}

/** What one review is about: the changes, their diffs and the app's own checks. */
export interface PreparedReview {
  iteration: PullRequestIteration;
  base: PullRequestIteration | undefined;
  /** Every change of the comparison, as the platform reported it. */
  changes: FileChange[];
  /** Changed files in the comparison (folders excluded), reviewed or not. */
  changedFiles: number;
  collected: CollectedChanges;
  /** The app's own findings about the pull request's text (injection attempts, credentials). */
  checks: InputChecks;
}

/** Which iteration a plan reviewed, against which, and how many files. */
export function reviewedIteration({
  iteration,
  base,
  collected,
}: Pick<PreparedReview, 'iteration' | 'base' | 'collected'>) {
  return {
    iterationId: iteration.id,
    sourceCommitId: iteration.sourceCommitId,
    mode: base === undefined ? ('full' as const) : ('incremental' as const),
    comparedTo: base?.id,
    files: collected.files.length,
  };
}

/**
 * Diffs the iteration (against the merge base, or the last reviewed iteration): what the review is about.
 * `onFile` sees each diffed file as soon as it and the files before it are collected, in the changes' order.
 */
export async function collectPullRequest(
  ref: PullRequestRef,
  deps: Pick<PipelineDependencies, 'platform' | 'settings' | 'reviewContext'>,
  pullRequest: PullRequestDetails,
  iteration: PullRequestIteration,
  base: PullRequestIteration | undefined,
  onFile?: (file: ReviewedFile) => void,
): Promise<PreparedReview> {
  const changes = await deps.platform.listIterationChanges(ref, iteration.id, base?.id);
  const patterns = deps.settings.safety.secretFilePatterns;
  // Not even fetched: what is not read cannot reach the model. Excluded files are listed, so none silently vanishes.
  const filteredOut = (change: FileChange) => !(deps.reviewContext?.isPathIncluded(change.path) ?? true);
  const holdsSecrets = (change: FileChange) =>
    !change.isFolder &&
    [change.path, change.originalPath].some((path) => path !== undefined && isSecretFile(path, patterns));
  const fromCollection = await collectChanges(
    deps.platform,
    ref,
    iteration,
    changes.filter((change) => !filteredOut(change) && !holdsSecrets(change)),
    {
      ...deps.settings.collection,
      maxDiffChars: maxDiffCharsOf(deps.settings.budget),
      concurrency: deps.settings.budget.concurrency,
    },
    base?.sourceCommitId ?? iteration.commonCommitId,
    onFile,
  );
  const collected = {
    files: fromCollection.files,
    skipped: [
      ...changes
        .filter((change) => !change.isFolder && filteredOut(change))
        .map((change) => ({ path: change.path, reason: PATH_FILTERED })),
      ...changes
        .filter((change) => !filteredOut(change) && holdsSecrets(change))
        .map((change) => ({ path: change.path, reason: MAY_HOLD_SECRETS })),
      ...fromCollection.skipped,
    ],
  };
  const changedFiles = changes.filter((change) => !change.isFolder).length;
  const paths = changes.filter((change) => !change.isFolder).map((change) => change.path);
  const checks = checkPullRequestInput(pullRequest, collected.files, paths);
  return { iteration, base, changes, changedFiles, collected, checks };
}
