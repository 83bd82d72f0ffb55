import type { ICoreApi } from 'azure-devops-node-api/CoreApi';
import { z } from 'zod';
import type { AzureDevOpsRequests } from './azureDevOpsRequests';

/** Members asked for per request (core Teams "Get Team Members With Extended Properties", `$top`). */
const TEAM_MEMBERS_PAGE_SIZE = 100;

/**
 * How long a team's members are reused. Every comment command asks who the maintainers are, and team membership
 * changes rarely: five minutes spares most of those requests, and a change still counts within minutes.
 */
const TEAM_MEMBERS_TTL_MS = 5 * 60 * 1000;

/** TeamMember[]: only the identity's id is read. */
const teamMembersPage = z.array(z.object({ identity: z.object({ id: z.string() }) }));

type Members = string[] | undefined;

interface CachedMembers {
  expiresAt: number;
  members: Promise<Members>;
}

/**
 * Per organization, project and team, for the process's life: a platform lives only as long as its job. The
 * answer "no such team" is kept too, since an identity id in `reviews.maintainers` is tried as a team every time.
 */
const cache = new Map<string, CachedMembers>();

/** Every member's identity id (lower case), all pages; undefined when the project has no such team (404). */
async function readTeamMembers(
  requests: AzureDevOpsRequests,
  core: () => Promise<ICoreApi>,
  projectId: string,
  team: string,
): Promise<Members> {
  const ids: string[] = [];
  for (let skip = 0; ; skip += TEAM_MEMBERS_PAGE_SIZE) {
    const answer: unknown = await requests.run('getTeamMembersWithExtendedProperties', 'read', async () =>
      (await core()).getTeamMembersWithExtendedProperties(projectId, team, TEAM_MEMBERS_PAGE_SIZE, skip),
    );
    // The library answers a 404 with null rather than an error.
    if (answer === null) return undefined;
    const page = teamMembersPage.parse(answer);
    ids.push(...page.map((member) => member.identity.id.toLowerCase()));
    if (page.length < TEAM_MEMBERS_PAGE_SIZE) return ids;
  }
}

/** The team's members from the cache, or read (once, however many ask at the same time) and kept. */
export function cachedTeamMembers(
  orgUrl: string,
  requests: AzureDevOpsRequests,
  core: () => Promise<ICoreApi>,
  { projectId, team, now }: { projectId: string; team: string; now: number },
): Promise<Members> {
  const key = [orgUrl.replace(/\/+$/, ''), projectId, team].join('\n').toLowerCase();
  const cached = cache.get(key);
  if (cached !== undefined && cached.expiresAt > now) return cached.members;
  for (const [other, entry] of cache) if (entry.expiresAt <= now) cache.delete(other);
  const members = readTeamMembers(requests, core, projectId, team);
  const entry = { expiresAt: now + TEAM_MEMBERS_TTL_MS, members };
  cache.set(key, entry);
  // A failed read is not kept: the next caller asks again.
  members.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return members;
}
