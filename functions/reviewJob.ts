import { app, type InvocationContext } from '@azure/functions';

/**
 * Runs one review job from the queue. The review stack (Azure DevOps and LLM clients, diffing) is imported on the
 * first job rather than at start-up, so the webhook and health functions in the same worker start fast.
 * Throwing makes the host retry the message and, after host.json's maxDequeueCount, move it to the poison queue.
 */
async function handleReviewJob(message: unknown, context: InvocationContext): Promise<void> {
  // The host's functionTimeout counts from here, module loading included.
  const startedAt = Date.now();
  const { runReviewJob } = await import('../shared/worker/runReviewJob');
  await runReviewJob(message, {
    dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 1),
    startedAt,
    log: context,
  });
}

app.storageQueue('reviewJob', {
  queueName: '%REVIEW_QUEUE_NAME%',
  connection: 'AzureWebJobsStorage',
  handler: handleReviewJob,
});
