/**
 * Routing: one ApiLocation per REST location, registered by each concern. The same route templates answer the
 * location discovery of `azure-devops-node-api` (OPTIONS {org}/_apis/{area}; ResourceAreas and ConnectionData are
 * in discovery.ts) and route the requests; api-versions are checked the way the service checks them.
 */
import { badRequest, VSS_COMMON } from './errors';
import type { Json } from './publicTypes';

/** The newest api-version a route answers and the newest one that needs no `-preview`. */
export interface ApiVersionLimits {
  max: string;
  released: string;
}

/** Azure DevOps Services today; an Azure DevOps Server answers only up to its release's version. */
const SERVICES_API_VERSIONS: ApiVersionLimits = { max: '7.2', released: '7.1' };
export const PR_PATH = '{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}';
export const ITERATION_PATH = `${PR_PATH}/iterations/{iterationId}`;

export interface RequestContext {
  method: string;
  params: Record<string, string | undefined>;
  query: Map<string, string>;
  body: unknown;
  contentType: string;
  accept: string;
}

export interface Reply {
  status?: number;
  json?: unknown;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

type Handler = (context: RequestContext) => Promise<Reply> | Reply;

export interface ApiLocation {
  id: string;
  area: string;
  resourceName: string;
  routeTemplate: string;
  resourceVersion: number;
  handlers: Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>;
}

export const gitLocation = (
  id: string,
  resourceName: string,
  routeTemplate: string,
  resourceVersion: number,
  handlers: ApiLocation['handlers'],
): ApiLocation => ({ id, area: 'git', resourceName, routeTemplate, resourceVersion, handlers });

/** Matches URL segments against a route template whose `{param}` segments may be left out, as the client does. */
function matchTemplate(
  location: ApiLocation,
  segments: string[],
): Record<string, string | undefined> | undefined {
  const template = location.routeTemplate
    .replace('{area}', location.area)
    .replace('{resource}', location.resourceName)
    .split('/');
  const params: Record<string, string | undefined> = {};
  const walk = (templateIndex: number, segmentIndex: number): boolean => {
    if (templateIndex === template.length) return segmentIndex === segments.length;
    const part = template[templateIndex];
    const wildcard = /^\{\*(\w+)\}$/.exec(part);
    if (wildcard) {
      params[wildcard[1]] = segments.slice(segmentIndex).join('/') || undefined;
      return true;
    }
    const param = /^\{(\w+)\}$/.exec(part);
    if (param) {
      if (segmentIndex < segments.length && walk(templateIndex + 1, segmentIndex + 1)) {
        params[param[1]] = segments[segmentIndex];
        return true;
      }
      return walk(templateIndex + 1, segmentIndex);
    }
    return (
      segmentIndex < segments.length &&
      segments[segmentIndex].toLowerCase() === part.toLowerCase() &&
      walk(templateIndex + 1, segmentIndex + 1)
    );
  };
  return walk(0, 0) ? params : undefined;
}

export function requestedApiVersion(accept: string, query: Map<string, string>): string | undefined {
  const fromAccept = /api-version=([^;,\s]+)/i.exec(accept);
  return fromAccept?.[1] ?? query.get('api-version');
}

/** Rejects api-versions the service would reject: too new, or a preview version without `-preview`. */
function checkApiVersion(
  requested: string | undefined,
  method: string,
  location: ApiLocation,
  limits: ApiVersionLimits,
): void {
  if (requested === undefined) {
    if (method === 'GET') return;
    throw badRequest(
      `No api-version was supplied for the "${method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
      'VssVersionNotSpecifiedException',
      VSS_COMMON,
    );
  }
  const parsed = /^(\d+(?:\.\d+)?)(-preview(?:\.(\d+))?)?$/.exec(requested);
  if (!parsed)
    throw badRequest(
      `The api-version '${requested}' is not valid.`,
      'VssInvalidApiVersionException',
      VSS_COMMON,
    );
  const version = Number(parsed[1]);
  if (version > Number(limits.max))
    throw badRequest(
      `The requested REST API version of ${requested} is out of range for this server. The latest REST API version for this server is ${limits.max}.`,
      'VssVersionOutOfRangeException',
      VSS_COMMON,
    );
  if (version > Number(limits.released) && !parsed[2])
    throw badRequest(
      `The requested version "${requested}" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: "${requested}-preview"`,
      'VssInvalidPreviewVersionException',
      VSS_COMMON,
    );
  if (parsed[3] !== undefined && Number(parsed[3]) > location.resourceVersion)
    throw badRequest(
      `The requested resource version ${parsed[3]} of ${location.resourceName} is not supported; the latest is ${location.resourceVersion}.`,
      'VssVersionNotSupportedException',
      VSS_COMMON,
    );
}

function locationJson(location: ApiLocation, limits: ApiVersionLimits): Json {
  return {
    id: location.id,
    area: location.area,
    resourceName: location.resourceName,
    routeTemplate: location.routeTemplate,
    resourceVersion: location.resourceVersion,
    minVersion: '1.0',
    maxVersion: limits.max,
    releasedVersion: limits.released,
  };
}

/** The route table. Locations are tried in the order they were registered. */
export class Router {
  private readonly locations: ApiLocation[] = [];
  private readonly limits: ApiVersionLimits;

  /** `serverApiVersion`: an Azure DevOps Server's, every route answering up to it and no preview beyond. */
  constructor(serverApiVersion?: string) {
    this.limits =
      serverApiVersion === undefined
        ? SERVICES_API_VERSIONS
        : { max: serverApiVersion, released: serverApiVersion };
  }

  checkApiVersion(requested: string | undefined, method: string, location: ApiLocation): void {
    checkApiVersion(requested, method, location, this.limits);
  }

  register(...locations: ApiLocation[]): void {
    this.locations.push(...locations);
  }

  /** What `OPTIONS {org}/_apis/{area}` answers: the area's locations. */
  areaLocations(area: string): Json {
    const value = this.locations
      .filter((location) => location.area.toLowerCase() === area.toLowerCase())
      .map((location) => locationJson(location, this.limits));
    return { count: value.length, value };
  }

  match(
    segments: string[],
  ): { location: ApiLocation; params: Record<string, string | undefined> } | undefined {
    for (const location of this.locations) {
      const params = matchTemplate(location, segments);
      if (params) return { location, params };
    }
    return undefined;
  }
}
