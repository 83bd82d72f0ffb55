/**
 * A comparable key for an Azure DevOps organization URL. The same organization appears as
 * `https://dev.azure.com/{org}/...` and as the legacy `https://{org}.visualstudio.com/...`; on other hosts
 * (Azure DevOps Server, the local test server) the first path segment is the collection.
 */
export function organizationKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `(invalid url ${url})`;
  }
  const host = parsed.host.toLowerCase();
  const legacy = /^([^.]+)\.visualstudio\.com$/.exec(host);
  if (legacy) return `dev.azure.com/${legacy[1]}`;
  const firstSegment = parsed.pathname.split('/').find((segment) => segment !== '') ?? '';
  return `${host}/${decodeURIComponent(firstSegment).toLowerCase()}`;
}
