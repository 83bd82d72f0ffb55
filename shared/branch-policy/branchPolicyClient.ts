import { z } from 'zod';
import { getProxyFetch } from '../http/outboundProxy';

/**
 * The part of the Azure DevOps REST API (7.1) `setup-gate` uses: who a token belongs to (ConnectionData), a
 * repository's id, and the Policy configurations API. Plain fetch, as ServiceHooksClient, so the PAT only goes to
 * paths under the organization URL and redirects (a rejected PAT's sign-in page) are not followed.
 */

const API_VERSION = '7.1';
const REQUEST_TIMEOUT_MS = 60_000;

const configurationSchema = z.object({
  id: z.number(),
  isEnabled: z.boolean(),
  isBlocking: z.boolean(),
  type: z.object({ id: z.string() }),
  settings: z.record(z.string(), z.unknown()),
});
export type PolicyConfiguration = z.infer<typeof configurationSchema>;
/** What a create or replace sends: a configuration without the fields the service assigns. */
export type PolicyConfigurationRequest = Omit<PolicyConfiguration, 'id'>;

export class BranchPolicyClient {
  private readonly authorization: string;

  constructor(
    readonly orgUrl: string,
    token: string,
  ) {
    this.authorization = `Basic ${Buffer.from(`:${token}`).toString('base64')}`;
  }

  /** The identity id of this client's token. */
  async authenticatedIdentityId(): Promise<string> {
    const { json } = await this.call('GET', '_apis/connectionData');
    return z.object({ authenticatedUser: z.object({ id: z.string() }) }).parse(json).authenticatedUser.id;
  }

  async repositoryId(project: string, repository: string): Promise<string> {
    const { json } = await this.call(
      'GET',
      `${segment(project)}/_apis/git/repositories/${segment(repository)}`,
    );
    return z.object({ id: z.string() }).parse(json).id;
  }

  /** The project's configurations of one policy type, following the list's continuation token. */
  async listConfigurations(project: string, policyType: string): Promise<PolicyConfiguration[]> {
    const configurations: PolicyConfiguration[] = [];
    let continuationToken: string | undefined;
    do {
      const { json, headers } = await this.call('GET', configurationsPath(project), {
        query: { policyType, continuationToken },
      });
      configurations.push(...z.object({ value: z.array(configurationSchema) }).parse(json).value);
      continuationToken = headers.get('x-ms-continuationtoken') ?? undefined;
    } while (continuationToken);
    return configurations;
  }

  async createConfiguration(project: string, configuration: PolicyConfigurationRequest): Promise<void> {
    await this.call('POST', configurationsPath(project), { body: configuration });
  }

  async replaceConfiguration(
    project: string,
    id: number,
    configuration: PolicyConfigurationRequest,
  ): Promise<void> {
    await this.call('PUT', `${configurationsPath(project)}/${id}`, { body: configuration });
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown } = {},
  ): Promise<{ json: unknown; headers: Headers }> {
    const url = new URL(`${this.orgUrl}/${path}`);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, value);
    url.searchParams.set('api-version', API_VERSION);
    const what = `${method} ${url.pathname}`;
    let response: Response;
    try {
      response = await getProxyFetch()(url, {
        method,
        redirect: 'manual',
        headers: {
          Authorization: this.authorization,
          Accept: 'application/json',
          ...(options.body !== undefined && { 'Content-Type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      throw new Error(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    const text = await response.text();
    if (
      response.status === 401 ||
      response.status === 203 ||
      (response.status >= 300 && response.status < 400)
    )
      throw new Error(`${what}: the token was not accepted (HTTP ${response.status})`);
    if (!response.ok) throw new Error(`${what}: HTTP ${response.status}: ${serviceMessage(text)}`);
    try {
      return { json: text === '' ? undefined : JSON.parse(text), headers: response.headers };
    } catch {
      throw new Error(`${what}: the answer is not JSON; is --org an Azure DevOps organization URL?`);
    }
  }
}

const segment = encodeURIComponent;
const configurationsPath = (project: string) => `${segment(project)}/_apis/policy/configurations`;

function serviceMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not an Azure DevOps error body: show the start of whatever it is.
  }
  return text.slice(0, 200);
}
