import { CommentThreadStatus, GitStatusState } from 'azure-devops-node-api/interfaces/GitInterfaces';
import { VersionControlRecursionType } from 'azure-devops-node-api/interfaces/GitInterfaces';
import type { RepositoryLocation } from '../azure-devops-url/repositoryUrl';
import { errorMessage } from '../errors/errorMessage';
import type { AzureDevOpsConnection } from './azureDevOpsConnection';

/**
 * What the app's identity can do on one repository, found by trying it: sign in (connectionData), read the pull
 * request list, read items, and — on a pull request the caller names — post a thread and a status. Reads change
 * nothing. The thread is created closed and its comment deleted right away (Azure DevOps has no thread delete; a
 * thread whose only comment is deleted is shown as deleted); the status is posted on the latest iteration under its
 * own context (`ado-reviewer/check-access`, not the review's), as not applicable, with a description that says so.
 */

type AccessOutcome = 'yes' | 'no' | 'not checked';

interface AccessCheck {
  what: 'sign in' | 'read pull requests' | 'read items' | 'post a thread' | 'post a status';
  outcome: AccessOutcome;
  /** What answered: who signed in, what was read, or the HTTP status and Azure DevOps' message. */
  reason: string;
}

const CHECK_ACCESS_STATUS = { genre: 'ado-reviewer', name: 'check-access' } as const;
export const CHECK_ACCESS_THREAD_TEXT =
  'ado-reviewer check-access: checking that this identity can post comments; deleted right away.';
const CHECK_ACCESS_STATUS_TEXT = 'ado-reviewer check-access: this identity can post statuses (not a review)';

/** The status and the service's message, never a header: the library's errors carry only these. */
function refusal(error: unknown): string {
  const status = (error as { statusCode?: unknown }).statusCode;
  const message = errorMessage(error);
  return typeof status === 'number' ? `HTTP ${status}: ${message}` : message;
}

async function attempt(
  what: AccessCheck['what'],
  probe: () => Promise<string>,
): Promise<AccessCheck & { failed?: unknown }> {
  try {
    return { what, outcome: 'yes', reason: await probe() };
  } catch (error) {
    return { what, outcome: 'no', reason: refusal(error), failed: error };
  }
}

/** What the probes after sign-in use: the connection's requests and Git client, and the repository's project. */
type Probes = Pick<AzureDevOpsConnection, 'requests' | 'git'> & { project: string };

/** The repository as found by `findRepository`: the checks after it run against its id. */
interface FoundRepository {
  id: string;
  defaultBranch: string | undefined;
}

export async function checkRepositoryAccess(
  { requests, connection, git }: AzureDevOpsConnection,
  location: RepositoryLocation,
  pullRequestId: number | undefined,
): Promise<AccessCheck[]> {
  const { project, repository: name } = location;
  const probes: Probes = { requests, git, project };
  const checks: AccessCheck[] = [];
  const record = ({ what, outcome, reason }: AccessCheck) => checks.push({ what, outcome, reason });

  const signIn = await attempt('sign in', () => signedInAs({ requests, connection }));
  record(signIn);
  const rest: AccessCheck['what'][] = ['read pull requests', 'read items', 'post a thread', 'post a status'];
  if (signIn.outcome === 'no') {
    for (const what of rest) record({ what, outcome: 'no', reason: 'could not sign in' });
    return checks;
  }

  // Found even when listing its pull requests then fails: the checks after that one still run.
  let repository: FoundRepository | undefined;
  const listed = await attempt('read pull requests', async () => {
    repository = await findRepository(probes, name);
    return listPullRequests(probes, repository.id);
  });
  record(listed);
  if (repository === undefined) {
    for (const what of rest.slice(1)) record({ what, outcome: 'no', reason: listed.reason });
    return checks;
  }
  const found = repository;

  record(await attempt('read items', () => readRoot(probes, found)));

  if (pullRequestId === undefined) {
    for (const what of rest.slice(2)) record({ what, outcome: 'not checked', reason: 'give --pull-request' });
    return checks;
  }

  record(await attempt('post a thread', () => postThread(probes, found.id, pullRequestId)));
  record(await attempt('post a status', () => postStatus(probes, found.id, pullRequestId)));
  return checks;
}

async function signedInAs({
  requests,
  connection,
}: Pick<AzureDevOpsConnection, 'requests' | 'connection'>): Promise<string> {
  const data = await requests.run('connectionData', 'read', () => connection.connect());
  const user = data.authenticatedUser;
  return `as ${user?.providerDisplayName ?? user?.customDisplayName ?? user?.id ?? 'an unnamed identity'}`;
}

async function findRepository({ requests, git, project }: Probes, name: string): Promise<FoundRepository> {
  const repository = await requests.run('getRepository', 'read', async () =>
    (await git()).getRepository(name, project),
  );
  // The library answers a 404 with null: not there, or not visible to this identity.
  if (!repository?.id)
    throw new Error(`repository ${project}/${name} not found, or not visible to this identity`);
  return { id: repository.id, defaultBranch: repository.defaultBranch };
}

async function listPullRequests({ requests, git, project }: Probes, repositoryId: string): Promise<string> {
  const pullRequests = await requests.run('getPullRequests', 'read', async () =>
    (await git()).getPullRequests(repositoryId, {}, project, undefined, undefined, 1),
  );
  return pullRequests.length > 0 ? 'listed active pull requests' : 'listed (no active pull requests)';
}

async function readRoot({ requests, git, project }: Probes, repository: FoundRepository): Promise<string> {
  const items = await requests.run('getItems', 'read', async () =>
    (await git()).getItems(repository.id, project, '/', VersionControlRecursionType.OneLevel),
  );
  return `read the root of ${repository.defaultBranch ?? 'the default branch'} (${items.length} items)`;
}

/** A closed thread whose only comment is deleted right away: shown as deleted (there is no thread delete). */
async function postThread(
  { requests, git, project }: Probes,
  repositoryId: string,
  pullRequestId: number,
): Promise<string> {
  const thread = await requests.run('createThread', 'once', async () =>
    (await git()).createThread(
      {
        comments: [{ parentCommentId: 0, content: CHECK_ACCESS_THREAD_TEXT, commentType: 1 }],
        status: CommentThreadStatus.Closed,
      },
      repositoryId,
      pullRequestId,
      project,
    ),
  );
  const threadId = thread.id as number;
  const commentId = thread.comments?.[0]?.id ?? 1;
  try {
    await requests.run('deleteComment', 'idempotentWrite', async () =>
      (await git()).deleteComment(repositoryId, pullRequestId, threadId, commentId, project),
    );
  } catch (error) {
    throw new Error(`created thread ${threadId} but could not delete it: ${refusal(error)}`);
  }
  return `created thread ${threadId} on pull request ${pullRequestId} and deleted it`;
}

/** A not-applicable status under the check's own context, on the latest iteration. */
async function postStatus(
  { requests, git, project }: Probes,
  repositoryId: string,
  pullRequestId: number,
): Promise<string> {
  const iterations = await requests.run('getPullRequestIterations', 'read', async () =>
    (await git()).getPullRequestIterations(repositoryId, pullRequestId, project),
  );
  const latest = Math.max(0, ...iterations.map((iteration) => iteration.id ?? 0));
  if (latest === 0) throw new Error(`pull request ${pullRequestId} has no iterations`);
  await requests.run('createPullRequestIterationStatus', 'idempotentWrite', async () =>
    (await git()).createPullRequestIterationStatus(
      {
        state: GitStatusState.NotApplicable,
        description: CHECK_ACCESS_STATUS_TEXT,
        context: CHECK_ACCESS_STATUS,
      },
      repositoryId,
      pullRequestId,
      latest,
      project,
    ),
  );
  return `posted ${CHECK_ACCESS_STATUS.genre}/${CHECK_ACCESS_STATUS.name} on iteration ${latest}`;
}
