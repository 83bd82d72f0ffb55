/**
 * The Core projects list (paged with a continuation token) and the Service Hooks subscriptions API (hooks 7.1:
 * list, create, get, replace, delete; confidential inputs come back as ********). Subscriptions are stored only:
 * deliveries still go to the subscriber set with `setSubscriber`.
 */
import { randomUUID } from 'node:crypto';
import { argumentNull, AzureDevOpsError, badRequest, hooksBadRequest, SERVICE_HOOKS } from './errors';
import { now, type HookSubscriptionState, type ServerModel } from './model';
import type { Json } from './publicTypes';
import { isObject } from './requestInput';
import type { RequestContext, Reply, Router } from './routing';
import { projectJson } from './serialisers';

/** Events the `tfs` publisher lists (hooks eventTypes example) plus the comment event ms.vss-code contributes. */
const TFS_EVENT_TYPES = new Set([
  'build.complete',
  'message.posted',
  'git.pullrequest.created',
  'git.pullrequest.updated',
  'git.push',
  'tfvc.checkin',
  'workitem.created',
  'workitem.commented',
  'workitem.updated',
  'ms.vss-code.git-pullrequest-comment-event',
]);
/** The `notificationType` filter of git.pullrequest.updated ('' is "[Any]"). */
const PULL_REQUEST_CHANGES = [
  '',
  'PushNotification',
  'ReviewersUpdateNotification',
  'StatusUpdateNotification',
  'ReviewerVoteNotification',
];
/**
 * Combo inputs of the webHooks consumer's httpRequest action. The descriptor lists '' for "All"; the service also
 * takes 'all', which the Terraform provider and published scripts send.
 */
const MESSAGE_CHOICES = ['', 'all', 'text', 'html', 'markdown', 'none'];
const WEB_HOOK_CHOICES: Record<string, string[]> = {
  resourceDetailsToSend: ['', 'all', 'minimal', 'none'],
  messagesToSend: MESSAGE_CHOICES,
  detailedMessagesToSend: MESSAGE_CHOICES,
};
/** Inputs the descriptor marks isConfidential: stored, and answered as the mask (see the subscriptions example). */
const CONFIDENTIAL_WEB_HOOK_INPUTS = ['basicAuthPassword'];
const CONFIDENTIAL_MASK = '********';

/** One project, or a page of them in creation order; the `x-ms-continuationtoken` header asks for the next. */
function getProjects(model: ServerModel, context: RequestContext): Reply {
  const project = model.findProject(context.params.projectId);
  if (project) return { json: projectJson(model, project) };
  const skip = Number(context.query.get('continuationtoken') ?? context.query.get('$skip') ?? 0);
  const top = Number(context.query.get('$top') ?? model.projectPageSize);
  if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(top) || top < 1)
    throw badRequest('$top, $skip and continuationToken must be whole numbers.');
  const projects = [...model.projects.values()];
  const value = projects.slice(skip, skip + top).map((candidate) => projectJson(model, candidate));
  const more = skip + top < projects.length;
  return {
    json: { count: value.length, value },
    headers: more ? { 'x-ms-continuationtoken': String(skip + top) } : undefined,
  };
}

function findHookSubscription(model: ServerModel, id: string | undefined): HookSubscriptionState {
  const subscription = id === undefined ? undefined : model.hookSubscriptions.get(id.toLowerCase());
  if (!subscription)
    throw new AzureDevOpsError(
      404,
      'SubscriptionNotFoundException',
      `The subscription '${id}' does not exist.`,
      SERVICE_HOOKS,
    );
  return subscription;
}

/** Validates a Subscription body as the service does for the one publisher and consumer this server knows. */
function hookSubscriptionInput(
  model: ServerModel,
  body: unknown,
): Omit<HookSubscriptionState, 'id' | 'tfsSubscriptionId' | 'createdDate' | 'modifiedDate'> {
  if (!isObject(body)) throw argumentNull('subscription');
  const { publisherId, eventType, consumerId, consumerActionId } = body;
  if (publisherId !== 'tfs') throw hooksBadRequest(`The publisher '${String(publisherId)}' does not exist.`);
  if (typeof eventType !== 'string' || !TFS_EVENT_TYPES.has(eventType))
    throw hooksBadRequest(`The event type '${String(eventType)}' is not supported by publisher 'tfs'.`);
  if (consumerId !== 'webHooks')
    throw hooksBadRequest(`The consumer '${String(consumerId)}' does not exist.`);
  if (consumerActionId !== 'httpRequest')
    throw hooksBadRequest(`The action '${String(consumerActionId)}' does not exist for consumer 'webHooks'.`);
  const publisherInputs = stringInputs(body.publisherInputs, 'publisherInputs');
  const consumerInputs = stringInputs(body.consumerInputs, 'consumerInputs');
  if (publisherInputs.projectId !== undefined) model.findProject(publisherInputs.projectId);
  const change = publisherInputs.notificationType;
  if (
    change !== undefined &&
    (eventType !== 'git.pullrequest.updated' || !PULL_REQUEST_CHANGES.includes(change))
  )
    throw hooksBadRequest(`The value '${change}' is not valid for input notificationType.`);
  const url = consumerInputs.url;
  if (url === undefined || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw hooksBadRequest('The url input must be an absolute http or https URL.');
  for (const [input, choices] of Object.entries(WEB_HOOK_CHOICES)) {
    const value = consumerInputs[input];
    if (value !== undefined && !choices.includes(value))
      throw hooksBadRequest(`The value '${value}' is not valid for input ${input}.`);
  }
  return {
    publisherId,
    eventType,
    resourceVersion: typeof body.resourceVersion === 'string' ? body.resourceVersion : null,
    consumerId,
    consumerActionId,
    publisherInputs,
    consumerInputs,
  };
}

/** The subscription as the API answers it: service-added publisher inputs, confidential inputs masked. */
function hookSubscriptionJson(model: ServerModel, subscription: HookSubscriptionState): Json {
  const consumerInputs = Object.fromEntries(
    Object.entries(subscription.consumerInputs).map(([input, value]) => [
      input,
      CONFIDENTIAL_WEB_HOOK_INPUTS.includes(input) && value !== '' ? CONFIDENTIAL_MASK : value,
    ]),
  );
  const owner = { id: model.bot.id };
  return {
    id: subscription.id,
    url: `${model.orgUrl}/_apis/hooks/subscriptions/${subscription.id}`,
    status: 'enabled',
    publisherId: subscription.publisherId,
    eventType: subscription.eventType,
    resourceVersion: subscription.resourceVersion,
    eventDescription: '',
    consumerId: subscription.consumerId,
    consumerActionId: subscription.consumerActionId,
    actionDescription: `To host ${new URL(subscription.consumerInputs.url).hostname}`,
    createdBy: owner,
    createdDate: subscription.createdDate,
    modifiedBy: owner,
    modifiedDate: subscription.modifiedDate,
    publisherInputs: {
      ...subscription.publisherInputs,
      hostId: model.collectionId,
      tfsSubscriptionId: subscription.tfsSubscriptionId,
    },
    consumerInputs,
  };
}

function getHookSubscriptions(model: ServerModel, context: RequestContext): Reply {
  if (context.params.subscriptionId)
    return { json: hookSubscriptionJson(model, findHookSubscription(model, context.params.subscriptionId)) };
  const filters = ['publisherId', 'eventType', 'consumerId', 'consumerActionId'] as const;
  const value = [...model.hookSubscriptions.values()]
    .filter((subscription) =>
      filters.every((filter) => {
        const wanted = context.query.get(filter.toLowerCase());
        return wanted === undefined || subscription[filter].toLowerCase() === wanted.toLowerCase();
      }),
    )
    .map((subscription) => hookSubscriptionJson(model, subscription));
  return { json: { count: value.length, value } };
}

function createHookSubscription(model: ServerModel, context: RequestContext): Reply {
  if (context.params.subscriptionId) throw hooksBadRequest('A new subscription is created without an id.');
  const time = now();
  const subscription: HookSubscriptionState = {
    id: randomUUID(),
    tfsSubscriptionId: randomUUID(),
    createdDate: time,
    modifiedDate: time,
    ...hookSubscriptionInput(model, context.body),
  };
  model.hookSubscriptions.set(subscription.id, subscription);
  return { json: hookSubscriptionJson(model, subscription) };
}

function replaceHookSubscription(model: ServerModel, context: RequestContext): Reply {
  const existing = findHookSubscription(model, context.params.subscriptionId);
  const input = hookSubscriptionInput(model, context.body);
  // A client that round-trips a subscription sends the mask back for a secret it is not changing.
  for (const secret of CONFIDENTIAL_WEB_HOOK_INPUTS) {
    const kept = existing.consumerInputs[secret];
    if (input.consumerInputs[secret] === CONFIDENTIAL_MASK && kept !== undefined)
      input.consumerInputs[secret] = kept;
  }
  const replaced: HookSubscriptionState = { ...existing, ...input, modifiedDate: now() };
  model.hookSubscriptions.set(replaced.id, replaced);
  return { json: hookSubscriptionJson(model, replaced) };
}

function deleteHookSubscription(model: ServerModel, context: RequestContext): Reply {
  model.hookSubscriptions.delete(findHookSubscription(model, context.params.subscriptionId).id);
  return { status: 204 };
}

/** Service-hook subscriptions as stored: confidential inputs unmasked. */
export function serviceHookSubscriptions(model: ServerModel): Json[] {
  return [...model.hookSubscriptions.values()].map((subscription) => ({
    ...hookSubscriptionJson(model, subscription),
    consumerInputs: { ...subscription.consumerInputs },
  }));
}

/** Subscription inputs map input ids to strings (the spec's additionalProperties: string). */
function stringInputs(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value) || Object.values(value).some((input) => typeof input !== 'string'))
    throw hooksBadRequest(`${field} must map input ids to string values.`);
  return { ...(value as Record<string, string>) };
}

export function registerProjectAndServiceHookRoutes(router: Router, model: ServerModel): void {
  router.register(
    {
      id: '603fe2ac-9723-48b9-88ad-09305aa6c6e1',
      area: 'core',
      resourceName: 'projects',
      routeTemplate: '_apis/{resource}/{projectId}',
      resourceVersion: 4,
      handlers: { GET: (context) => getProjects(model, context) },
    },
    {
      id: 'fc50d02a-849f-41fb-8af1-0a5216103269',
      area: 'hooks',
      resourceName: 'subscriptions',
      routeTemplate: '_apis/{area}/{resource}/{subscriptionId}',
      resourceVersion: 1,
      handlers: {
        GET: (context) => getHookSubscriptions(model, context),
        POST: (context) => createHookSubscription(model, context),
        PUT: (context) => replaceHookSubscription(model, context),
        DELETE: (context) => deleteHookSubscription(model, context),
      },
    },
  );
}
