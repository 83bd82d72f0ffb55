/**
 * Property bags (PropertiesCollection): stored and returned as { key: { $type, $value } }, the way the service
 * answers; and the pullRequestProperties resource, which reads and patches a pull request's bag.
 */
import { AzureDevOpsError, badRequest, VSS_COMMON } from './errors';
import type { ServerModel, PullRequestState, TypedProperty } from './model';
import type { Json } from './publicTypes';
import { isObject } from './requestInput';
import { gitLocation, PR_PATH, type RequestContext, type Reply, type Router } from './routing';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Thread and status properties keep the JSON type of what the client sent (see the statusWithProperties example). */
function typedProperty(key: string, value: unknown): TypedProperty {
  if (isObject(value) && typeof value.$type === 'string' && '$value' in value) {
    if (value.$type === 'System.Guid' && typeof value.$value === 'string')
      return { $type: 'System.String', $value: value.$value.replace(/-/g, '') };
    if (value.$type === 'System.DateTime' && typeof value.$value === 'string')
      return { $type: 'System.DateTime', $value: new Date(value.$value).toISOString() };
    return { $type: value.$type, $value: value.$value };
  }
  if (typeof value === 'string') return { $type: 'System.String', $value: value };
  if (typeof value === 'boolean') return { $type: 'System.Boolean', $value: value };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { $type: 'System.Double', $value: value };
    return { $type: Math.abs(value) <= 2 ** 31 - 1 ? 'System.Int32' : 'System.Int64', $value: value };
  }
  throw badRequest(`The value of property '${key}' has an unsupported type.`);
}

/** Pull request properties store plain values as strings, except ISO dates (see AddPullRequestProperties). */
function pullRequestProperty(key: string, value: unknown): TypedProperty {
  if (isObject(value)) return typedProperty(key, value);
  if (typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value)))
    return { $type: 'System.DateTime', $value: new Date(value).toISOString() };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return { $type: 'System.String', $value: String(value) };
  throw badRequest(`The value of property '${key}' has an unsupported type.`);
}

/** Merges `{ key: value }` into `target`; a null value removes the key. */
export function mergeProperties(target: Map<string, TypedProperty>, update: unknown, field: string): void {
  if (update === undefined || update === null) return;
  if (!isObject(update)) throw badRequest(`${field} must be an object of key/value pairs.`);
  for (const [key, value] of Object.entries(update)) {
    if (value === null) target.delete(key);
    else target.set(key, typedProperty(key, value));
  }
}

export const propertiesJson = (properties: Map<string, TypedProperty>): Json =>
  Object.fromEntries(properties);

function pullRequestPropertiesJson(pr: PullRequestState): Json {
  const value = {
    'Microsoft.Git.PullRequest.SourceRefName': { $type: 'System.String', $value: pr.sourceRefName },
    'Microsoft.Git.PullRequest.TargetRefName': { $type: 'System.String', $value: pr.targetRefName },
    ...propertiesJson(pr.properties),
  };
  return { count: Object.keys(value).length, value };
}

function updatePullRequestProperties(model: ServerModel, context: RequestContext): Reply {
  const pr = model.findPullRequest(context.params);
  if (!context.contentType.toLowerCase().startsWith('application/json-patch+json'))
    throw new AzureDevOpsError(
      415,
      'VssRequestContentTypeNotSupportedException',
      `The content type '${context.contentType}' is not supported; use application/json-patch+json.`,
      VSS_COMMON,
      0,
    );
  if (!Array.isArray(context.body))
    throw badRequest('The request body must be a JSON Patch document (an array).');
  const properties = new Map(pr.properties);
  for (const operation of context.body) {
    if (!isObject(operation) || typeof operation.path !== 'string')
      throw badRequest('Each JSON Patch operation needs an op and a path.');
    const key = operation.path.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~');
    const op = String(operation.op).toLowerCase();
    if (op === 'remove') properties.delete(key);
    else if ((op === 'add' || op === 'replace') && key === '' && isObject(operation.value))
      for (const [name, value] of Object.entries(operation.value))
        properties.set(name, pullRequestProperty(name, value));
    else if ((op === 'add' || op === 'replace') && key !== '')
      properties.set(key, pullRequestProperty(key, operation.value));
    else
      throw badRequest(
        `The JSON Patch operation '${String(operation.op)}' on '${operation.path}' is not supported.`,
      );
  }
  pr.properties = properties;
  return { json: pullRequestPropertiesJson(pr) };
}

export function registerPropertyRoutes(router: Router, model: ServerModel): void {
  router.register(
    gitLocation('48a52185-5b9e-4736-9dc1-bb1e2feac80b', 'pullRequestProperties', `${PR_PATH}/properties`, 1, {
      GET: (context) => ({ json: pullRequestPropertiesJson(model.findPullRequest(context.params)) }),
      PATCH: (context) => updatePullRequestProperties(model, context),
    }),
  );
}
