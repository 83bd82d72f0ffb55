import type { AzureDevOpsOrganization } from '../config/azureDevOpsSettings';
import type { SecretStore } from '../secrets/secretStore';
import { credentialFor } from './azureDevOpsCredential';
import { openAzureDevOpsConnection } from './azureDevOpsConnection';
import { RequestTimeoutError, UnexpectedAnswerError } from './azureDevOpsRequests';

/**
 * Whether the app's credential still gets into each organization, for /health: one `_apis/connectionData` call per
 * organization, its answer kept for a few minutes so /health never costs Azure DevOps more than that, however often
 * it is asked. `refused`: the credential was not accepted (401/403, a sign-in page, or no token could be had);
 * `unreachable`: anything else (network, timeout, 5xx).
 */
type OrganizationHealth = 'ok' | 'refused' | 'unreachable';

const ORGANIZATION_HEALTH_TTL_MS = 3 * 60_000;
/** A health probe answers fast or not at all: far below a review's 30 s per attempt. */
const PROBE_TIMEOUT_MS = 3_000;

interface Probe {
  health: OrganizationHealth;
  /** What kind of failure, for the log: an HTTP status, a network error code, an error class. Never a message. */
  cause?: string;
}

const probes = new Map<string, { startedAt: number; probe: Promise<Probe> }>();

function classify(error: unknown, signingIn: boolean): Probe {
  const { statusCode, code, name } = error as { statusCode?: unknown; code?: unknown; name?: unknown };
  if (signingIn) return { health: 'refused', cause: `no token (${String(name)})` };
  if (error instanceof UnexpectedAnswerError) return { health: 'refused', cause: 'sign-in page' };
  if (statusCode === 401 || statusCode === 403) return { health: 'refused', cause: `HTTP ${statusCode}` };
  if (typeof statusCode === 'number') return { health: 'unreachable', cause: `HTTP ${statusCode}` };
  // Retries spent: what failed is the cause (an object, not always this realm's Error: Node's network errors).
  const cause = (error as { cause?: unknown }).cause;
  if (typeof cause === 'object' && cause !== null && !(error instanceof RequestTimeoutError))
    return classify(cause, false);
  return { health: 'unreachable', cause: typeof code === 'string' ? code : String(name) };
}

async function probe(organization: AzureDevOpsOrganization, store: SecretStore | undefined): Promise<Probe> {
  let signingIn = true;
  try {
    const credential = await credentialFor(organization, store);
    // Taken first, so a credential that yields no token is told apart from Azure DevOps refusing one.
    await credential.authorization();
    signingIn = false;
    const { requests, connection } = openAzureDevOpsConnection(organization.url, credential, {
      requestTimeoutMs: PROBE_TIMEOUT_MS,
      maxAttempts: 1,
    });
    await requests.run('connectionData', 'read', () => connection.connect());
    return { health: 'ok' };
  } catch (error) {
    return classify(error, signingIn);
  }
}

function withinTimeout(work: Promise<Probe>): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Probe>((resolve) => {
    timer = setTimeout(() => resolve({ health: 'unreachable', cause: 'timeout' }), PROBE_TIMEOUT_MS * 2);
  });
  return Promise.race([work, timedOut]).finally(() => clearTimeout(timer));
}

/**
 * Each organization's health by its key. A probe is made when the last one is older than the interval; callers
 * meanwhile share it (and its answer), so concurrent /health calls make one call. Failures are reported to `warn`
 * once per probe, with the cause class only.
 */
export async function checkOrganizations(
  organizations: AzureDevOpsOrganization[],
  store: SecretStore | undefined,
  warn: (message: string) => void,
  now: () => number = Date.now,
): Promise<Record<string, OrganizationHealth>> {
  const answers = await Promise.all(
    organizations.map(async (organization) => {
      let entry = probes.get(organization.key);
      if (entry === undefined || now() - entry.startedAt >= ORGANIZATION_HEALTH_TTL_MS) {
        const probed = withinTimeout(probe(organization, store)).then((result) => {
          if (result.health !== 'ok')
            warn(`Health check: Azure DevOps ${organization.url}: ${result.health} (${result.cause})`);
          return result;
        });
        entry = { startedAt: now(), probe: probed };
        probes.set(organization.key, entry);
      }
      return [organization.key, (await entry.probe).health] as const;
    }),
  );
  return Object.fromEntries(answers);
}
