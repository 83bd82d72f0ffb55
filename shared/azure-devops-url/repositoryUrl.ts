/**
 * Azure DevOps URLs: where an organization (or an Azure DevOps Server collection) ends and a project begins. The
 * same organization is written many ways — `https://dev.azure.com/{org}`, the legacy `https://{org}.visualstudio.com`
 * (sometimes with `/DefaultCollection`), with a user name (`https://{user}@dev.azure.com/...`), and on Azure DevOps
 * Server as a collection URL of any depth (`https://server/tfs/DefaultCollection`, `https://server:8443/Collection`).
 */

export interface RepositoryLocation {
  /** Scheme, host (and port) and the organization's or collection's path: what the REST calls are made under. */
  organizationUrl: string;
  project: string;
  repository: string;
}

const SERVICES_HOST = 'dev.azure.com';
const LEGACY_HOST = /^([^.]+)\.visualstudio\.com$/;
const isDefaultCollection = (segment: string) => segment.toLowerCase() === 'defaultcollection';

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function parseHttpUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
}

/**
 * `{organization URL}/{project}/_git/{repository}`, or `{organization URL}/_git/{repository}` for a repository named
 * like its project, in any of the forms above; anything after the repository (`/pullrequest/12`, a query) is
 * ignored. A Server collection URL must name its collection: in `https://server/tfs/Name/_git/Repo` the collection is
 * `tfs/Name` (the project omitted), since a collection cannot be told from a project by its name alone — except
 * `DefaultCollection`, which is always the collection. Undefined when the URL is not a repository URL.
 */
export function parseRepositoryUrl(text: string): RepositoryLocation | undefined {
  const url = parseHttpUrl(text);
  if (url === undefined) return undefined;
  const raw = url.pathname.split('/').filter((segment) => segment !== '');
  const decoded = raw.map(decodeSegment);
  if (decoded.some((segment) => segment === undefined || segment === '')) return undefined;
  const segments = decoded as string[];
  const gitAt = segments.findIndex((segment) => segment.toLowerCase() === '_git');
  const repository = segments[gitAt + 1];
  if (gitAt < 0 || repository === undefined) return undefined;
  let before = segments.slice(0, gitAt);
  const host = url.host.toLowerCase();
  let organizationPath: string[];
  let project: string | undefined;
  if (host === SERVICES_HOST) {
    if (before.length < 1 || before.length > 2) return undefined;
    [organizationPath, project] = [before.slice(0, 1), before[1]];
  } else if (LEGACY_HOST.test(url.hostname.toLowerCase())) {
    if (before[0] !== undefined && isDefaultCollection(before[0])) before = before.slice(1);
    if (before.length > 1) return undefined;
    [organizationPath, project] = [[], before[0]];
  } else {
    const last = before.at(-1);
    if (last === undefined) return undefined;
    const projectNamed = before.length >= 2 && !isDefaultCollection(last);
    [organizationPath, project] = projectNamed ? [before.slice(0, -1), last] : [before, undefined];
  }
  if (organizationPath.some((segment) => segment.startsWith('_'))) return undefined;
  const path = organizationPath.map((segment) => `/${encodeURIComponent(segment)}`).join('');
  return {
    organizationUrl: `${url.protocol}//${url.host}${path}`,
    project: project ?? repository,
    repository,
  };
}

/** The repository's web URL, as Azure DevOps shows it (the inverse of parseRepositoryUrl). */
export function formatRepositoryUrl(location: RepositoryLocation): string {
  const base = location.organizationUrl.replace(/\/+$/, '');
  return `${base}/${encodeURIComponent(location.project)}/_git/${encodeURIComponent(location.repository)}`;
}

/**
 * Where an URL points, made comparable: lowercase host and decoded, lowercase path segments (Azure DevOps names are
 * case-insensitive), the legacy host turned into `dev.azure.com/{org}` and its `DefaultCollection` dropped.
 */
interface UrlAddress {
  host: string;
  segments: string[];
}

export function urlAddress(text: string): UrlAddress | undefined {
  const url = parseHttpUrl(text);
  if (url === undefined) return undefined;
  const decoded = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeSegment);
  if (decoded.some((segment) => segment === undefined)) return undefined;
  const segments = (decoded as string[]).map((segment) => segment.toLowerCase());
  const legacy = LEGACY_HOST.exec(url.hostname.toLowerCase());
  if (legacy && url.port === '') {
    const rest = segments[0] !== undefined && isDefaultCollection(segments[0]) ? segments.slice(1) : segments;
    return { host: SERVICES_HOST, segments: [legacy[1], ...rest] };
  }
  return { host: url.host.toLowerCase(), segments };
}

/** Whether `address` is `organization` or lies under it (segment by segment: `contoso` is not under `contos`). */
export function isUnder(address: UrlAddress, organization: UrlAddress): boolean {
  return (
    address.host === organization.host &&
    organization.segments.length <= address.segments.length &&
    organization.segments.every((segment, index) => address.segments[index] === segment)
  );
}

/** A short, stable name for an organization URL, safe in a queue message and a blob name once encoded. */
function organizationKeyOf(address: UrlAddress): string {
  return [address.host, ...address.segments.map(encodeURIComponent)].join('/');
}

/** organizationKeyOf for a URL: the key of the organization URL itself. */
export function organizationKey(url: string): string {
  const address = urlAddress(url);
  return address === undefined ? `(invalid url ${url})` : organizationKeyOf(address);
}
