/**
 * Branch policy configurations (policy 7.1: list, get, create, replace). Stored per server; settings are kept as
 * sent, since the service stores each policy type's settings as an opaque JObject. The list's `scope` filter is
 * answered as a repository id, the form `az repos policy list --repository-id` sends.
 */
import { argumentNull, AzureDevOpsError, badRequest } from './errors';
import { now, type ServerModel } from './model';
import type { Json } from './publicTypes';
import { isObject } from './requestInput';
import type { RequestContext, Reply, Router } from './routing';
import { identityJson } from './serialisers';

const POLICY_NAMESPACE = 'Microsoft.TeamFoundation.Policy.WebApi';

interface PolicyConfigurationState {
  id: number;
  revision: number;
  projectId: string;
  typeId: string;
  isEnabled: boolean;
  isBlocking: boolean;
  settings: Json;
  createdDate: string;
}

function configurationJson(model: ServerModel, configuration: PolicyConfigurationState): Json {
  const url = `${model.orgUrl}/${configuration.projectId}/_apis/policy/configurations/${configuration.id}`;
  return {
    createdBy: identityJson(model, model.bot),
    createdDate: configuration.createdDate,
    isEnabled: configuration.isEnabled,
    isBlocking: configuration.isBlocking,
    isDeleted: false,
    settings: configuration.settings,
    _links: { self: { href: url } },
    revision: configuration.revision,
    id: configuration.id,
    url,
    type: { id: configuration.typeId, url: `${model.orgUrl}/_apis/policy/types/${configuration.typeId}` },
  };
}

/** The PolicyConfiguration fields a create or replace must carry, checked as the service rejects them. */
function configurationInput(
  body: unknown,
): Pick<PolicyConfigurationState, 'typeId' | 'isEnabled' | 'isBlocking' | 'settings'> {
  if (!isObject(body)) throw argumentNull('configuration');
  const typeId = isObject(body.type) ? body.type.id : undefined;
  if (typeof typeId !== 'string')
    throw badRequest('The policy type id is required.', undefined, POLICY_NAMESPACE);
  if (!isObject(body.settings)) throw argumentNull('settings');
  return {
    typeId: typeId.toLowerCase(),
    isEnabled: body.isEnabled === true,
    isBlocking: body.isBlocking === true,
    settings: body.settings,
  };
}

const scopedRepositories = (configuration: PolicyConfigurationState): unknown[] => {
  const scope = configuration.settings.scope;
  return Array.isArray(scope) ? scope.map((entry) => (isObject(entry) ? entry.repositoryId : undefined)) : [];
};

export function registerPolicyRoutes(router: Router, model: ServerModel): void {
  const configurations = new Map<number, PolicyConfigurationState>();
  let nextId = 1;

  const find = (context: RequestContext): PolicyConfigurationState => {
    const configuration = configurations.get(Number(context.params.configurationId));
    if (!configuration || configuration.projectId !== model.findProject(context.params.project)?.id)
      throw new AzureDevOpsError(
        404,
        'PolicyConfigurationNotFoundException',
        `TF400898: Policy configuration ${context.params.configurationId} does not exist.`,
        POLICY_NAMESPACE,
      );
    return configuration;
  };

  const get = (context: RequestContext): Reply => {
    if (context.params.configurationId) return { json: configurationJson(model, find(context)) };
    const projectId = model.findProject(context.params.project)?.id;
    const repositoryId = context.query.get('scope')?.toLowerCase();
    const typeId = context.query.get('policytype')?.toLowerCase();
    const value = [...configurations.values()]
      .filter((configuration) => configuration.projectId === projectId)
      .filter((configuration) => typeId === undefined || configuration.typeId === typeId)
      .filter(
        (configuration) =>
          repositoryId === undefined ||
          scopedRepositories(configuration).some(
            (id) => typeof id === 'string' && id.toLowerCase() === repositoryId,
          ),
      )
      .map((configuration) => configurationJson(model, configuration));
    return { json: { count: value.length, value } };
  };

  const create = (context: RequestContext): Reply => {
    const project = model.findProject(context.params.project);
    if (!project || context.params.configurationId)
      throw badRequest('A new policy configuration is created in a project, without an id.');
    const configuration = {
      id: nextId++,
      revision: 1,
      projectId: project.id,
      createdDate: now(),
      ...configurationInput(context.body),
    };
    configurations.set(configuration.id, configuration);
    return { json: configurationJson(model, configuration) };
  };

  const replace = (context: RequestContext): Reply => {
    const existing = find(context);
    const replaced = { ...existing, ...configurationInput(context.body), revision: existing.revision + 1 };
    configurations.set(replaced.id, replaced);
    return { json: configurationJson(model, replaced) };
  };

  router.register({
    id: 'dad91cbe-d183-45f8-9c6e-9c1164472121',
    area: 'policy',
    resourceName: 'configurations',
    routeTemplate: '{project}/_apis/{area}/{resource}/{configurationId}',
    resourceVersion: 1,
    handlers: { GET: get, POST: create, PUT: replace },
  });
}
