import { errorMessage } from '../errors/errorMessage';
import {
  parseServiceHookEvent,
  pullRequestOf,
  threadIdOf,
  type ServiceHookEvent,
} from '../events/serviceHookEvent';
import type { ReviewJob } from '../queue/reviewJob';
import { authenticateDelivery, type HeaderLookup, type WebhookCredentials } from './authenticateDelivery';
import { findOrganization } from './organization';
import type { BodyReading } from './requestBody';

interface Delivery {
  header: HeaderLookup;
  /** Called only once the headers have authenticated the delivery: nobody else gets to send a body. */
  readBody: () => Promise<BodyReading>;
}

interface DeliveryOutcome {
  status: 202 | 400 | 401 | 408 | 413 | 503;
  body: { accepted: boolean; reason: string; eventId?: string };
}

interface DeliveryDependencies {
  /** The webhook credentials as of now (Key Vault values are read through the cache); rejects when unavailable. */
  credentials: () => Promise<WebhookCredentials>;
  /** The configured organizations (key and URL): the only ones whose events are acted on. */
  organizations: { key: string; url: string }[];
  enqueue: (job: ReviewJob) => Promise<void>;
  log: { info(message: string): void; warn(message: string): void };
}

const ignored = (reason: string, eventId: string): DeliveryOutcome => ({
  status: 202,
  body: { accepted: false, reason, eventId },
});

/**
 * The URLs a delivery names its organization by: its resource containers (an Azure DevOps Server collection is the
 * `collection` one) and its repository's API and clone URLs.
 */
function urlsNamedBy(event: ServiceHookEvent): string[] {
  const containers = event.resourceContainers ?? {};
  const { repository } = pullRequestOf(event);
  const remoteUrl = typeof repository.remoteUrl === 'string' ? repository.remoteUrl : undefined;
  const urls = [containers.collection?.baseUrl, containers.account?.baseUrl, containers.project?.baseUrl];
  urls.push(repository.url, remoteUrl);
  return urls.filter((url): url is string => url !== undefined);
}

/** The one configured organization every URL of the delivery lies under, or what names another. */
function routeDelivery(
  event: ServiceHookEvent,
  organizations: DeliveryDependencies['organizations'],
): { organization: { key: string; url: string } } | { foreign: string } {
  const matched = new Set<{ key: string; url: string }>();
  for (const url of urlsNamedBy(event)) {
    const organization = findOrganization(url, organizations);
    // Only the host is logged: the rest of a payload's URL is the sender's text.
    if (organization === undefined)
      return { foreign: URL.canParse(url) ? new URL(url).host : '(invalid url)' };
    matched.add(organization);
  }
  const [organization, ...others] = matched;
  if (organization === undefined || others.length > 0)
    return { foreign: organization === undefined ? '(none)' : 'more than one configured organization' };
  return { organization };
}

/** `organization`: the key of a configured organization other than the default one, which jobs leave unnamed. */
function jobFor(event: ServiceHookEvent, organization: string | undefined): ReviewJob {
  const pullRequest = pullRequestOf(event);
  const common = {
    version: 1 as const,
    ...(organization !== undefined && { organization }),
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
    deps.log.warn(`Could not read the webhook credentials: ${errorMessage(error)}`);
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
  const route = routeDelivery(event, deps.organizations);
  if ('foreign' in route) {
    deps.log.warn(`Ignored event ${event.id}: it names ${route.foreign}, not a configured organization`);
    return ignored('event is from an organization this app is not configured for', event.id);
  }
  const pullRequest = pullRequestOf(event);
  if (pullRequest.status !== 'active') {
    return ignored(`pull request ${pullRequest.pullRequestId} is ${pullRequest.status}`, event.id);
  }

  const { organization } = route;
  const job = jobFor(event, organization === deps.organizations[0] ? undefined : organization.key);
  try {
    await deps.enqueue(job);
  } catch (error) {
    deps.log.warn(`Could not enqueue event ${event.id}: ${errorMessage(error)}`);
    // 503 is one of the statuses Azure DevOps retries without putting the subscription on probation.
    return {
      status: 503,
      body: { accepted: false, reason: 'review queue unavailable; retry later', eventId: event.id },
    };
  }
  deps.log.info(`Accepted ${event.eventType} ${event.id} for pull request ${job.pullRequestId}`);
  return { status: 202, body: { accepted: true, reason: 'queued for review', eventId: event.id } };
}
