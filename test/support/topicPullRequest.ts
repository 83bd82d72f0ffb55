import type {
  AzureDevOpsTestServer,
  CreateRepositoryRequest,
} from '../../dev/azure-devops/azureDevOpsServer';
import type { PullRequestRef } from '../../shared/review/platform';

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
