/**
 * The azd infrastructure (infra/*.bicep) checked with the real Bicep CLI: every file builds, the linter reports
 * nothing, and the template behaves as the app needs. Behaviour is read from `bicep snapshot`, which evaluates the
 * compiled ARM JSON of main.bicep with concrete parameters (resolved names, conditions and loops); the checks that
 * no secret passes through parameters or outputs read the compiled ARM JSON itself.
 *
 * Bicep is looked up in BICEP_PATH, .tools/bicep/bicep (.ci/install-bicep.sh), PATH, then ~/.azure/bin/bicep (the
 * copy `az bicep` runs). Without it the suite is skipped with a warning, and fails when CI is set.
 */
import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseConfig, settingNames } from '../../shared/config';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../..');
const infraDir = path.join(repoRoot, 'infra');
const mainBicep = path.join(infraDir, 'main.bicep');

/**
 * Settings shared/config.ts reads that the Function App deliberately does not carry as app settings.
 * secret-backed: the value lives in Key Vault; the app setting <NAME>_SECRET_NAME names the secret.
 * local-only: development or alternative setups only (docs/deployment.md says so); must not be set in Azure.
 */
const settingsOutsideAppSettings: Record<string, 'secret-backed' | 'local-only'> = {
  AZURE_DEVOPS_BOT_TOKEN: 'secret-backed',
  AZURE_DEVOPS_CLIENT_SECRET: 'secret-backed',
  // A certificate file on the host's disk: for Azure DevOps Server or local runs; in Azure use a client secret.
  AZURE_DEVOPS_CLIENT_CERTIFICATE_PATH: 'local-only',
  // Points @azure/identity at a non-public cloud or the local Entra stand-in.
  AZURE_AUTHORITY_HOST: 'local-only',
  OPENAI_API_KEYS: 'secret-backed',
  AZURE_OPENAI_API_KEY: 'secret-backed',
  AWS_SECRET_ACCESS_KEY: 'secret-backed',
  OAUTH2_CLIENT_SECRET: 'secret-backed',
  WEBHOOK_PASSWORD: 'secret-backed',
  WEBHOOK_PREVIOUS_PASSWORD: 'secret-backed',
  // Temporary AWS credentials expire: a deployment uses a long-lived key pair.
  AWS_SESSION_TOKEN: 'local-only',
  // Points the Bedrock client at the local stand-in (dev/llm/bedrockServer.ts).
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'local-only',
  // Azure deploys basic auth for the service hooks; the header alternative is for other hosts.
  WEBHOOK_HEADER_NAME: 'local-only',
  WEBHOOK_HEADER_SECRET: 'local-only',
  WEBHOOK_AUTH_DISABLED: 'local-only',
  // A connection string (Azurite); Azure uses the identity-based AzureWebJobsStorage__* settings.
  AzureWebJobsStorage: 'local-only',
};

/** App settings the template sets for the Functions host or Application Insights, not for shared/config. */
const platformSettings = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
];

/** The containers the app's identity uses: the Functions host's two, the deployment package, the review state. */
const hostContainers = ['azure-webjobs-hosts', 'azure-webjobs-secrets'];

const builtInRoles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  cognitiveServicesOpenAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd',
};

/**
 * Words that mark a parameter or output as holding a secret value (an access key id names a key; tokens, a token
 * budget and output tokens are counts).
 */
const secretValueWords =
  /password|(?<!output)token(?!s|budget)|apikey|clientsecret|connectionstring|accesskey(?!id)|sastoken/i;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findBicep(): string | undefined {
  if (process.env.BICEP_PATH) return process.env.BICEP_PATH;
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'bicep'));
  const candidates = [
    path.join(repoRoot, '.tools/bicep/bicep'),
    ...onPath,
    path.join(homedir(), '.azure/bin/bicep'),
  ];
  return candidates.find(isExecutable);
}

interface PredictedResource {
  id: string;
  type: string;
  name: string;
  location?: string;
  kind?: string;
  sku?: { name?: string; tier?: string };
  tags?: Record<string, string>;
  identity?: { type: string; userAssignedIdentities?: Record<string, unknown> };
  properties?: Record<string, unknown>;
}

interface Snapshot {
  predictedResources: PredictedResource[];
  diagnostics?: unknown[];
  outputs: Record<string, unknown>;
}

interface ArmTemplate {
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
  outputs?: Record<string, { type: string; value: unknown }>;
  resources: ArmResource[] | Record<string, ArmResource>;
}

interface ArmResource {
  type: string;
  properties?: { template?: ArmTemplate };
}

/** The template and the templates of all its modules (nested deployments). */
function allTemplates(template: ArmTemplate): ArmTemplate[] {
  const resources = Array.isArray(template.resources)
    ? template.resources
    : Object.values(template.resources);
  return [
    template,
    ...resources.flatMap((resource) =>
      resource.type === 'Microsoft.Resources/deployments' && resource.properties?.template
        ? allTemplates(resource.properties.template)
        : [],
    ),
  ];
}

function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return bicepFiles(full);
    return entry.name.endsWith('.bicep') ? [full] : [];
  });
}

/** A Bicep literal for a .bicepparam value. */
function bicepLiteral(value: string | boolean): string {
  return typeof value === 'boolean'
    ? String(value)
    : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const bicep = findBicep();
const missingBicep =
  'Bicep CLI not found (BICEP_PATH, .tools/bicep/bicep, PATH, ~/.azure/bin/bicep): run .ci/install-bicep.sh';

if (!bicep && process.env.CI) {
  describe('infra (Bicep)', () => {
    it('needs the Bicep CLI', () => {
      throw new Error(missingBicep);
    });
  });
} else if (!bicep) {
  console.warn(`Skipping test/infra/bicep.test.ts: ${missingBicep}`);
  describe.skip('infra (Bicep)', () => {
    it('needs the Bicep CLI', () => undefined);
  });
} else {
  const bicepPath = bicep;
  const workDir = mkdtempSync(path.join(tmpdir(), 'ado-reviewer-bicep-'));
  const run = (args: string[], cwd = repoRoot) =>
    execFileAsync(bicepPath, args, { cwd, maxBuffer: 64 * 1024 * 1024 });

  const sample = {
    environmentName: 'ci',
    location: 'westeurope',
    subscriptionId: '00000000-0000-0000-0000-000000000001',
    tenantId: '00000000-0000-0000-0000-000000000002',
    principalId: '00000000-0000-0000-0000-0000000000aa',
    azureDevOpsOrgUrl: 'https://dev.azure.com/contoso',
  };

  async function snapshot(
    name: string,
    params: Record<string, string | boolean>,
    template = mainBicep,
  ): Promise<Snapshot> {
    const paramFile = path.join(workDir, `${name}.bicepparam`);
    const lines = [
      `using '${path.relative(workDir, template).split(path.sep).join('/')}'`,
      ...Object.entries(params).map(([key, value]) => `param ${key} = ${bicepLiteral(value)}`),
    ];
    writeFileSync(paramFile, `${lines.join('\n')}\n`);
    await run([
      'snapshot',
      paramFile,
      '--subscription-id',
      sample.subscriptionId,
      '--tenant-id',
      sample.tenantId,
      '--location',
      sample.location,
      '--deployment-name',
      name,
    ]);
    return JSON.parse(readFileSync(path.join(workDir, `${name}.snapshot.json`), 'utf8')) as Snapshot;
  }

  const baseParams = {
    environmentName: sample.environmentName,
    location: sample.location,
    principalId: sample.principalId,
    azureDevOpsOrgUrl: sample.azureDevOpsOrgUrl,
  };

  /** A run that may fail: kept, so that only the tests needing it fail (with its error), not the whole suite. */
  type Outcome<T> = { value: T } | { error: unknown };
  const settle = <T>(promise: Promise<T>): Promise<Outcome<T>> =>
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  const valueOf = <T>(outcome: Outcome<T>): T => {
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
  /** What a failed Bicep run said: its stderr and message. */
  const failureOf = (outcome: Outcome<unknown>): string => {
    if (!('error' in outcome)) throw new Error('expected the snapshot to be refused, and it was produced');
    const error = outcome.error as { stderr?: string; message?: string };
    return `${error.stderr ?? ''}${error.message ?? ''}`;
  };

  /**
   * `bicep snapshot` never resolves a @secure() parameter (it stays an ARM expression), so the checks of what
   * main.bicep does with azureDevOpsOrganizations run on a copy of infra/ whose only change is that decorator
   * removed; another test checks that the real templates keep it.
   */
  const evaluableInfraDir = path.join(workDir, 'infra-evaluable');
  function writeEvaluableInfra(): string {
    cpSync(infraDir, evaluableInfraDir, { recursive: true });
    for (const file of ['main.bicep', 'app/api.bicep']) {
      const full = path.join(evaluableInfraDir, file);
      const text = readFileSync(full, 'utf8');
      writeFileSync(
        full,
        text.replace(/@secure\(\)\n((?:@description\([^\n]*\)\n)?param azureDevOpsOrganizations )/, '$1'),
      );
    }
    return path.join(evaluableInfraDir, 'main.bicep');
  }

  const fabrikam = 'https://dev.azure.com/fabrikam';
  const literalToken = 'literal-pat-value-that-must-not-appear';
  const organizationsNamingSecrets = JSON.stringify([
    { url: sample.azureDevOpsOrgUrl, auth: 'managed-identity' },
    { url: fabrikam, auth: 'pat', tokenSecretName: 'fabrikam-pat' },
  ]);
  const organizationsWithLiteralToken = JSON.stringify([
    { url: sample.azureDevOpsOrgUrl, auth: 'managed-identity' },
    { url: fabrikam, auth: 'pat', token: literalToken },
  ]);
  const organizationsWithLiteralClientSecret = JSON.stringify([
    {
      url: fabrikam,
      auth: 'service-principal',
      tenantId: sample.tenantId,
      clientId: '00000000-0000-0000-0000-0000000000cc',
      clientSecret: literalToken,
    },
  ]);

  let build: { stdout: string; stderr: string };
  let lint: { stdout: string; stderr: string };
  let compiled: ArmTemplate;
  let defaults: Snapshot;
  let switchedOn: Snapshot;
  let azureOpenAi: Snapshot;
  let azureOpenAiWithKey: Snapshot;
  let bedrock: Snapshot;
  let privateNetwork: Outcome<Snapshot>;
  let namingSecrets: Outcome<Snapshot>;
  let literalTokenRun: Outcome<Snapshot>;
  let literalClientSecretRun: Outcome<Snapshot>;
  let urlAndOrganizationsRun: Outcome<Snapshot>;

  const existingAzureOpenAi = { name: 'oai-contoso', resourceGroup: 'rg-shared-ai' };

  beforeAll(async () => {
    const buildDir = path.join(workDir, 'build');
    [build, lint, defaults, switchedOn, azureOpenAi, azureOpenAiWithKey, bedrock] = await Promise.all([
      run(['build', '--pattern', 'infra/**/*.bicep', '--outdir', buildDir]),
      run(['lint', '--pattern', 'infra/**/*.bicep']),
      snapshot('defaults', baseParams),
      snapshot('switched-on', {
        ...baseParams,
        principalId: '',
        azureDevOpsAuth: 'pat',
        keyVaultPurgeProtection: false,
        keyVaultEventsEnabled: true,
        inboundFromAzureDevOpsOnly: true,
        inboundAllowedIpRanges: ' 203.0.113.0/24, ,198.51.100.7/32',
        oauth2Endpoint: 'https://login.microsoftonline.com/contoso/oauth2/v2.0/token',
        oauth2ClientId: 'gateway-client',
        oauth2Scope: 'api://gateway/.default',
      }),
      snapshot('azure-openai', {
        ...baseParams,
        llmProvider: 'azure-openai',
        azureOpenAiName: existingAzureOpenAi.name,
        azureOpenAiResourceGroup: existingAzureOpenAi.resourceGroup,
        azureGpt41MiniDeploymentName: 'mini',
        azureO3DeploymentName: 'o3-prod',
      }),
      snapshot('azure-openai-with-key', {
        ...baseParams,
        llmProvider: 'azure-openai',
        azureOpenAiEndpoint: 'https://gateway.contoso.com',
        azureOpenAiKeyAuthentication: true,
        azureGpt41DeploymentName: 'gpt41',
      }),
      snapshot('bedrock', {
        ...baseParams,
        llmProvider: 'bedrock-anthropic',
        awsRegion: 'us-east-1',
        awsAccessKeyId: 'AKIAEXAMPLEKEYID',
        azureDevOpsAuth: 'service-principal',
        azureTenantId: sample.tenantId,
        azureDevOpsClientId: '00000000-0000-0000-0000-0000000000bb',
      }),
    ]);
    compiled = JSON.parse(readFileSync(path.join(buildDir, 'main.json'), 'utf8')) as ArmTemplate;
    const evaluableMain = writeEvaluableInfra();
    [privateNetwork, namingSecrets, literalTokenRun, literalClientSecretRun, urlAndOrganizationsRun] =
      await Promise.all([
        settle(snapshot('private-networking', { ...baseParams, privateNetworking: true })),
        settle(
          snapshot(
            'organizations-naming-secrets',
            { ...baseParams, azureDevOpsOrgUrl: '', azureDevOpsOrganizations: organizationsNamingSecrets },
            evaluableMain,
          ),
        ),
        settle(
          snapshot(
            'organizations-literal-token',
            { ...baseParams, azureDevOpsOrgUrl: '', azureDevOpsOrganizations: organizationsWithLiteralToken },
            evaluableMain,
          ),
        ),
        settle(
          snapshot(
            'organizations-literal-client-secret',
            {
              ...baseParams,
              azureDevOpsOrgUrl: '',
              azureDevOpsOrganizations: organizationsWithLiteralClientSecret,
            },
            evaluableMain,
          ),
        ),
        settle(
          snapshot(
            'organizations-and-url',
            { ...baseParams, azureDevOpsOrganizations: organizationsNamingSecrets },
            evaluableMain,
          ),
        ),
      ]);
    // Twelve Bicep runs; on a busy two-core machine they take longer than the default test timeout.
  }, 400_000);

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  const resourcesOf = (snap: Snapshot, type: string) =>
    snap.predictedResources.filter((r) => r.type === type);
  const only = (snap: Snapshot, type: string) => {
    const found = resourcesOf(snap, type);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const appSettingsOf = (snap: Snapshot) =>
    only(snap, 'Microsoft.Web/sites/config').properties as Record<string, string>;
  const roleIdOf = (assignment: PredictedResource) =>
    String(assignment.properties?.roleDefinitionId).split('/').pop();
  const scopeOf = (assignment: PredictedResource) =>
    assignment.id.split('/providers/Microsoft.Authorization/roleAssignments/')[0];
  const secretPairsOf = (snap: Snapshot) => String(snap.outputs.KEY_VAULT_SECRET_NAMES).split(' ');

  /**
   * The environment the app sees in Azure: its app settings, with values known only at deployment (ARM expressions
   * in the snapshot) replaced by stand-ins of the right form. AZURE_DEVOPS_ORGANIZATIONS comes from a secure
   * parameter, which the snapshot leaves unresolved: it stands for the value the snapshot was given (empty unless
   * said otherwise).
   */
  const environmentOf = (snap: Snapshot, organizations = '') =>
    Object.fromEntries(
      Object.entries(appSettingsOf(snap)).map(([name, value]) => [
        name,
        !value.startsWith('[')
          ? value
          : name === 'AZURE_DEVOPS_ORGANIZATIONS'
            ? organizations
            : /(URI|ENDPOINT)$/.test(name)
              ? `https://${name.toLowerCase()}.example.net`
              : 'resolved',
      ]),
    );

  describe('infra (Bicep)', () => {
    it('builds every .bicep file without errors', () => {
      const built = readdirSync(path.join(workDir, 'build'), { recursive: true, encoding: 'utf8' }).filter(
        (file) => file.endsWith('.json'),
      );
      expect(built).toHaveLength(bicepFiles(infraDir).length);
      expect(build.stderr).not.toMatch(/\bError\b/);
    });

    it('lints every .bicep file with no warning, with the analyzer rules raised to warnings', () => {
      expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('');
      const config = JSON.parse(readFileSync(path.join(infraDir, 'bicepconfig.json'), 'utf8')) as {
        analyzers: { core: { rules: Record<string, { level: string }> } };
      };
      const levels = Object.values(config.analyzers.core.rules).map((rule) => rule.level);
      expect(levels.length).toBeGreaterThan(20);
      expect(new Set(levels)).toEqual(new Set(['warning']));
    });

    it('feeds main.bicep the azd variables and only parameters it declares', () => {
      const file = JSON.parse(readFileSync(path.join(infraDir, 'main.parameters.json'), 'utf8')) as {
        parameters: Record<string, { value: unknown }>;
      };
      const declared = compiled.parameters ?? {};
      expect(file.parameters.environmentName.value).toBe('${AZURE_ENV_NAME}');
      expect(file.parameters.location.value).toBe('${AZURE_LOCATION}');
      expect(file.parameters.principalId.value).toBe('${AZURE_PRINCIPAL_ID}');
      for (const name of Object.keys(file.parameters)) expect(Object.keys(declared)).toContain(name);
      const required = Object.entries(declared).filter(([, p]) => p.defaultValue === undefined);
      for (const [name] of required) expect(Object.keys(file.parameters)).toContain(name);
    });

    it('creates the azd resource group and tags every resource with the environment', () => {
      const group = only(defaults, 'Microsoft.Resources/resourceGroups');
      expect(group.name).toBe(`rg-${sample.environmentName}`);
      const tracked = defaults.predictedResources.filter((r) => r.location !== undefined);
      expect(tracked.length).toBeGreaterThan(8);
      for (const resource of tracked) expect(resource.tags?.['azd-env-name']).toBe(sample.environmentName);
      const app = only(defaults, 'Microsoft.Web/sites');
      expect(app.tags?.['azd-service-name']).toBe('api');
    });

    it('keeps secrets in a Key Vault with RBAC authorization, soft delete and purge protection unless turned off', () => {
      const vault = only(defaults, 'Microsoft.KeyVault/vaults');
      expect(vault.properties).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true });
      expect(vault.properties?.accessPolicies ?? []).toEqual([]);
      expect(vault.properties?.enablePurgeProtection).toBe(true);
      expect(only(switchedOn, 'Microsoft.KeyVault/vaults').properties?.enablePurgeProtection ?? false).toBe(
        false,
      );
    });

    it('denies shared-key access to storage and pre-creates the review queue and its poison queue', () => {
      const storage = only(defaults, 'Microsoft.Storage/storageAccounts');
      expect(storage.properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false });

      const codeDefault = parseConfig({
        AZURE_DEVOPS_ORG_URL: sample.azureDevOpsOrgUrl,
        AZURE_DEVOPS_BOT_TOKEN: 'unused',
        OPENAI_API_KEYS: 'unused',
        WEBHOOK_AUTH_DISABLED: 'true',
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      }).queue.name;
      const queueNames = resourcesOf(defaults, 'Microsoft.Storage/storageAccounts/queueServices/queues').map(
        (queue) => queue.name.split('/').pop(),
      );
      expect(queueNames.sort()).toEqual([codeDefault, `${codeDefault}-poison`].sort());
      expect(appSettingsOf(defaults).REVIEW_QUEUE_NAME).toBe(codeDefault);
    });

    it("pre-creates every blob container the app uses, the review state under the code's default name", () => {
      const settings = appSettingsOf(defaults);
      const stateDefault = parseConfig({ ...environmentOf(defaults), REVIEW_STATE_CONTAINER: '' }).state
        .container;
      expect(settings.REVIEW_STATE_CONTAINER).toBe(stateDefault);
      const deploymentUrl = String(
        (
          only(defaults, 'Microsoft.Web/sites').properties?.functionAppConfig as {
            deployment: { storage: { value: string } };
          }
        ).deployment.storage.value,
      );
      const deploymentContainer = /'([a-z0-9-]+)'\)\]$/.exec(deploymentUrl)?.[1];
      const containerNames = resourcesOf(
        defaults,
        'Microsoft.Storage/storageAccounts/blobServices/containers',
      ).map((container) => container.name.split('/').pop());
      expect(containerNames.sort()).toEqual([...hostContainers, deploymentContainer, stateDefault].sort());
    });

    it('runs the app on Flex Consumption with Node 22 as its user-assigned identity', () => {
      const plan = only(defaults, 'Microsoft.Web/serverfarms');
      expect(plan.sku).toMatchObject({ name: 'FC1', tier: 'FlexConsumption' });
      const app = only(defaults, 'Microsoft.Web/sites');
      const identity = only(defaults, 'Microsoft.ManagedIdentity/userAssignedIdentities');
      expect(app.kind).toBe('functionapp,linux');
      expect(app.identity?.type).toBe('UserAssigned');
      expect(Object.keys(app.identity?.userAssignedIdentities ?? {})).toEqual([identity.id]);
      expect(app.properties?.functionAppConfig).toMatchObject({
        runtime: { name: 'node', version: '22' },
        deployment: {
          storage: {
            type: 'blobContainer',
            authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id },
          },
        },
      });
    });

    it('accepts TLS 1.2 or later only, and neither FTP nor basic-auth publishing', () => {
      const app = only(defaults, 'Microsoft.Web/sites');
      expect(app.properties?.siteConfig).toMatchObject({
        minTlsVersion: '1.2',
        scmMinTlsVersion: '1.2',
        ftpsState: 'Disabled',
      });
      const policies = resourcesOf(defaults, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
      expect(policies.map((policy) => policy.id).sort()).toEqual([
        `${app.id}/basicPublishingCredentialsPolicies/ftp`,
        `${app.id}/basicPublishingCredentialsPolicies/scm`,
      ]);
      for (const policy of policies) expect(policy.properties).toEqual({ allow: false });
    });

    it('accepts requests from anywhere unless restricted to Azure DevOps, Event Grid and the ranges given', () => {
      const open = only(defaults, 'Microsoft.Web/sites').properties?.siteConfig as Record<string, unknown>;
      expect(open.ipSecurityRestrictions).toEqual([]);
      expect(open.ipSecurityRestrictionsDefaultAction).toBe('Allow');

      const restricted = only(switchedOn, 'Microsoft.Web/sites').properties?.siteConfig as {
        ipSecurityRestrictions: { tag: string; ipAddress: string; action: string; priority: number }[];
        ipSecurityRestrictionsDefaultAction: string;
        scmIpSecurityRestrictionsUseMain: boolean;
      };
      expect(restricted.ipSecurityRestrictionsDefaultAction).toBe('Deny');
      expect(
        restricted.ipSecurityRestrictions.map(({ tag, ipAddress, action }) => ({ tag, ipAddress, action })),
      ).toEqual([
        { tag: 'ServiceTag', ipAddress: 'AzureDevOps', action: 'Allow' },
        { tag: 'ServiceTag', ipAddress: 'AzureEventGrid', action: 'Allow' },
        { tag: 'Default', ipAddress: '203.0.113.0/24', action: 'Allow' },
        { tag: 'Default', ipAddress: '198.51.100.7/32', action: 'Allow' },
      ]);
      const priorities = restricted.ipSecurityRestrictions.map((rule) => rule.priority);
      expect(new Set(priorities).size).toBe(priorities.length);
      // azd deploys through the SCM site with an Entra token; it keeps its own (open) rules.
      expect(restricted.scmIpSecurityRestrictionsUseMain).toBe(false);
    });

    it('connects to storage and Application Insights through the identity', () => {
      const settings = appSettingsOf(defaults);
      const storage = only(defaults, 'Microsoft.Storage/storageAccounts');
      expect(settings).not.toHaveProperty('AzureWebJobsStorage');
      expect(settings.AzureWebJobsStorage__accountName).toBe(storage.name);
      expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
      const identity = only(defaults, 'Microsoft.ManagedIdentity/userAssignedIdentities');
      // Values known only at deployment stay ARM expressions in the snapshot: check what they refer to.
      expect(settings.AzureWebJobsStorage__clientId).toContain(identity.id);
      expect(settings.AzureWebJobsStorage__queueServiceUri).toContain(storage.id);
      expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toContain('ClientId={0};Authorization=AAD');
      expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toContain(identity.id);
      expect(only(defaults, 'Microsoft.Insights/components').properties?.DisableLocalAuth).toBe(true);
      expect(only(defaults, 'Microsoft.OperationalInsights/workspaces').properties?.features).toMatchObject({
        disableLocalAuth: true,
      });
    });

    it('gives the app every setting shared/config reads, and only those, secrets by Key Vault name only', () => {
      const settings = appSettingsOf(defaults);
      for (const name of Object.keys(settingsOutsideAppSettings)) expect(settingNames).toContain(name);
      // The Key Vault name of a local-only secret is local-only too.
      const kindOf = (name: string) => settingsOutsideAppSettings[name.replace(/_SECRET_NAME$/, '')];
      const notInAzure = settingNames.filter(
        (name) =>
          kindOf(name) !== 'local-only' &&
          settingsOutsideAppSettings[name] === undefined &&
          !(name in settings),
      );
      expect(notInAzure).toEqual([]);
      const notInConfigSchema = Object.keys(settings).filter(
        (name) => !(settingNames as string[]).includes(name) && !platformSettings.includes(name),
      );
      expect(notInConfigSchema).toEqual([]);
      for (const [name, kind] of Object.entries(settingsOutsideAppSettings)) {
        expect(settings).not.toHaveProperty([name]);
        if (kind === 'secret-backed') expect(settings).toHaveProperty([`${name}_SECRET_NAME`]);
      }
      expect(settings.KEY_VAULT_URI).toContain('Microsoft.KeyVault/vaults');
      expect(settings.AZURE_DEVOPS_ORG_URL).toBe(sample.azureDevOpsOrgUrl);
    });

    it('names in Key Vault exactly the secrets each model provider and Azure DevOps sign-in use, and requires all but the rotation window', () => {
      // Sign-in: managed identity by default (no secret), a PAT when switched on, a service principal with Bedrock.
      const expected: [Snapshot, string[]][] = [
        [defaults, ['OPENAI_API_KEYS']],
        [switchedOn, ['OAUTH2_CLIENT_SECRET', 'AZURE_DEVOPS_BOT_TOKEN']],
        [azureOpenAi, []],
        [azureOpenAiWithKey, ['AZURE_OPENAI_API_KEY']],
        [bedrock, ['AWS_SECRET_ACCESS_KEY', 'AZURE_DEVOPS_CLIENT_SECRET']],
      ];
      for (const [snap, modelSecrets] of expected) {
        const settings = appSettingsOf(snap);
        const named = Object.entries(settings)
          .filter(([name, value]) => name.endsWith('_SECRET_NAME') && value !== '')
          .map(([name, value]) => `${name.replace(/_SECRET_NAME$/, '')}=${value}`);
        expect(secretPairsOf(snap).sort()).toEqual(named.sort());
        for (const pair of named) expect(pair).toMatch(/^[A-Z0-9_]+=[a-z0-9-]+$/);
        const secrets = named.map((pair) => pair.split('=')[0]);
        expect(secrets.sort()).toEqual(
          ['WEBHOOK_PASSWORD', 'WEBHOOK_PREVIOUS_PASSWORD', ...modelSecrets].sort(),
        );
        expect(String(snap.outputs.KEY_VAULT_REQUIRED_SECRETS).split(' ').sort()).toEqual(
          ['WEBHOOK_PASSWORD', ...modelSecrets].sort(),
        );
      }
      expect(secretPairsOf(switchedOn)).toContain('OAUTH2_CLIENT_SECRET=oauth2-gateway-client-secret');
    });

    it("configures each model provider so that the app's configuration accepts it", () => {
      const cases: [Snapshot, Record<string, unknown>][] = [
        [defaults, { provider: 'openai', baseUrl: 'https://api.openai.com/v1' }],
        [
          switchedOn,
          {
            provider: 'openai',
            oauth2: {
              endpoint: 'https://login.microsoftonline.com/contoso/oauth2/v2.0/token',
              clientId: 'gateway-client',
              scope: 'api://gateway/.default',
            },
          },
        ],
        [azureOpenAi, { provider: 'azure-openai', endpoint: 'https://azure_openai_endpoint.example.net' }],
        [azureOpenAiWithKey, { provider: 'azure-openai', endpoint: 'https://gateway.contoso.com' }],
        [bedrock, { provider: 'bedrock-anthropic', region: 'us-east-1', accessKeyId: 'AKIAEXAMPLEKEYID' }],
      ];
      for (const [snap, expected] of cases)
        expect(parseConfig(environmentOf(snap)).llm).toMatchObject(expected);
      expect(appSettingsOf(azureOpenAi)).toMatchObject({
        AZURE_GPT41MINI_DEPLOYMENT_NAME: 'mini',
        AZURE_O3_DEPLOYMENT_NAME: 'o3-prod',
      });
    });

    it('takes the Azure OpenAI endpoint from the existing resource unless one is given', () => {
      const accountId =
        `/subscriptions/${sample.subscriptionId}/resourceGroups/${existingAzureOpenAi.resourceGroup}` +
        `/providers/Microsoft.CognitiveServices/accounts/${existingAzureOpenAi.name}`;
      expect(appSettingsOf(azureOpenAi).AZURE_OPENAI_ENDPOINT).toContain(accountId);
      expect(appSettingsOf(azureOpenAiWithKey).AZURE_OPENAI_ENDPOINT).toBe('https://gateway.contoso.com');
      expect(appSettingsOf(defaults).AZURE_OPENAI_ENDPOINT).toBe('');
    });

    it('documents every setting the app does not get in Azure', () => {
      const docs = readFileSync(path.join(repoRoot, 'docs/deployment.md'), 'utf8');
      for (const name of Object.keys(settingsOutsideAppSettings)) expect(docs).toContain(name);
    });

    it('assigns exactly the expected built-in roles, each with a reason', () => {
      const assignments = resourcesOf(defaults, 'Microsoft.Authorization/roleAssignments');
      const identity = only(defaults, 'Microsoft.ManagedIdentity/userAssignedIdentities');
      const toApp = assignments.filter((a) => String(a.properties?.principalId).includes(identity.id));
      const toDeployer = assignments.filter((a) => a.properties?.principalId === sample.principalId);
      expect(toApp.length + toDeployer.length).toBe(assignments.length);

      expect(new Set(toApp.map(roleIdOf))).toEqual(
        new Set([
          builtInRoles.keyVaultSecretsUser,
          builtInRoles.storageBlobDataOwner,
          builtInRoles.storageQueueDataContributor,
          builtInRoles.monitoringMetricsPublisher,
        ]),
      );
      expect(toDeployer.map(roleIdOf)).toEqual([builtInRoles.keyVaultSecretsOfficer]);
      for (const assignment of assignments) {
        expect(String(assignment.properties?.roleDefinitionId)).toMatch(
          /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/,
        );
        expect(String(assignment.properties?.description).length).toBeGreaterThan(10);
      }
      const queueScoped = toApp.filter((a) => roleIdOf(a) === builtInRoles.storageQueueDataContributor);
      expect(queueScoped.map(scopeOf).sort()).toEqual(
        resourcesOf(defaults, 'Microsoft.Storage/storageAccounts/queueServices/queues')
          .map((queue) => queue.id)
          .sort(),
      );
      // Blob roles on each container, none on the account.
      const blobScoped = toApp.filter((a) => roleIdOf(a) === builtInRoles.storageBlobDataOwner);
      expect(blobScoped.map(scopeOf).sort()).toEqual(
        resourcesOf(defaults, 'Microsoft.Storage/storageAccounts/blobServices/containers')
          .map((container) => container.id)
          .sort(),
      );
      expect(toApp.map(roleIdOf)).not.toContain(builtInRoles.cognitiveServicesOpenAiUser);

      const withoutDeployer = resourcesOf(switchedOn, 'Microsoft.Authorization/roleAssignments').map(
        roleIdOf,
      );
      expect(withoutDeployer).not.toContain(builtInRoles.keyVaultSecretsOfficer);
    });

    it('lets the app call an existing Azure OpenAI resource as Cognitive Services OpenAI User, on that resource only', () => {
      const identity = only(azureOpenAi, 'Microsoft.ManagedIdentity/userAssignedIdentities');
      const openAiUsers = resourcesOf(azureOpenAi, 'Microsoft.Authorization/roleAssignments').filter(
        (a) => roleIdOf(a) === builtInRoles.cognitiveServicesOpenAiUser,
      );
      expect(openAiUsers).toHaveLength(1);
      expect(scopeOf(openAiUsers[0])).toBe(
        `/subscriptions/${sample.subscriptionId}/resourceGroups/${existingAzureOpenAi.resourceGroup}` +
          `/providers/Microsoft.CognitiveServices/accounts/${existingAzureOpenAi.name}`,
      );
      expect(String(openAiUsers[0].properties?.principalId)).toContain(identity.id);
      expect(openAiUsers[0].properties?.principalType).toBe('ServicePrincipal');
      // Keyless: no key is named, whatever the resource allows.
      expect(appSettingsOf(azureOpenAi).AZURE_OPENAI_API_KEY_SECRET_NAME).toBe('');
      // An endpoint given without a resource gets no role assignment.
      const withKeyRoles = resourcesOf(azureOpenAiWithKey, 'Microsoft.Authorization/roleAssignments').map(
        roleIdOf,
      );
      expect(withKeyRoles).not.toContain(builtInRoles.cognitiveServicesOpenAiUser);
    });

    it('routes Key Vault secret events to keyVaultSecretEvents only once switched on', () => {
      expect(resourcesOf(defaults, 'Microsoft.EventGrid/systemTopics/eventSubscriptions')).toEqual([]);

      const vault = only(switchedOn, 'Microsoft.KeyVault/vaults');
      const app = only(switchedOn, 'Microsoft.Web/sites');
      const topic = only(switchedOn, 'Microsoft.EventGrid/systemTopics');
      expect(topic.properties).toMatchObject({ source: vault.id, topicType: 'Microsoft.KeyVault.vaults' });
      const subscription = only(switchedOn, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
      expect(subscription.properties).toMatchObject({
        destination: {
          endpointType: 'AzureFunction',
          properties: { resourceId: `${app.id}/functions/keyVaultSecretEvents` },
        },
      });
      const filter = subscription.properties?.filter as { includedEventTypes: string[] };
      expect(filter.includedEventTypes.sort()).toEqual(
        ['Microsoft.KeyVault.SecretNearExpiry', 'Microsoft.KeyVault.SecretNewVersionCreated'].sort(),
      );
    });

    it('passes no secret value through parameters or outputs', () => {
      const templates = allTemplates(compiled);
      expect(templates.length).toBeGreaterThan(5);
      for (const template of templates) {
        for (const [name, parameter] of Object.entries(template.parameters ?? {})) {
          // The one secure parameter holds the organizations list, which names secrets (next test).
          if (name !== 'azureDevOpsOrganizations')
            expect(parameter.type.toLowerCase()).not.toMatch(/^secure/);
          expect(name).not.toMatch(secretValueWords);
        }
      }
      for (const name of Object.keys(compiled.outputs ?? {})) {
        if (!/_NAMES?$/.test(name)) expect(name).not.toMatch(secretValueWords);
      }
      // list*() would copy keys or SAS tokens of a resource into the deployment (and its history).
      expect(JSON.stringify(compiled)).not.toMatch(/\blist[A-Z]\w*\(/);
      expect(Object.keys(defaults.outputs)).toContain('AZURE_KEY_VAULT_NAME');
      expect(defaults.outputs.WEBHOOK_URL).toContain('/azure_webhooks');
    });

    it('leaves networking as it was by default; with private networking, Key Vault and storage refuse public networks', () => {
      // Off (the default): no network resource, public network access as before, the app on no subnet.
      expect(defaults.predictedResources.filter((r) => r.type.startsWith('Microsoft.Network/'))).toEqual([]);
      expect(only(defaults, 'Microsoft.KeyVault/vaults').properties?.publicNetworkAccess).toBe('Enabled');
      expect(only(defaults, 'Microsoft.Storage/storageAccounts').properties).toMatchObject({
        publicNetworkAccess: 'Enabled',
        networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' },
      });
      const publicSite = only(defaults, 'Microsoft.Web/sites').properties ?? {};
      expect(publicSite.virtualNetworkSubnetId ?? null).toBeNull();
      expect(publicSite.outboundVnetRouting ?? null).toBeNull();
      expect(defaults.outputs.PRIVATE_NETWORKING).toBe(false);

      const on = valueOf(privateNetwork);
      expect(on.diagnostics ?? []).toEqual([]);
      expect(only(on, 'Microsoft.KeyVault/vaults').properties).toMatchObject({
        publicNetworkAccess: 'Disabled',
        networkAcls: { defaultAction: 'Deny', bypass: 'None' },
        enableRbacAuthorization: true,
      });
      expect(only(on, 'Microsoft.Storage/storageAccounts').properties).toMatchObject({
        publicNetworkAccess: 'Disabled',
        networkAcls: { defaultAction: 'Deny', bypass: 'None' },
        allowSharedKeyAccess: false,
      });
      expect(on.outputs.PRIVATE_NETWORKING).toBe(true);
      const network = on.predictedResources.filter((r) => r.type.startsWith('Microsoft.Network/'));
      for (const resource of network.filter((r) => r.location !== undefined))
        expect(resource.tags?.['azd-env-name']).toBe(sample.environmentName);
    });

    it('with private networking, reaches Key Vault and storage blob and queue through private endpoints with DNS zone groups', () => {
      const on = valueOf(privateNetwork);
      const vnet = only(on, 'Microsoft.Network/virtualNetworks');
      const vault = only(on, 'Microsoft.KeyVault/vaults');
      const storage = only(on, 'Microsoft.Storage/storageAccounts');
      const endpointSubnet = `${vnet.id}/subnets/snet-private-endpoints`;
      const endpoints = resourcesOf(on, 'Microsoft.Network/privateEndpoints').map((endpoint) => {
        const connections = endpoint.properties?.privateLinkServiceConnections as {
          properties: { privateLinkServiceId: string; groupIds: string[] };
        }[];
        expect(connections).toHaveLength(1);
        expect((endpoint.properties?.subnet as { id: string }).id).toBe(endpointSubnet);
        return {
          id: endpoint.id,
          service: connections[0].properties.privateLinkServiceId,
          group: connections[0].properties.groupIds.join(','),
        };
      });
      // What the app and its Functions host use: Key Vault, and blob (host state, keys, package, review state) and
      // queue (review jobs) storage. Flex Consumption has no content file share and nothing uses tables.
      expect(endpoints.map(({ service, group }) => `${service} ${group}`).sort()).toEqual(
        [`${storage.id} blob`, `${storage.id} queue`, `${vault.id} vault`].sort(),
      );

      const zones = resourcesOf(on, 'Microsoft.Network/privateDnsZones');
      expect(zones).toHaveLength(3);
      for (const zone of zones) expect(zone.location).toBe('global');
      const links = resourcesOf(on, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks');
      expect(links).toHaveLength(zones.length);
      for (const link of links)
        expect(link.properties).toMatchObject({
          virtualNetwork: { id: vnet.id },
          registrationEnabled: false,
        });

      // Each endpoint registers in the zone of its own sub-resource (names from the cloud's suffixes, so they stay
      // expressions here: privatelink.blob.<storage suffix>, privatelink.queue.<...>, privatelink.vaultcore.<...>).
      const zoneMarker: Record<string, string> = {
        blob: "'privatelink.blob.{0}', environment().suffixes.storage",
        queue: "'privatelink.queue.{0}', environment().suffixes.storage",
        vault: "replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')",
      };
      const zoneGroups = resourcesOf(on, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups');
      expect(zoneGroups).toHaveLength(endpoints.length);
      for (const endpoint of endpoints) {
        const group = zoneGroups.find((g) => g.id.startsWith(`${endpoint.id}/privateDnsZoneGroups/`));
        expect(group).toBeDefined();
        const configs = group?.properties?.privateDnsZoneConfigs as {
          properties: { privateDnsZoneId: string };
        }[];
        expect(configs).toHaveLength(1);
        expect(zones.map((zone) => zone.id)).toContain(configs[0].properties.privateDnsZoneId);
        expect(configs[0].properties.privateDnsZoneId).toContain(zoneMarker[endpoint.group]);
      }
    });

    it("with private networking, sends all the app's outbound traffic through the virtual network and leaves the webhook public", () => {
      const on = valueOf(privateNetwork);
      const vnet = only(on, 'Microsoft.Network/virtualNetworks');
      expect(vnet.properties?.addressSpace).toEqual({ addressPrefixes: ['10.90.0.0/23'] });
      const subnets = vnet.properties?.subnets as {
        name: string;
        properties: { addressPrefix: string; delegations?: { properties: { serviceName: string } }[] };
      }[];
      const appSubnet = subnets.find((subnet) => subnet.name === 'snet-app');
      const endpointSubnet = subnets.find((subnet) => subnet.name === 'snet-private-endpoints');
      expect(appSubnet?.properties.addressPrefix).toBe('10.90.0.0/24');
      expect(endpointSubnet?.properties.addressPrefix).toBe('10.90.1.0/27');
      // Flex Consumption's VNet integration needs this delegation.
      expect(appSubnet?.properties.delegations?.map((d) => d.properties.serviceName)).toEqual([
        'Microsoft.App/environments',
      ]);

      const site = only(on, 'Microsoft.Web/sites');
      expect(site.properties?.virtualNetworkSubnetId).toBe(`${vnet.id}/subnets/snet-app`);
      expect(site.properties?.outboundVnetRouting).toEqual({ applicationTraffic: true });
      // Inbound as without it: Azure DevOps Services calls the webhook from the Internet.
      expect(site.properties?.publicNetworkAccess ?? 'Enabled').toBe('Enabled');
      expect(
        (site.properties?.siteConfig as Record<string, unknown>).ipSecurityRestrictionsDefaultAction,
      ).toBe('Allow');
      const endpointServices = resourcesOf(on, 'Microsoft.Network/privateEndpoints').map((endpoint) =>
        JSON.stringify(endpoint.properties?.privateLinkServiceConnections),
      );
      for (const service of endpointServices) expect(service).not.toContain('Microsoft.Web/sites');
      expect(on.outputs.WEBHOOK_URL).toBe(defaults.outputs.WEBHOOK_URL);
      // The app keeps addressing storage and Key Vault by their usual names, resolved privately in the network.
      expect(appSettingsOf(on)).toEqual(appSettingsOf(defaults));
    });

    it('lets the app read its secrets at vault scope, the documented exception to secret-scoped roles', () => {
      for (const snap of [defaults, switchedOn, bedrock, valueOf(privateNetwork)]) {
        const vault = only(snap, 'Microsoft.KeyVault/vaults');
        const readers = resourcesOf(snap, 'Microsoft.Authorization/roleAssignments').filter(
          (a) => roleIdOf(a) === builtInRoles.keyVaultSecretsUser,
        );
        expect(readers).toHaveLength(1);
        expect(scopeOf(readers[0])).toBe(vault.id);
        // The reason travels with the assignment: its secrets are created after provisioning.
        expect(String(readers[0].properties?.description)).toMatch(/created after provisioning/);
      }
      const docs = readFileSync(path.join(repoRoot, 'docs/deployment.md'), 'utf8');
      expect(docs).toContain('### Why the app reads secrets at vault scope');
      expect(readFileSync(path.join(infraDir, 'app/rbac.bicep'), 'utf8')).toContain(
        'Why the app reads secrets at vault scope',
      );
    });

    it('takes azureDevOpsOrganizations as a secure parameter, passed on secure to the module that sets it', () => {
      const holders = allTemplates(compiled).filter(
        (template) => template.parameters?.azureDevOpsOrganizations,
      );
      // main.bicep and app/api.bicep.
      expect(holders).toHaveLength(2);
      for (const template of holders)
        expect(template.parameters?.azureDevOpsOrganizations.type.toLowerCase()).toBe('securestring');
      // The app setting takes it from that secure parameter, not from the (recorded) operator settings.
      expect(appSettingsOf(defaults).AZURE_DEVOPS_ORGANIZATIONS).toBe(
        "[parameters('azureDevOpsOrganizations')]",
      );
    });

    it('refuses an organization entry holding a literal token or client secret, naming the entry, never the value', () => {
      for (const run of [literalTokenRun, literalClientSecretRun]) {
        const message = failureOf(run);
        expect(message).toContain('holds a literal credential for https://dev.azure.com/fabrikam');
        expect(message).toContain('tokenSecretName or clientSecretSecretName');
        expect(message).not.toContain(literalToken);
      }
      // The organization URL and the list: one or the other, as the app's configuration wants.
      expect(failureOf(urlAndOrganizationsRun)).toContain('set one, not both');

      // Entries that name Key Vault secrets reach the app unchanged, and its configuration accepts them.
      const snap = valueOf(namingSecrets);
      expect(appSettingsOf(snap).AZURE_DEVOPS_ORGANIZATIONS).toBe(organizationsNamingSecrets);
      const config = parseConfig(environmentOf(snap, organizationsNamingSecrets));
      expect(config.azureDevOps.organizations.map((organization) => organization.url)).toEqual([
        sample.azureDevOpsOrgUrl,
        fabrikam,
      ]);
    });
  });
}
