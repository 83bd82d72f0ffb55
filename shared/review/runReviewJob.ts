import { createAzureDevOpsPlatform } from '../azure-devops/azureDevOpsPlatform';
import { getConfig } from '../config';
import { createOpenAiChatModel } from '../llm/openAiChatModel';
import { parseReviewJob } from '../queue/reviewJob';
import { createSecretReader, readRequiredSecret } from '../secrets/readSecret';
import { getProcessSecretStore } from '../secrets/secretStore';
import { reviewPullRequest } from './reviewPullRequest';

export interface JobContext {
  dequeueCount: number;
  log: { info(message: string): void; warn(message: string): void };
}

export const STATUS_CONTEXT = { genre: 'ado-reviewer', name: 'review' };

/** The queue function's work: build the real collaborators from configuration and run the review. */
export async function runReviewJob(message: unknown, context: JobContext): Promise<void> {
  const job = parseReviewJob(message);
  const config = getConfig();
  const ref = { projectId: job.projectId, repositoryId: job.repositoryId, pullRequestId: job.pullRequestId };
  if (job.kind === 'comment') {
    context.log.info(`Comment ${job.commentId} on PR ${job.pullRequestId}: replies to mentions are not enabled`);
    return;
  }
  // Read per job through the secret cache, so a rotated PAT or key is used without a restart.
  const read = createSecretReader(getProcessSecretStore());
  const token = await readRequiredSecret(read, config.azureDevOps.token, 'AZURE_DEVOPS_BOT_TOKEN');
  const apiKeys = (await readRequiredSecret(read, config.llm.apiKeys, 'OPENAI_API_KEYS'))
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  const outcome = await reviewPullRequest(ref, {
    platform: createAzureDevOpsPlatform(config.azureDevOps.orgUrl, token),
    model: createOpenAiChatModel(config.llm, apiKeys),
    log: context.log,
    limits: config.review,
    statusContext: STATUS_CONTEXT,
  });
  context.log.info(
    `Job ${job.eventId} (try ${context.dequeueCount}) for PR ${job.pullRequestId}: ${JSON.stringify(outcome)}`,
  );
}
