import { isUnder, parseRepositoryUrl, urlAddress } from '../azure-devops-url/repositoryUrl';

/**
 * The configured organization a URL from a payload lies under (the longest match, should one collection's URL lie
 * under another's), or undefined. A `_git` URL counts by its organization URL, so a project named like a collection
 * cannot make it match one. Only the configured URL is ever called: the payload's URL is just compared.
 */
export function findOrganization<T extends { url: string }>(url: string, organizations: T[]): T | undefined {
  const located = parseRepositoryUrl(url);
  const address = urlAddress(located?.organizationUrl ?? url);
  if (address === undefined) return undefined;
  let best: { organization: T; depth: number } | undefined;
  for (const organization of organizations) {
    const configured = urlAddress(organization.url);
    if (configured === undefined || !isUnder(address, configured)) continue;
    if (best === undefined || configured.segments.length > best.depth)
      best = { organization, depth: configured.segments.length };
  }
  return best?.organization;
}
