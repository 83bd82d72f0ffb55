import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { tryGetConfig } from '../shared/config';
import { createJobQueue, type JobQueue } from '../shared/queue/jobQueue';
import { createSecretReader } from '../shared/secrets/readSecret';
import { getProcessSecretStore } from '../shared/secrets/secretStore';
import { acceptDelivery } from '../shared/webhook/acceptDelivery';
import { resolveWebhookCredentials } from '../shared/webhook/authenticateDelivery';

let queue: JobQueue | undefined;

/** Receives Azure DevOps service-hook deliveries and queues review jobs. */
export async function handleWebhook(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const loaded = tryGetConfig();
  if ('error' in loaded) {
    context.error(loaded.error.message);
    // 503 keeps Azure DevOps retrying (and the subscription off probation) while an operator fixes the settings.
    return { status: 503, jsonBody: { accepted: false, reason: 'the app is not configured; see its logs' } };
  }
  const { config } = loaded;
  queue ??= createJobQueue(config.storage, config.queue.name);
  const jobs = queue;
  const credentials = await resolveWebhookCredentials(
    config.webhook,
    createSecretReader(getProcessSecretStore()),
  );
  const outcome = await acceptDelivery(
    { header: (name) => request.headers.get(name), body: await request.text() },
    {
      credentials,
      organizationUrl: config.azureDevOps.orgUrl,
      enqueue: (job) => jobs.send(job),
      log: context,
    },
  );
  return { status: outcome.status, jsonBody: outcome.body };
}

app.http('webhook', {
  route: 'azure_webhooks',
  methods: ['POST'],
  // Function keys cannot be set on an Azure DevOps service hook's URL reliably; the handler authenticates instead.
  authLevel: 'anonymous',
  handler: handleWebhook,
});
