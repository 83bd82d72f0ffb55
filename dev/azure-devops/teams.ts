/**
 * Core teams: a project's teams with their members, and the members route (core 7.1 "Get Team Members With
 * Extended Properties", paged with `$top`/`$skip`, TeamMember items). A team can be a pull request's reviewer: its
 * identity is then a container named as the service names it (see the git.pullrequest.created sample).
 */
import { randomUUID } from 'node:crypto';
import { badRequest, teamNotFound } from './errors';
import type { ServerModel, TeamState } from './model';
import type { CreateTeamRequest, Json, TestUser } from './publicTypes';
import type { RequestContext, Reply, Router } from './routing';
import { identityJson } from './serialisers';

/** A WebApiTeam, as the Teams API answers it. */
export function teamJson(model: ServerModel, team: TeamState): Json {
  return {
    id: team.id,
    name: team.name,
    url: `${model.orgUrl}/_apis/projects/${team.project.id}/teams/${team.id}`,
    description: team.description,
    identityUrl: `${model.orgUrl}/_apis/Identities/${team.id}`,
    projectName: team.project.name,
    projectId: team.project.id,
  };
}

/** The team's identity as a reviewer carries it: `[Project]\Team`, under the project's classification URI. */
export function teamIdentity(team: TeamState): TestUser {
  return {
    id: team.id,
    displayName: `[${team.project.name}]\\${team.name}`,
    uniqueName: `vstfs:///Classification/TeamProject/${team.project.id}\\${team.name}`,
  };
}

export function createTeam(model: ServerModel, request: CreateTeamRequest): TeamState {
  const project = model.projectNamed(request.project);
  const name = request.name.toLowerCase();
  if ([...model.teams.values()].some((team) => team.project === project && team.name.toLowerCase() === name))
    throw new Error(`team ${request.project}/${request.name} already exists`);
  const team: TeamState = {
    id: randomUUID(),
    name: request.name,
    description: request.description ?? '',
    project,
    members: [...(request.members ?? [])],
  };
  model.teams.set(team.id, team);
  return team;
}

/** One page of the team's members; without `$top`, every member from `$skip` on. */
function getTeamMembers(model: ServerModel, context: RequestContext): Reply {
  const project = model.findProject(context.params.projectId);
  if (!project) throw teamNotFound(context.params.teamId ?? '');
  const team = model.findTeam(project, context.params.teamId);
  const skip = Number(context.query.get('$skip') ?? 0);
  const top = context.query.has('$top') ? Number(context.query.get('$top')) : undefined;
  if (!Number.isInteger(skip) || skip < 0 || (top !== undefined && (!Number.isInteger(top) || top < 0)))
    throw badRequest('$top and $skip must be whole numbers.');
  const value = team.members
    .slice(skip, top === undefined ? undefined : skip + top)
    .map((member) => ({ isTeamAdmin: false, identity: identityJson(model, member) }));
  return { json: { value, count: value.length } };
}

export function registerTeamRoutes(router: Router, model: ServerModel): void {
  router.register({
    id: '294c494c-2600-4d7e-b76c-3dd50c3c95be',
    area: 'core',
    resourceName: 'members',
    routeTemplate: '_apis/projects/{projectId}/teams/{teamId}/{resource}',
    resourceVersion: 2,
    handlers: { GET: (context) => getTeamMembers(model, context) },
  });
}
