import { reviewSafetyShape, type ReviewSafetySettings } from '../../config/reviewSafetySettings';
import { isPathIncluded, type ResolvedRepositoryConfig } from '../../repository-config';
import type {
  PullRequestIteration,
  PullRequestReader,
  PullRequestRef,
  ThreadDetails,
} from '../domain/platform';
import { capText } from '../safety/sanitizeModelText';
import { isSecretFile, maskCredentials } from '../safety/secretScan';
import type { Boundary } from '../safety/untrustedBoundary';

/**
 * The code a thread is on, for a prompt answering in it: under the review's own filters (a file that may hold
 * secrets, or that `reviews.path_filters` excludes, is not even fetched), bounded whatever range the thread claims,
 * and with credentials masked.
 */

/** Lines shown around the lines a thread is on. */
const EXCERPT_CONTEXT = 10;
/** A thread can claim any range (lines 1–100000): the lines shown, context included, are at most these. */
const MAX_EXCERPT_LINES = 200;
/** And these characters (minified lines): about 200 lines of 100. */
const MAX_EXCERPT_CHARS = 20_000;
/** A larger file gets no excerpt: a few lines of it are not worth downloading it. */
const EXCERPT_MAX_FILE_BYTES = 2 * 1024 * 1024;

const MAY_HOLD_SECRETS = '(The file is not shown: it may hold secrets.)';
const PATH_FILTERED = '(The file is not shown: reviews.path_filters excludes it.)';

/** What the review filters files with: the same settings and configuration decide what a thread may show. */
export interface ExcerptDependencies {
  platform: PullRequestReader;
  /** `safety.secretFilePatterns`; without them, the app's default patterns. */
  settings?: { safety: Pick<ReviewSafetySettings, 'secretFilePatterns'> };
  /** The target branch's configuration (its `reviews.path_filters`); without it, every path is included. */
  repositoryConfig?: Pick<ResolvedRepositoryConfig, 'config'>;
}

/** The patterns of the environment with REVIEW_SECRET_FILES unset. */
const DEFAULT_SECRET_FILE_PATTERNS = reviewSafetyShape.REVIEW_SECRET_FILES.parse(undefined);

/** Masked, bounded code to fence; or the fixed line that says why there is none. */
type CodeExcerpt = { code: string } | { withheld: string };

/**
 * The lines the thread is on, with context, at `iteration`'s source commit (default: the newest iteration). A file
 * is withheld as the review withholds it: a secret file by its path or, renamed in the iteration, its original
 * path; a filtered-out one by its path.
 */
export async function codeExcerpt(
  deps: ExcerptDependencies,
  ref: PullRequestRef,
  thread: ThreadDetails,
  iteration?: PullRequestIteration,
): Promise<CodeExcerpt | undefined> {
  const { filePath, rightLines } = thread;
  if (filePath === undefined || rightLines === undefined) return undefined;
  const patterns = deps.settings?.safety.secretFilePatterns ?? DEFAULT_SECRET_FILE_PATTERNS;
  if (isSecretFile(filePath, patterns)) return { withheld: MAY_HOLD_SECRETS };
  if (deps.repositoryConfig !== undefined && !isPathIncluded(deps.repositoryConfig.config, filePath)) {
    return { withheld: PATH_FILTERED };
  }
  const shownAt = iteration ?? (await deps.platform.listIterations(ref)).at(-1);
  if (shownAt === undefined) return undefined;
  const changes = await deps.platform.listIterationChanges(ref, shownAt.id);
  const originalPath = changes.find((change) => change.path === filePath)?.originalPath;
  if (originalPath !== undefined && isSecretFile(originalPath, patterns)) {
    return { withheld: MAY_HOLD_SECRETS };
  }

  const content = await deps.platform.getFileContent(
    ref,
    filePath,
    shownAt.sourceCommitId,
    EXCERPT_MAX_FILE_BYTES,
  );
  if (content?.kind !== 'content') return undefined;
  const lines = Buffer.from(content.bytes).toString('utf8').split('\n');
  const from = Math.max(1, rightLines.start - EXCERPT_CONTEXT);
  const wanted = Math.min(lines.length, rightLines.end + EXCERPT_CONTEXT);
  const to = Math.min(wanted, from + MAX_EXCERPT_LINES - 1);
  const numbered = lines
    .slice(from - 1, to)
    .map((line, index) => `${String(from + index).padStart(5)} ${line.replace(/\r$/, '')}`);
  const shown = to < wanted ? `(with context; only lines ${from}–${to} shown)` : '(with context)';
  const header = `${filePath}, lines ${rightLines.start}–${rightLines.end} ${shown}:`;
  // Masked before the cut, so the cut cannot leave part of a credential the masks no longer recognise.
  return { code: capText(maskCredentials(`${header}\n${numbered.join('\n')}`), MAX_EXCERPT_CHARS) };
}

/** The code's text, for the prompt's boundary to avoid. */
export const excerptText = (excerpt: CodeExcerpt | undefined) =>
  excerpt !== undefined && 'code' in excerpt ? excerpt.code : '';

/** A prompt's section for the excerpt under `heading`: the fenced code, or the line saying why it is not shown. */
export function codeSection(boundary: Boundary, heading: string, excerpt: CodeExcerpt | undefined): string[] {
  if (excerpt === undefined) return [];
  return 'withheld' in excerpt
    ? ['', `${heading} ${excerpt.withheld}`]
    : ['', heading, boundary.fence('code', excerpt.code)];
}
