/** Pull request statuses, on the pull request or on one of its iterations. */
import { argumentNull, badRequest, notFound } from './errors';
import { now, type ServerModel, type StatusState, type TypedProperty } from './model';
import { mergeProperties } from './properties';
import { isObject, optionalInteger, parseEnum } from './requestInput';
import {
  gitLocation,
  ITERATION_PATH,
  PR_PATH,
  type RequestContext,
  type Reply,
  type Router,
} from './routing';
import { statusJson } from './serialisers';

const STATUS_STATES = [
  'notSet',
  'pending',
  'succeeded',
  'failed',
  'error',
  'notApplicable',
  'partiallySucceeded',
];

function getStatuses(model: ServerModel, context: RequestContext): Reply {
  const pr = model.findPullRequest(context.params);
  const iterationId = context.params.iterationId
    ? model.findIteration(pr, context.params.iterationId).id
    : undefined;
  const visible = pr.statuses.filter(
    (status) => iterationId === undefined || status.iterationId === iterationId,
  );
  if (context.params.statusId) {
    const status = visible.find((candidate) => candidate.id === Number(context.params.statusId));
    if (!status)
      throw notFound('GitStatusNotFoundException', `The status ${context.params.statusId} was not found.`);
    return { json: statusJson(model, pr, status) };
  }
  const value = visible.map((status) => statusJson(model, pr, status));
  return { json: { count: value.length, value } };
}

function createStatus(model: ServerModel, context: RequestContext): Reply {
  const pr = model.findPullRequest(context.params);
  const body = context.body;
  if (!isObject(body)) throw argumentNull('status');
  if (!isObject(body.context) || typeof body.context.name !== 'string' || body.context.name.trim() === '')
    throw badRequest('The status context name cannot be null or empty.');
  if (
    body.context.genre !== undefined &&
    body.context.genre !== null &&
    typeof body.context.genre !== 'string'
  )
    throw badRequest('The status context genre must be a string.');
  const routeIteration = context.params.iterationId
    ? model.findIteration(pr, context.params.iterationId).id
    : undefined;
  const bodyIteration = optionalInteger(body.iterationId, 'iterationId', 1);
  if (routeIteration !== undefined && bodyIteration !== undefined && bodyIteration !== routeIteration)
    throw badRequest(
      `The iterationId in the body (${bodyIteration}) does not match the route (${routeIteration}).`,
    );
  const iterationId = routeIteration ?? bodyIteration;
  if (iterationId !== undefined) model.findIteration(pr, iterationId);
  if (body.targetUrl !== undefined && body.targetUrl !== null) {
    if (typeof body.targetUrl !== 'string' || !URL.canParse(body.targetUrl))
      throw badRequest('The status targetUrl must be an absolute URL.');
  }
  if (body.description !== undefined && body.description !== null && typeof body.description !== 'string')
    throw badRequest('The status description must be a string.');
  let properties: Map<string, TypedProperty> | undefined;
  if (body.properties !== undefined && body.properties !== null) {
    properties = new Map();
    mergeProperties(properties, body.properties, 'properties');
  }
  const status: StatusState = {
    id: pr.statuses.length + 1,
    iterationId,
    state: parseEnum(body.state ?? 'notSet', STATUS_STATES, 'state'),
    description: (body.description as string | undefined) ?? undefined,
    context: {
      name: body.context.name,
      ...(typeof body.context.genre === 'string' && { genre: body.context.genre }),
    },
    targetUrl: (body.targetUrl as string | undefined) ?? undefined,
    properties,
    createdBy: model.bot,
    creationDate: now(),
  };
  pr.statuses.push(status);
  return { json: statusJson(model, pr, status) };
}

export function registerStatusRoutes(router: Router, model: ServerModel): void {
  const handlers = {
    GET: (context: RequestContext) => getStatuses(model, context),
    POST: (context: RequestContext) => createStatus(model, context),
  };
  router.register(
    gitLocation(
      'b5f6bb4f-8d1e-4d79-8d11-4c9172c99c35',
      'pullRequestStatuses',
      `${PR_PATH}/statuses/{statusId}`,
      2,
      handlers,
    ),
    gitLocation(
      '75cf11c5-979f-4038-a76e-058a06adf2bf',
      'pullRequestIterationStatuses',
      `${ITERATION_PATH}/statuses/{statusId}`,
      2,
      handlers,
    ),
  );
}
