import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { tryGetConfig, type AppConfig } from '../shared/config';
import { errorDescription } from '../shared/errors/errorMessage';
import { webhookPorts } from '../shared/composition/processRoot';
import type { JobQueue } from '../shared/queue/jobQueue';
import type { SecretStore } from '../shared/secrets/secretStore';
import { acceptDelivery } from '../shared/webhook/acceptDelivery';
import { resolveDeliveryCredentials } from '../shared/webhook/authenticateDelivery';
import { readBoundedBody } from '../shared/webhook/requestBody';

// Without streams the host reads the whole body, of any size and at any pace, before the handler can authenticate
// the request; with them `request.body` is the live stream and the handler decides how much of it to read.
app.setup({ enableHttpStream: true });

interface WebhookPorts {
  /** Called once, with the first valid configuration. */
  createQueue(config: AppConfig): JobQueue;
  secretStore(): SecretStore | undefined;
}

/** The webhook handler over its two ports; the app's uses the Storage queue and the process's Key Vault store. */
export function createWebhookHandler(ports: WebhookPorts) {
  let queue: JobQueue | undefined;
  return async function handleWebhook(
    request: HttpRequest,
    context: InvocationContext,
  ): Promise<HttpResponseInit> {
    try {
      const loaded = tryGetConfig();
      if ('error' in loaded) {
        context.error(loaded.error.message);
        // 503 keeps Azure DevOps retrying (and the subscription off probation) while an operator fixes the settings.
        return {
          status: 503,
          jsonBody: { accepted: false, reason: 'the app is not configured; see its logs' },
        };
      }
      const { config } = loaded;
      queue ??= ports.createQueue(config);
      const jobs = queue;
      const header = (name: string) => request.headers.get(name);
      const outcome = await acceptDelivery(
        {
          header,
          readBody: () => readBoundedBody(request.body, request.headers.get('content-length')),
        },
        {
          // Values that refuse this delivery may predate a rotation: read again from Key Vault first, unless a
          // re-read for another refusal is seconds old (then refused at once: wrong passwords hold no connection).
          credentials: () => resolveDeliveryCredentials(header, config.webhook, ports.secretStore()),
          organizations: config.azureDevOps.organizations,
          enqueue: (job) => jobs.send(job),
          log: context,
        },
      );
      return { status: outcome.status, jsonBody: outcome.body };
    } catch (error) {
      // Anything unforeseen is still the app's fault, not the sender's: 503, which Azure DevOps retries, never 500.
      context.error(`Webhook failed: ${errorDescription(error)}`);
      return { status: 503, jsonBody: { accepted: false, reason: 'temporarily unavailable; retry later' } };
    }
  };
}

/** Receives Azure DevOps service-hook deliveries and queues review jobs. */
const handleWebhook = createWebhookHandler(webhookPorts);

app.http('webhook', {
  route: 'azure_webhooks',
  methods: ['POST'],
  // Function keys cannot be set on an Azure DevOps service hook's URL reliably; the handler authenticates instead.
  authLevel: 'anonymous',
  handler: handleWebhook,
});
