import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type {
  ChangeKind,
  FileChange,
  PullRequestDetails,
  PullRequestIteration,
  PullRequestReader,
  PullRequestRef,
} from '../review/domain/platform';

/**
 * `PullRequestReader` over a local repository, through the `git` CLI: a branch reviewed as if it
 * were a pull request of one iteration, its changes reported the way Azure DevOps reports them.
 */

export interface LocalReview {
  platform: PullRequestReader;
  iteration: PullRequestIteration;
  pullRequest: PullRequestDetails;
  ref: PullRequestRef;
}

class GitCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | undefined,
  ) {
    super(message);
    this.name = 'GitCommandError';
  }
}

/** Largest blob read into memory; the review skips files far smaller than this, by its own limit. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

const SYMLINK_MODE = '120000';
const SUBMODULE_MODE = '160000';

function runGit(repoDir: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: repoDir, encoding: 'buffer', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const reason =
          stderr
            .toString('utf8')
            .split('\n')
            .map((line) => line.replace(/^(fatal|error): /, '').trim())
            .find((line) => line !== '') ?? error.message;
        reject(
          new GitCommandError(
            `git ${args[0]} failed: ${reason}`,
            typeof error.code === 'number' ? error.code : undefined,
          ),
        );
      },
    );
  });
}

/** Runs a command whose "no such thing" answer is exit code 1 (`--verify --quiet`): undefined then. */
async function gitOptional(repoDir: string, args: string[]): Promise<string | undefined> {
  try {
    return (await runGit(repoDir, args)).toString('utf8').trim();
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1) return undefined;
    throw error;
  }
}

async function resolveCommit(repoDir: string, name: string): Promise<string> {
  const commitId = await gitOptional(repoDir, [
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${name}^{commit}`,
  ]);
  if (commitId === undefined) throw new GitCommandError(`no commit named "${name}"`, 1);
  return commitId;
}

/** What Azure DevOps reports for each status of `git diff --raw`: it flags a rename with edits as both. */
function changeFlags(status: string): { kind: ChangeKind; flags: string[] } {
  switch (status[0]) {
    case 'A':
      return { kind: 'add', flags: ['add'] };
    case 'D':
      return { kind: 'delete', flags: ['delete'] };
    case 'M':
    case 'T':
      return { kind: 'edit', flags: ['edit'] };
    case 'R':
      return { kind: 'rename', flags: status === 'R100' ? ['rename'] : ['edit', 'rename'] };
    default:
      return { kind: 'other', flags: [status.toLowerCase()] };
  }
}

/**
 * Parses `git diff --raw -z`: `:oldMode newMode oldId newId status` NUL path NUL, with a second path for renames.
 * Symbolic links and submodules are marked `special` (from their modes): they have no text to review.
 */
function parseRawDiff(output: string): FileChange[] {
  const fields = output.split('\0');
  const changes: FileChange[] = [];
  for (let index = 0; index < fields.length - 1;) {
    const [oldMode, newMode, , , status] = fields[index].slice(1).split(' ');
    const { kind, flags } = changeFlags(status);
    const twoPaths = status.startsWith('R') || status.startsWith('C');
    const originalPath = twoPaths ? fields[index + 1] : undefined;
    const path = twoPaths ? fields[index + 2] : fields[index + 1];
    index += twoPaths ? 3 : 2;
    const modes = [oldMode, newMode];
    changes.push({
      changeTrackingId: changes.length + 1,
      changeFlags: flags,
      kind,
      path: `/${path}`,
      originalPath: originalPath === undefined ? undefined : `/${originalPath}`,
      isFolder: false,
      special: modes.includes(SUBMODULE_MODE)
        ? 'submodule'
        : modes.includes(SYMLINK_MODE)
          ? 'symlink'
          : undefined,
    });
  }
  return changes;
}

/**
 * Reviews `head` against `base` in the repository at (or above) `repoDir`: the left side is their merge base, so
 * work that landed on `base` after the branch point is never shown as reverted.
 */
export async function createLocalGitPlatform(
  repoDir: string,
  base: string,
  head: string,
): Promise<LocalReview> {
  const [sourceCommitId, targetCommitId] = await Promise.all([
    resolveCommit(repoDir, head),
    resolveCommit(repoDir, base),
  ]);
  const commonCommitId = await gitOptional(repoDir, ['merge-base', targetCommitId, sourceCommitId]);
  if (commonCommitId === undefined)
    throw new GitCommandError(`${base} and ${head} have no common history`, 1);

  const iteration: PullRequestIteration = {
    id: 1,
    sourceCommitId,
    targetCommitId,
    commonCommitId,
    reason: 'create',
  };
  const ref: PullRequestRef = { projectId: 'local', repositoryId: resolve(repoDir), pullRequestId: 0 };

  // Subject and body apart, with the author's email as the author's identity.
  const [subject, body, authorEmail] = (
    await runGit(repoDir, ['log', '-1', '--no-show-signature', '--format=%s%x00%b%x00%ae', sourceCommitId])
  )
    .toString('utf8')
    .split('\0');
  const pullRequest: PullRequestDetails = {
    title: subject,
    description: body.trim(),
    status: 'active',
    isDraft: false,
    sourceRefName: head,
    targetRefName: base,
    authorId: authorEmail.trim(),
    requiredReviewers: [],
  };

  const checkIteration = (iterationId: number, compareTo: number | undefined) => {
    if (iterationId !== iteration.id || compareTo !== undefined)
      throw new Error(`a local review has only iteration ${iteration.id}`);
  };

  const platform: PullRequestReader = {
    getOwnIdentityId: () => Promise.resolve('local'),
    getPullRequest: () => Promise.resolve(pullRequest),
    listIterations: () => Promise.resolve([iteration]),
    async listIterationChanges(_ref, iterationId, compareTo) {
      checkIteration(iterationId, compareTo);
      // Options that user configuration could otherwise change (diff.renames, diff.relative, diff.ignoreSubmodules).
      const output = await runGit(repoDir, [
        'diff',
        '--raw',
        '-z',
        '--no-abbrev',
        '--no-color',
        '--no-relative',
        '--ignore-submodules=none',
        '-M',
        commonCommitId,
        sourceCommitId,
        '--',
      ]);
      return parseRawDiff(output.toString('utf8'));
    },
    async getFileContent(_ref, path, commitId, maxBytes) {
      const object = `${commitId}:${path.replace(/^\/+/, '')}`;
      try {
        // The size first, as Azure DevOps' Content-Length: an oversize blob is never read.
        const size = Number((await runGit(repoDir, ['cat-file', '-s', object])).toString('utf8').trim());
        if (size > maxBytes) return { kind: 'tooLarge', size };
        return { kind: 'content', bytes: await runGit(repoDir, ['cat-file', 'blob', object]) };
      } catch (error) {
        // cat-file fails alike for a missing path and a broken repository: ask which it was.
        const exists = await gitOptional(repoDir, [
          'rev-parse',
          '--verify',
          '--quiet',
          '--end-of-options',
          object,
        ]);
        if (exists === undefined) return undefined;
        throw error;
      }
    },
    listThreads: () => Promise.resolve([]),
    getThread: () => Promise.resolve(undefined),
    // A local branch has no work items linked to it.
    listLinkedWorkItems: () => Promise.resolve([]),
    // Nor a project with teams.
    listTeamMembers: () => Promise.resolve(undefined),
  };

  return { platform, iteration, pullRequest, ref };
}
