import { app, type InvocationContext } from '@azure/functions';
import { errorMessage } from '../shared/errors/errorMessage';

/**
 * Jobs the host moved to the poison queue: log their cause and show the failure on the pull request. Nothing here
 * may throw: a failed poison message would be retried and then moved to a `-poison-poison` queue nobody reads, so a
 * failure (Azure DevOps down, state unreadable, a malformed message) is logged once and the message is consumed.
 */
async function handlePoisonedReviewJob(message: unknown, context: InvocationContext): Promise<void> {
  try {
    const { reportPoisonedJob } = await import('../shared/worker/runReviewJob');
    await reportPoisonedJob(message, {
      dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 1),
      log: context,
    });
  } catch (error) {
    context.error(`Could not report a poisoned review job (the message is dropped): ${errorMessage(error)}`);
  }
}

app.storageQueue('reviewJobPoison', {
  queueName: '%REVIEW_QUEUE_NAME%-poison',
  connection: 'AzureWebJobsStorage',
  handler: handlePoisonedReviewJob,
});
