import {
  parseServiceHookEvent,
  pullRequestOf,
  threadIdOf,
  type ServiceHookEvent,
} from '../events/serviceHookEvent';
import type { ReviewJob } from '../queue/reviewJob';
import { authenticateDelivery, type HeaderLookup, type WebhookCredentials } from './authenticateDelivery';
import { organizationKey } from './organization';
import type { BodyReading } from './requestBody';

export interface Delivery {
  header: HeaderLookup;
  /** Called only once the headers have authenticated the delivery: nobody else gets to send a body. */
  readBody: () => Promise<BodyReading>;
}

export interface DeliveryOutcome {
  status: 202 | 400 | 401 | 408 | 413 | 503;
  body: { accepted: boolean; reason: string; eventId?: string };
}

export interface DeliveryDependencies {
  /** The webhook credentials as of now (Key Vault values are read through the cache); rejects when unavailable. */
  credentials: () => Promise<WebhookCredentials>;
  /** The configured organization: the only one whose events are acted on. */
  organizationUrl: string;
  enqueue: (job: ReviewJob) => Promise<void>;
  log: { info(message: string): void; warn(message: string): void };
}

const ignored = (reason: string, eventId: string): DeliveryOutcome => ({
  status: 202,
  body: { accepted: false, reason, eventId },
});

/** The organizations a delivery names: its resource containers and its repository's URL. */
function organizationsNamedBy(event: ServiceHookEvent): string[] {
  const containers = event.resourceContainers ?? {};
  const urls = [containers.collection?.baseUrl, containers.account?.baseUrl, containers.project?.baseUrl];
  urls.push(pullRequestOf(event).repository.url);
  return urls.filter((url): url is string => url !== undefined).map(organizationKey);
}

function jobFor(event: ServiceHookEvent): ReviewJob {
  const pullRequest = pullRequestOf(event);
  const common = {
    version: 1 as const,
    eventId: event.id,
    eventType: event.eventType,
    projectId: pullRequest.repository.project.id,
    repositoryId: pullRequest.repository.id,
    pullRequestId: pullRequest.pullRequestId,
  };
  if (event.eventType === 'ms.vss-code.git-pullrequest-comment-event') {
    return {
      ...common,
      kind: 'comment',
      commentId: event.resource.comment.id,
      threadId: threadIdOf(event),
      actorId: event.resource.comment.author.id,
    };
  }
  return { ...common, kind: 'pullRequest' };
}

/**
 * Authenticates (from the headers alone), reads, validates and acknowledges one service-hook delivery, enqueueing a
 * review job for the ones the app acts on. Azure DevOps retries 408, 502, 503 and 504 and puts a subscription on
 * probation after any other error, dropping events for hours: so whatever is the app's or its dependencies' fault
 * (Key Vault, the queue) is a 503, and only bad credentials (401), a malformed body (400) or an oversized one (413)
 * get another 4xx.
 */
export async function acceptDelivery(
  delivery: Delivery,
  deps: DeliveryDependencies,
): Promise<DeliveryOutcome> {
  let credentials: WebhookCredentials;
  try {
    credentials = await deps.credentials();
  } catch (error) {
    // The message names the setting or secret and the kind of failure, never a value.
    deps.log.warn(`Could not read the webhook credentials: ${(error as Error).message}`);
    return { status: 503, body: { accepted: false, reason: 'credentials unavailable; retry later' } };
  }
  for (const refused of credentials.refused) deps.log.warn(`Webhook credentials: ${refused}`);
  for (const { setting, expiresOn } of credentials.expiringSoon) {
    deps.log.warn(`Webhook credentials: ${setting} expires on ${expiresOn.toISOString()}; rotate it`);
  }

  const auth = authenticateDelivery(delivery.header, credentials);
  if (!auth.ok) {
    deps.log.warn(`Rejected delivery: ${auth.reason}`);
    return { status: 401, body: { accepted: false, reason: auth.reason } };
  }

  const body = await delivery.readBody();
  if (body.kind === 'tooLarge') {
    deps.log.warn(`Rejected delivery: body over ${body.limit} bytes`);
    return { status: 413, body: { accepted: false, reason: `body over ${body.limit} bytes` } };
  }
  if (body.kind !== 'body') {
    const reason =
      body.kind === 'timedOut' ? `body not received within ${body.afterMs} ms` : 'body interrupted';
    deps.log.warn(`Rejected delivery: ${reason}`);
    // 408 is one Azure DevOps retries: a slow network must not put the subscription on probation.
    return { status: 408, body: { accepted: false, reason } };
  }

  const parsed = parseServiceHookEvent(body.text);
  if (parsed.kind === 'malformed') {
    deps.log.warn(`Rejected delivery: ${parsed.reason}`);
    return { status: 400, body: { accepted: false, reason: parsed.reason } };
  }
  if (parsed.kind === 'unhandled') {
    return ignored(`event type ${parsed.eventType} is not handled`, parsed.eventId);
  }

  const { event } = parsed;
  const expected = organizationKey(deps.organizationUrl);
  const foreign = organizationsNamedBy(event).find((organization) => organization !== expected);
  if (foreign !== undefined) {
    deps.log.warn(
      `Ignored event ${event.id}: it names organization ${foreign}, not the configured ${expected}`,
    );
    return ignored('event is from an organization this app is not configured for', event.id);
  }
  const pullRequest = pullRequestOf(event);
  if (pullRequest.status !== 'active') {
    return ignored(`pull request ${pullRequest.pullRequestId} is ${pullRequest.status}`, event.id);
  }

  const job = jobFor(event);
  try {
    await deps.enqueue(job);
  } catch (error) {
    deps.log.warn(`Could not enqueue event ${event.id}: ${(error as Error).message}`);
    // 503 is one of the statuses Azure DevOps retries without putting the subscription on probation.
    return {
      status: 503,
      body: { accepted: false, reason: 'review queue unavailable; retry later', eventId: event.id },
    };
  }
  deps.log.info(`Accepted ${event.eventType} ${event.id} for pull request ${job.pullRequestId}`);
  return { status: 202, body: { accepted: true, reason: 'queued for review', eventId: event.id } };
}
