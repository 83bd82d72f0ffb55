import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { llmEndpointHost, tryGetConfig, type AppConfig } from '../shared/config';
import { errorMessage } from '../shared/errors/errorMessage';
import { reviewQueue, secretStore } from '../shared/composition/processRoot';
import { authenticateDelivery, resolveWebhookCredentials } from '../shared/webhook/authenticateDelivery';

/** Which models each tier tries, in order, and where: the resolved model settings, without a secret. */
function modelTierMap({ llm }: AppConfig) {
  const names = (tier: keyof typeof llm.tiers) => llm.tiers[tier].map((choice) => choice.name);
  return {
    provider: llm.provider,
    endpointHost: llmEndpointHost(llm),
    tiers: { light: names('light'), reasoning: names('reasoning'), heavy: names('heavy') },
  };
}

/**
 * Reports whether the app can accept deliveries: configuration valid and review queue reachable. Anyone gets only
 * healthy or unhealthy (200 or 503); what is wrong goes to the log. A caller with the webhook credentials (what a
 * service hook sends) also gets the details: the queue, the webhook secrets that expire soon, and the model tier
 * map (provider, endpoint host, per tier the models or deployments tried in order), and whether each Azure DevOps
 * organization takes the app's credential (organizationHealth.ts; cached, and not part of the status: a refused
 * or unreachable organization does not stop deliveries being accepted). Never values.
 */
async function handleHealth(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const loaded = tryGetConfig();
  if ('error' in loaded) {
    context.error(`Health check: ${loaded.error.message}`);
    return { status: 503, jsonBody: { status: 'unhealthy' } };
  }
  const { config } = loaded;
  // Key Vault unreadable counts as unauthenticated here: the answer is then the short one.
  const credentials = await resolveWebhookCredentials(config.webhook, secretStore()).catch(
    (error: unknown) => {
      context.warn(`Health check: webhook credentials unavailable: ${errorMessage(error)}`);
      return undefined;
    },
  );
  const authenticated =
    credentials !== undefined &&
    !config.webhook.disabled &&
    authenticateDelivery((name) => request.headers.get(name), credentials).ok;
  // Loaded only here: the Azure DevOps client stays out of the entry's cold start.
  const azureDevOps = authenticated
    ? import('../shared/azure-devops/organizationHealth').then(({ checkOrganizations }) =>
        checkOrganizations(config.azureDevOps.organizations, secretStore(), (message) =>
          context.warn(message),
        ),
      )
    : undefined;
  let queue: { name: string; reachable: boolean; error?: string } = {
    name: config.queue.name,
    reachable: true,
  };
  try {
    await reviewQueue(config).checkReachable();
  } catch (error) {
    context.warn(`Health check: review queue unreachable: ${errorMessage(error)}`);
    queue = {
      name: config.queue.name,
      reachable: false,
      error: (error as { code?: string }).code ?? 'unreachable',
    };
  }
  const healthy = queue.reachable;
  const status = healthy ? 'healthy' : 'unhealthy';
  const expiringSoon = (credentials?.expiringSoon ?? []).map(({ setting, expiresOn }) => ({
    setting,
    expiresOn: expiresOn.toISOString(),
  }));
  for (const { setting, expiresOn } of expiringSoon) {
    context.warn(`Health check: ${setting} expires on ${expiresOn}; rotate it`);
  }
  return {
    status: healthy ? 200 : 503,
    jsonBody: authenticated
      ? {
          status,
          configuration: { valid: true },
          queue,
          webhookSecrets: { expiringSoon },
          model: modelTierMap(config),
          azureDevOps: await azureDevOps,
        }
      : { status },
  };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: handleHealth });
