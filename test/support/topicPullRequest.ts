import type {
  AzureDevOpsTestServer,
  CreateRepositoryRequest,
} from '../../dev/azure-devops/azureDevOpsServer';
import type { PullRequestRef } from '../../shared/review/domain/platform';

export interface TopicPullRequestRequest {
  project: string;
  repository: string;
  /** The repository's first commit, on main. */
  mainFiles: CreateRepositoryRequest['files'];
  /** Pushed to the branch topic, which the pull request merges into main. */
  topicFiles: CreateRepositoryRequest['files'];
  title: string;
}

/** A new repository on the test server with one pull request from topic into main. */
export async function createTopicPullRequest(
  devops: AzureDevOpsTestServer,
  request: TopicPullRequestRequest,
): Promise<{ ref: PullRequestRef; topicCommitId: string }> {
  const repository = await devops.createRepository({
    project: request.project,
    name: request.repository,
    files: request.mainFiles,
  });
  const topicCommitId = await devops.push({
    repositoryId: repository.id,
    branch: 'topic',
    files: request.topicFiles,
  });
  const pr = await devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'topic',
    targetBranch: 'main',
    title: request.title,
  });
  const ref = {
    projectId: (repository.project as { id: string }).id,
    repositoryId: repository.id,
    pullRequestId: pr.pullRequestId,
  };
  return { ref, topicCommitId };
}

/** Files that each add a line the scripted reviewer flags (a `console.log`). */
export const flaggedFiles = (paths: string[]): CreateRepositoryRequest['files'] =>
  Object.fromEntries(paths.map((path) => [path, 'export const a = 1;\nconsole.log(a);\n']));

/**
 * A repository `name` in project demo (a README on main) with one pull request `name`, whose topic branch adds
 * `paths`, each with a line the scripted reviewer flags.
 */
export async function openFlaggedPullRequest(
  devops: AzureDevOpsTestServer,
  name: string,
  paths: string[],
): Promise<{ repositoryId: string; pullRequestId: number }> {
  const { ref } = await createTopicPullRequest(devops, {
    project: 'demo',
    repository: name,
    mainFiles: { 'README.md': 'hi\n' },
    topicFiles: flaggedFiles(paths),
    title: name,
  });
  return { repositoryId: ref.repositoryId, pullRequestId: ref.pullRequestId };
}
