import { z } from 'zod';
import type { AzureDevOpsCredential } from '../azure-devops/azureDevOpsCredential';
import { callAzureDevOpsRest, type CommandRestCall } from '../azure-devops/commandRestCall';

/**
 * The part of the Azure DevOps REST API (7.1) the service-hook commands use: the projects list and the Web Hooks
 * subscriptions of the Service Hooks API.
 *
 * Plain fetch rather than azure-devops-node-api: the library has no Service Hooks client, and its CoreApi drops
 * the projects list's continuation token, so it would save nothing here.
 */

const projectPage = z.object({ value: z.array(z.object({ id: z.string(), name: z.string() })) });
export type Project = z.infer<typeof projectPage>['value'][number];

const inputs = z
  .record(z.string(), z.string())
  .nullish()
  .transform((value) => value ?? {});
const subscriptionSchema = z.object({
  id: z.string(),
  status: z.string().optional(),
  publisherId: z.string(),
  eventType: z.string(),
  consumerId: z.string(),
  consumerActionId: z.string(),
  publisherInputs: inputs,
  consumerInputs: inputs,
});
export type Subscription = z.infer<typeof subscriptionSchema>;

/** What a create or replace sends: a subscription without the fields the service assigns. */
export type SubscriptionRequest = Pick<
  Subscription,
  'publisherId' | 'eventType' | 'consumerId' | 'consumerActionId' | 'publisherInputs' | 'consumerInputs'
>;

/** A project named by the caller is not in the organization (or the credential cannot see it). */
export class ProjectNotFoundError extends Error {}

const subscriptionPath = (id: string) => `_apis/hooks/subscriptions/${encodeURIComponent(id)}`;

/**
 * Every call goes to a path under the organization URL, so the credential is sent nowhere else; redirects are not
 * followed for the same reason (Azure DevOps answers a rejected PAT with a redirect to its sign-in page).
 * An answer of an unexpected shape throws a z.ZodError.
 */
export class ServiceHooksClient {
  /**
   * @param credential a PAT or the app's credential for this organization (azureDevOpsCredential.ts)
   * @param credentialSource what to check when it is refused, e.g. "AZURE_DEVOPS_PAT and --org"
   */
  constructor(
    readonly orgUrl: string,
    private readonly credential: AzureDevOpsCredential,
    private readonly credentialSource: string,
  ) {}

  /** Every project of the organization, following the list's continuation token. */
  async listProjects(): Promise<Project[]> {
    const projects: Project[] = [];
    let continuationToken: string | undefined;
    do {
      const { json, headers } = await this.call('GET', '_apis/projects', { query: { continuationToken } });
      projects.push(...projectPage.parse(json).value);
      continuationToken = headers.get('x-ms-continuationtoken') ?? undefined;
    } while (continuationToken);
    return projects;
  }

  /** The named projects (case-insensitively, as Azure DevOps names them), or all of them. */
  async findProjects(names: string[] | 'all'): Promise<Project[]> {
    const all = await this.listProjects();
    if (names === 'all') return all;
    return names.map((name) => {
      const project = all.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
      if (!project)
        throw new ProjectNotFoundError(
          `project "${name}" not found in ${this.orgUrl} (or the credential cannot see it)`,
        );
      return project;
    });
  }

  /** The organization's subscriptions that deliver tfs events by HTTP request. */
  async listWebHookSubscriptions(): Promise<Subscription[]> {
    const { json } = await this.call('GET', '_apis/hooks/subscriptions', {
      query: { publisherId: 'tfs', consumerId: 'webHooks', consumerActionId: 'httpRequest' },
    });
    return z.object({ value: z.array(subscriptionSchema) }).parse(json).value;
  }

  async createSubscription(subscription: SubscriptionRequest): Promise<void> {
    await this.call('POST', '_apis/hooks/subscriptions', { body: subscription });
  }

  async replaceSubscription(id: string, subscription: SubscriptionRequest): Promise<void> {
    await this.call('PUT', subscriptionPath(id), { body: subscription });
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.call('DELETE', subscriptionPath(id));
  }

  private call(
    method: CommandRestCall['method'],
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown } = {},
  ): Promise<{ json: unknown; headers: Headers }> {
    const { mode } = this.credential;
    const refused = mode === 'pat' ? 'the PAT' : `the ${mode} token`;
    return callAzureDevOpsRest(
      {
        orgUrl: this.orgUrl,
        credential: this.credential,
        refusal: (status) => `${refused} was not accepted (HTTP ${status}); check ${this.credentialSource}`,
      },
      { method, path, ...options },
    );
  }
}
