import { PROPERTY } from './comments';
import type {
  PullRequestIteration,
  PullRequestPlatform,
  PullRequestRef,
  ReviewThread,
} from '../domain/platform';
import type { ReviewPlan } from '../domain/reviewStore';
import { isOpen, STATUS_SET_BY_APP, statusIsTheApps } from './findingThreadStatus';

/** A finding of the new review this many lines from an old one, in the same file, counts as the same finding. */
const NEAR_LINES = 3;
/** Files larger than this are not compared line by line: their findings stay open. */
const MAX_COMPARED_BYTES = 2 * 1024 * 1024;

interface FixedFindingsInput {
  /** The app's threads on the pull request. */
  threads: ReviewThread[];
  plan: ReviewPlan;
  iterations: PullRequestIteration[];
  newest: PullRequestIteration;
  /** The iteration reviewed before this one; none for a first review (nothing can have been fixed). */
  previousIterationId?: number;
  /** Files the planner reviewed: a file it did not look at (filtered out, over a limit) proves nothing. */
  wasReviewed(path: string): boolean;
}

const normalised = (lines: string[]) => lines.map((line) => line.replace(/\r$/, '').trim());

async function linesAt(platform: PullRequestPlatform, ref: PullRequestRef, path: string, commitId: string) {
  const content = await platform.getFileContent(ref, path, commitId, MAX_COMPARED_BYTES);
  if (content === undefined) return [];
  if (content.kind === 'tooLarge') return undefined;
  return Buffer.from(content.bytes).toString('utf8').split('\n');
}

/** Whether `block` (whole lines, compared trimmed) is still somewhere in `lines`. */
function stillThere(lines: string[], block: string[]): boolean {
  const haystack = normalised(lines);
  const needle = normalised(block);
  if (needle.length === 0) return true;
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    if (needle.every((line, offset) => haystack[start + offset] === line)) return true;
  }
  return false;
}

/**
 * After a push is reviewed: each open finding thread whose lines the push changed, and that the new review no longer
 * reports (no finding with its fingerprint, nor one within NEAR_LINES of it in the same file), is resolved as
 * `fixed` with a one-line reply naming the iteration. Threads whose status a person set are left as they are.
 * Returns how many were resolved.
 */
export async function resolveFixedFindings(
  ref: PullRequestRef,
  platform: PullRequestPlatform,
  input: FixedFindingsInput,
): Promise<number> {
  const { plan, newest } = input;
  if (input.previousIterationId === undefined || plan.withheld !== undefined) return 0;
  const candidates = input.threads.filter(
    (thread) =>
      thread.properties[PROPERTY.kind] === 'finding' &&
      isOpen(thread) &&
      statusIsTheApps(thread) &&
      thread.properties[PROPERTY.iteration] !== String(newest.id),
  );
  if (candidates.length === 0) return 0;
  const changed = new Set(
    (await platform.listIterationChanges(ref, newest.id, input.previousIterationId)).flatMap((change) =>
      [change.path, change.originalPath].filter((path): path is string => path !== undefined),
    ),
  );
  const reported = new Set(plan.threads.map((thread) => thread.fingerprint));
  let fixed = 0;
  for (const thread of candidates) {
    if (reported.has(thread.properties[PROPERTY.fingerprint])) continue;
    const details = await platform.getThread(ref, thread.id);
    const path = details?.filePath;
    const lines = details?.rightLines;
    if (path === undefined || lines === undefined || !changed.has(path) || !input.wasReviewed(path)) continue;
    const origin = input.iterations.find(
      (iteration) => String(iteration.id) === thread.properties[PROPERTY.iteration],
    );
    if (origin === undefined) continue;
    const [before, after] = await Promise.all([
      linesAt(platform, ref, path, origin.sourceCommitId),
      linesAt(platform, ref, path, newest.sourceCommitId),
    ]);
    if (before === undefined || after === undefined) continue;
    if (stillThere(after, before.slice(lines.start - 1, lines.end))) continue;
    const stillReported = plan.threads.some(
      (planned) =>
        planned.position?.filePath === path &&
        Math.abs(planned.position.startLine - lines.start) <= NEAR_LINES,
    );
    if (stillReported) continue;
    // The status first: a reply without it would be repeated by the next review, a status without a reply is not.
    await platform.updateThreadStatus(ref, thread.id, 'fixed', { [STATUS_SET_BY_APP]: 'fixed' });
    if (thread.firstCommentId !== undefined) {
      await platform.replyToComment(
        ref,
        thread.id,
        thread.firstCommentId,
        `Fixed in iteration ${newest.id}: these lines changed and the review of that iteration no longer reports this.`,
      );
    }
    fixed++;
  }
  return fixed;
}
