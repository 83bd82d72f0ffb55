import type { ServiceHookEvent } from '../events/serviceHookEvent';
import { PasswordFingerprints } from './passwordFingerprints';
import type { Project, ServiceHooksClient, Subscription, SubscriptionRequest } from './serviceHooksClient';

/**
 * What to create, update or delete so that each project has exactly one up-to-date Web Hooks subscription per
 * event type the app handles, delivering to its `/azure_webhooks` endpoint (or none, for removal).
 *
 * Which subscriptions are ours: publisher tfs, consumer webHooks/httpRequest, one of our event types, our project,
 * and a consumer url whose path ends in `/azure_webhooks` on the host of the webhook URL — or on another host if
 * it carries our marker header (so a moved app is updated, not duplicated). The marker's value is a fingerprint of
 * the webhook password (see PasswordFingerprints).
 */

type EventType = ServiceHookEvent['eventType'];

const WEBHOOK_PATH = 'azure_webhooks';
const MARKER_HEADER = 'X-Ado-Reviewer-Hook';

/** Publisher inputs besides projectId. `updated` also fires for votes, reviewers and status: only pushes matter. */
const EVENT_FILTERS: Record<EventType, Record<string, string>> = {
  'git.pullrequest.created': {},
  'git.pullrequest.updated': { notificationType: 'PushNotification' },
  'ms.vss-code.git-pullrequest-comment-event': {},
};
const EVENT_TYPES = Object.keys(EVENT_FILTERS) as EventType[];

/** The app reads the resource, never the (localized) message texts. */
const DELIVERY_OPTIONS: Record<string, string> = {
  resourceDetailsToSend: 'all',
  messagesToSend: 'none',
  detailedMessagesToSend: 'none',
};

export type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted';

interface Change {
  outcome: Outcome;
  eventType: string;
  project: Project;
  /** Absent when nothing needs writing. */
  apply?: (client: ServiceHooksClient) => Promise<void>;
}

interface Plan {
  changes: Change[];
  /** Things the plan cannot fix, such as a subscription Azure DevOps disabled. */
  warnings: string[];
}

export interface WebhookCredentials {
  username: string;
  password: string;
}

/** The app's webhook endpoint, given either the endpoint itself or the app's base URL (no trailing slash). */
export function webhookEndpoint(appUrl: string): URL {
  return new URL(
    lastSegment(new URL(appUrl).pathname) === WEBHOOK_PATH ? appUrl : `${appUrl}/${WEBHOOK_PATH}`,
  );
}

function lastSegment(pathname: string): string {
  return pathname.replace(/\/+$/, '').split('/').pop() ?? '';
}

/** The value of our marker in an `httpHeaders` input ("Name:Value" lines), or undefined when absent. */
function markerIn(httpHeaders: string | undefined): string | undefined {
  for (const line of (httpHeaders ?? '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === MARKER_HEADER.toLowerCase())
      return line.slice(colon + 1).trim();
  }
  return undefined;
}

const markerOf = (subscription: Subscription) => markerIn(subscription.consumerInputs.httpHeaders);

function isOurs(subscription: Subscription, project: Project, webhookUrl: URL): boolean {
  const url = subscription.consumerInputs.url;
  if (
    subscription.publisherId !== 'tfs' ||
    subscription.consumerId !== 'webHooks' ||
    subscription.consumerActionId !== 'httpRequest' ||
    !(EVENT_TYPES as string[]).includes(subscription.eventType) ||
    subscription.publisherInputs.projectId?.toLowerCase() !== project.id.toLowerCase() ||
    url === undefined ||
    !URL.canParse(url)
  )
    return false;
  const target = new URL(url);
  return (
    lastSegment(target.pathname) === WEBHOOK_PATH &&
    (target.host === webhookUrl.host || markerOf(subscription) !== undefined)
  );
}

/** Where the subscriptions stand: the app's endpoint, the projects planned for, and their subscriptions now. */
interface CurrentSubscriptions {
  webhookUrl: URL;
  projects: Project[];
  subscriptions: Subscription[];
}

/** Each project and event type the app handles (projects first, then EVENT_TYPES), with our subscriptions there. */
function ourSubscriptions({ webhookUrl, projects, subscriptions }: CurrentSubscriptions) {
  return projects.flatMap((project) =>
    EVENT_TYPES.map((eventType) => ({
      project,
      eventType,
      ours: subscriptions.filter(
        (subscription) => subscription.eventType === eventType && isOurs(subscription, project, webhookUrl),
      ),
    })),
  );
}

/** The descriptor lists '' for "All"; we send 'all', and either means the same. */
const sameChoice = (actual: string | undefined, wanted: string) => (actual || 'all') === wanted;

async function isUpToDate(
  subscription: Subscription,
  eventType: EventType,
  webhookUrl: URL,
  username: string,
  fingerprints: PasswordFingerprints,
): Promise<boolean> {
  const consumer = subscription.consumerInputs;
  return (
    Object.entries(EVENT_FILTERS[eventType]).every(
      ([input, value]) => subscription.publisherInputs[input] === value,
    ) &&
    Object.entries(DELIVERY_OPTIONS).every(([input, value]) => sameChoice(consumer[input], value)) &&
    consumer.url === webhookUrl.href &&
    consumer.basicAuthUsername === username &&
    (await fingerprints.matches(markerOf(subscription)))
  );
}

const deletion = (subscription: Subscription, project: Project): Change => ({
  outcome: 'deleted',
  eventType: subscription.eventType,
  project,
  apply: (client) => client.deleteSubscription(subscription.id),
});

/** Create what is missing, replace what is out of date (or carries another password), delete duplicates. */
export async function planSetup(
  current: CurrentSubscriptions,
  credentials: WebhookCredentials,
): Promise<Plan> {
  const { webhookUrl } = current;
  const fingerprints = new PasswordFingerprints(credentials.password);
  const request = async (eventType: EventType, project: Project): Promise<SubscriptionRequest> => ({
    publisherId: 'tfs',
    eventType,
    consumerId: 'webHooks',
    consumerActionId: 'httpRequest',
    publisherInputs: { projectId: project.id, ...EVENT_FILTERS[eventType] },
    consumerInputs: {
      url: webhookUrl.href,
      basicAuthUsername: credentials.username,
      basicAuthPassword: credentials.password,
      ...DELIVERY_OPTIONS,
      httpHeaders: `${MARKER_HEADER}:${await fingerprints.current()}`,
    },
  });
  const plan: Plan = { changes: [], warnings: [] };
  // One is kept, preferably one already pointing at the app: copies would deliver every event twice.
  const pointsAtApp = (subscription: Subscription) => subscription.consumerInputs.url === webhookUrl.href;
  for (const { project, eventType, ours } of ourSubscriptions(current)) {
    const [kept, ...copies] = ours.sort((a, b) => Number(pointsAtApp(b)) - Number(pointsAtApp(a)));
    if (!kept) {
      const created = await request(eventType, project);
      plan.changes.push({
        outcome: 'created',
        eventType,
        project,
        apply: (client) => client.createSubscription(created),
      });
    } else if (await isUpToDate(kept, eventType, webhookUrl, credentials.username, fingerprints)) {
      plan.changes.push({ outcome: 'unchanged', eventType, project });
    } else {
      const replaced = await request(eventType, project);
      plan.changes.push({
        outcome: 'updated',
        eventType,
        project,
        apply: (client) => client.replaceSubscription(kept.id, replaced),
      });
    }
    if (kept?.status !== undefined && !['enabled', 'onProbation'].includes(kept.status))
      plan.warnings.push(
        `${eventType} ${project.name} is ${kept.status}: re-enable it in Project settings > Service hooks`,
      );
    plan.changes.push(...copies.map((copy) => deletion(copy, project)));
  }
  return plan;
}

/** Delete every subscription of ours; other subscriptions are left alone. */
export function planRemoval(current: CurrentSubscriptions): Plan {
  const changes = ourSubscriptions(current).flatMap(({ project, ours }) =>
    ours.map((subscription) => deletion(subscription, project)),
  );
  return { changes, warnings: [] };
}

/** The `httpHeaders` input with our marker set to `marker`, other header lines kept. */
function withMarker(httpHeaders: string | undefined, marker: string): string {
  const others = (httpHeaders ?? '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && markerIn(line) === undefined);
  return [...others, `${MARKER_HEADER}:${marker}`].join('\n');
}

/** A URL's path without trailing slashes ("/" for the root). */
const withoutTrailingSlash = (pathname: string) => pathname.replace(/\/+$/, '') || '/';

/**
 * Whether `url` delivers to the app's webhook endpoint `webhookUrl`: the same scheme, host (case-insensitively:
 * URL lower-cases it), port (a default port written out or not), user info and path (trailing slashes aside).
 * When the app's URL has no query, a query of the subscription's own is allowed: it does not change which server
 * receives the request, so the password still goes only to the app. When the app's URL has one (a function key,
 * say), it is part of how the app is addressed, and must be the same.
 */
export function isAppWebhook(url: string, webhookUrl: URL): boolean {
  if (!URL.canParse(url)) return false;
  const target = new URL(url);
  return (
    target.protocol === webhookUrl.protocol &&
    target.host === webhookUrl.host &&
    target.username === webhookUrl.username &&
    target.password === webhookUrl.password &&
    withoutTrailingSlash(target.pathname) === withoutTrailingSlash(webhookUrl.pathname) &&
    (webhookUrl.search === '' || target.search === webhookUrl.search)
  );
}

/** Where a subscription that is not the app's webhook delivers, without anything a query or user info may hold. */
function elsewhere(url: string, webhookUrl: URL): string {
  const target = new URL(url);
  if (target.hostname !== webhookUrl.hostname) return target.host;
  return `${target.origin}${target.pathname}${target.search === '' ? '' : '?…'}`;
}

/**
 * Give every subscription of ours (copies included) the new password and its fingerprint, changing nothing else;
 * the ones whose fingerprint already matches it are unchanged, so a run after an interruption only does the rest.
 * Only those delivering to the app's own webhook URL: one of ours elsewhere (our marker on another host, or another
 * path) keeps its url, so writing the password into it would hand the password to whoever receives there. It is
 * left alone, with a warning.
 */
export async function planPasswordChange(
  current: CurrentSubscriptions,
  credentials: WebhookCredentials,
): Promise<Plan> {
  const fingerprints = new PasswordFingerprints(credentials.password);
  const changes: Change[] = [];
  const warnings: string[] = [];
  for (const { project, eventType, ours } of ourSubscriptions(current)) {
    for (const subscription of ours) {
      const url = subscription.consumerInputs.url ?? '';
      const { webhookUrl } = current;
      if (!isAppWebhook(url, webhookUrl)) {
        warnings.push(
          `left alone: ${elsewhere(url, webhookUrl)} is not this app's webhook ` +
            `(${webhookUrl.origin}${webhookUrl.pathname}): subscription ${subscription.id} (${eventType} ${project.name}) ` +
            'keeps its password',
        );
        continue;
      }
      if (await fingerprints.matches(markerOf(subscription))) {
        changes.push({ outcome: 'unchanged', eventType, project });
        continue;
      }
      const { publisherId, consumerId, consumerActionId, publisherInputs, consumerInputs } = subscription;
      const replaced: SubscriptionRequest = {
        publisherId,
        eventType,
        consumerId,
        consumerActionId,
        publisherInputs,
        consumerInputs: {
          ...consumerInputs,
          basicAuthUsername: credentials.username,
          basicAuthPassword: credentials.password,
          httpHeaders: withMarker(consumerInputs.httpHeaders, await fingerprints.current()),
        },
      };
      changes.push({
        outcome: 'updated',
        eventType,
        project,
        apply: (client) => client.replaceSubscription(subscription.id, replaced),
      });
    }
  }
  return { changes, warnings };
}
