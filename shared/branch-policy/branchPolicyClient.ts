import { z } from 'zod';
import { patCredential, type AzureDevOpsCredential } from '../azure-devops/azureDevOpsCredential';
import { callAzureDevOpsRest, type CommandRestCall } from '../azure-devops/commandRestCall';
import { fixedSecret } from '../secrets/refreshingSecret';

/**
 * The part of the Azure DevOps REST API (7.1) `setup-gate` uses: who a token belongs to (ConnectionData), a
 * repository's id, and the Policy configurations API. Plain fetch, as ServiceHooksClient, so the PAT only goes to
 * paths under the organization URL and redirects (a rejected PAT's sign-in page) are not followed.
 */

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
  private readonly credential: AzureDevOpsCredential;

  constructor(
    readonly orgUrl: string,
    token: string,
  ) {
    this.credential = patCredential(fixedSecret(token));
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

  private call(
    method: CommandRestCall['method'],
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown } = {},
  ): Promise<{ json: unknown; headers: Headers }> {
    return callAzureDevOpsRest(
      {
        orgUrl: this.orgUrl,
        credential: this.credential,
        refusal: (status) => `the token was not accepted (HTTP ${status})`,
      },
      { method, path, ...options },
    );
  }
}

const segment = encodeURIComponent;
const configurationsPath = (project: string) => `${segment(project)}/_apis/policy/configurations`;
