import { app, type InvocationContext } from '@azure/functions';

/** Jobs the host moved to the poison queue: log their cause and show the failure on the pull request. */
export async function handlePoisonedReviewJob(message: unknown, context: InvocationContext): Promise<void> {
  const { reportPoisonedJob } = await import('../shared/worker/runReviewJob');
  await reportPoisonedJob(message, {
    dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 1),
    log: context,
  });
}

app.storageQueue('reviewJobPoison', {
  queueName: '%REVIEW_QUEUE_NAME%-poison',
  connection: 'AzureWebJobsStorage',
  handler: handlePoisonedReviewJob,
});
