// ado-reviewer on Azure, provisioned by `azd up`: a resource group holding a Flex Consumption Function App that
// runs as a user-assigned identity, its storage (host, review queue, deployment package), Key Vault for the
// secrets, Application Insights, and Key Vault secret events routed to the app.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Azure region of every resource; it must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the principal running azd (AZURE_PRINCIPAL_ID); it may set the Key Vault secrets.')
param principalId string = ''

@description('Kind of that principal: User interactively, ServicePrincipal in a pipeline.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

// Optional only for azureDevOpsOrganizations' sake: exactly one of the two is required (checkedAzureDevOpsOrganizations),
// as the app's configuration requires.
@description('Azure DevOps organization URL, e.g. https://dev.azure.com/contoso; empty with azureDevOpsOrganizations.')
param azureDevOpsOrgUrl string = ''

@description('How the app signs in to Azure DevOps: managed-identity (the app\'s identity, added to the organization as a user; no secret, nothing expires), service-principal (an Entra app and its client secret in Key Vault) or pat (a personal access token in Key Vault).')
@allowed(['managed-identity', 'service-principal', 'pat'])
param azureDevOpsAuth string = 'managed-identity'

@description('For service-principal: the Entra tenant and the app registration\'s client id.')
param azureTenantId string = ''
param azureDevOpsClientId string = ''

// Secure: the list is the operator's text and stays out of the deployment's recorded parameters. Its credentials must
// be Key Vault secret names (tokenSecretName, clientSecretSecretName); a literal token or client secret fails the
// deployment (checkedAzureDevOpsOrganizations below).
@secure()
@description('More than one organization: a JSON list of {url, auth, ...} naming Key Vault secrets, never holding them; see docs/azure-devops-identity.md. Empty: just azureDevOpsOrgUrl.')
param azureDevOpsOrganizations string = ''

@description('User name Azure DevOps service hooks send with basic auth (the password lives in Key Vault).')
param webhookUsername string = 'ado-reviewer'

@description('Model provider: openai (also any OpenAI-compatible endpoint), azure-openai or bedrock-anthropic.')
@allowed(['openai', 'azure-openai', 'bedrock-anthropic'])
param llmProvider string = 'openai'

@description('LLM request timeout in milliseconds; empty keeps the app\'s default.')
param llmTimeoutMs string = ''

@description('Most tokens a model answer may use; empty keeps the app\'s default.')
param llmMaxOutputTokens string = ''

@description('OpenAI-compatible API base URL.')
param openAiBaseUrl string = 'https://api.openai.com/v1'

@description('Model of every tier not named below; empty keeps the app\'s defaults.')
param openAiModel string = ''

@description('Model of the light tier; empty falls back to openAiModel.')
param openAiLightModel string = ''

@description('Model of the reasoning tier; empty falls back to openAiModel.')
param openAiReasoningModel string = ''

@description('Model of the heavy tier; empty falls back to openAiModel.')
param openAiHeavyModel string = ''

@description('OpenAI organization id; empty if unused.')
param openAiOrgId string = ''

@description('OpenAI project id; empty if unused.')
param openAiProjectId string = ''

@description('Existing Azure OpenAI (or AI Services) resource the app calls keyless; empty if none.')
param azureOpenAiName string = ''

@description('Resource group of that resource; empty means the app\'s own.')
param azureOpenAiResourceGroup string = ''

@description('Azure OpenAI endpoint, e.g. https://contoso.openai.azure.com; empty takes the resource\'s.')
param azureOpenAiEndpoint string = ''

@description('Azure OpenAI API version; empty uses the v1 API.')
param azureOpenAiApiVersion string = ''

@description('Authenticate to Azure OpenAI with a key from Key Vault instead of the app\'s identity.')
param azureOpenAiKeyAuthentication bool = false

@description('Azure OpenAI deployment of gpt-4.1-mini; empty if none.')
param azureGpt41MiniDeploymentName string = ''

@description('Azure OpenAI deployment of gpt-4o-mini; empty if none.')
param azureGpt4oMiniDeploymentName string = ''

@description('Azure OpenAI deployment of gpt-4.1; empty if none.')
param azureGpt41DeploymentName string = ''

@description('Azure OpenAI deployment of o4-mini; empty if none.')
param azureO4MiniDeploymentName string = ''

@description('Azure OpenAI deployment of o3-mini; empty if none.')
param azureO3MiniDeploymentName string = ''

@description('Azure OpenAI deployment of o3; empty if none.')
param azureO3DeploymentName string = ''

@description('Azure OpenAI deployment of o1; empty if none.')
param azureO1DeploymentName string = ''

@description('AWS region of Amazon Bedrock, e.g. us-east-1 (bedrock-anthropic).')
param awsRegion string = ''

// The key id names the key, like a user name; its secret half lives in Key Vault.
@description('AWS access key id for Amazon Bedrock (bedrock-anthropic).')
param awsAccessKeyId string = ''

@description('Bedrock model of the light tier; empty keeps the app\'s default.')
param bedrockLightModel string = ''

@description('Bedrock model of the reasoning tier; empty keeps the app\'s default.')
param bedrockReasoningModel string = ''

@description('Bedrock model of the heavy tier; empty keeps the app\'s default.')
param bedrockHeavyModel string = ''

@description('Token endpoint of an OAuth2 gateway in front of the model (client credentials); empty if none.')
param oauth2Endpoint string = ''

@description('OAuth2 client id at that gateway (the client secret lives in Key Vault).')
param oauth2ClientId string = ''

@description('OAuth2 scope to request; empty requests none.')
param oauth2Scope string = ''

@description('Most files reviewed per pull request; empty keeps the app\'s default.')
param reviewMaxFiles string = ''

@description('Largest file reviewed, in bytes; empty keeps the app\'s default.')
param reviewMaxFileBytes string = ''

@description('Largest prompt, in characters; empty keeps the app\'s default.')
param reviewMaxPromptChars string = ''

@description('\'true\' also reviews draft pull requests; empty keeps the app\'s default (false).')
param reviewDrafts string = ''

@description('Seconds a job waits when another is reviewing the same pull request; empty keeps the app\'s default.')
param reviewBusyRetrySeconds string = ''

@description('Seconds a review job works before it hands over (re-enqueues itself), below host.json\'s functionTimeout; empty keeps the app\'s default.')
param reviewJobDeadlineSeconds string = ''
@description('Findings posted per review, the most severe kept (REVIEW_MAX_FINDINGS); blank: 50.')
param reviewMaxFindings string = ''
@description('Review budget: tokens per review (REVIEW_TOKEN_BUDGET), model calls in parallel (REVIEW_CONCURRENCY), tokens per review chunk and per heavy chunk; empty keeps the app\'s defaults.')
param reviewTokenBudget string = ''
param reviewConcurrency string = ''
param reviewChunkTokens string = ''
param reviewHeavyChunkTokens string = ''
@description('Context window per model tier in tokens; empty keeps the app\'s defaults.')
param llmContextTokensLight string = ''
param llmContextTokensReasoning string = ''
param llmContextTokensHeavy string = ''
@description('Price table override, JSON {model: {input, output}} in USD per million tokens; empty keeps the list prices.')
param llmPrices string = ''
@description('Comma-separated file-name patterns never sent to the model (REVIEW_SECRET_FILES); blank: .env, keys, certificates.')
param reviewUnsentFilePatterns string = ''

@description('Status policy: never, high, medium or low; empty keeps the app\'s default (never: informational).')
param reviewFailSeverity string = ''

@description('Open findings at that severity or worse that fail the status; empty keeps the app\'s default (1).')
param reviewFailThreshold string = ''

@description('Organization-wide .ado-reviewer.yaml (YAML text) under every repository\'s file; empty for none.')
param reviewOrganizationConfig string = ''

@description('The same, under CodeRabbit\'s setting name; REVIEW_ORGANIZATION_CONFIG wins when both are set.')
param yamlConfig string = ''

@description('Keep learnings per repository (true/false); empty keeps the app\'s default (true).')
param enableLearnings string = ''

@description('Log one metrics event per review (true/false); empty keeps the app\'s default (false).')
param enableMetrics string = ''

@description('PR status context genre; empty keeps the app\'s default (ado-reviewer).')
param reviewStatusGenre string = ''

@description('PR status context name; empty keeps the app\'s default (review).')
param reviewStatusName string = ''

@description('Comma-separated identity ids of other bots to ignore; empty for none.')
param ignoredIdentityIds string = ''

@description('Queue of review jobs; the Functions host moves failing messages to <name>-poison.')
param reviewQueueName string = 'review-jobs'

@description('Key Vault purge protection: irreversible, and it blocks `azd down --purge`; turn off for throwaway environments.')
param keyVaultPurgeProtection bool = true

@description('Subscribe the app\'s keyVaultSecretEvents function to Key Vault secret events. Turn on after the first deploy.')
param keyVaultEventsEnabled bool = false

@description('Accept inbound requests only from Azure DevOps (and Event Grid, for Key Vault events); /health included.')
param inboundFromAzureDevOpsOnly bool = false

@description('Comma-separated CIDR ranges also allowed in when inboundFromAzureDevOpsOnly is on, e.g. a monitor\'s.')
param inboundAllowedIpRanges string = ''

@description('Private networking: a virtual network the Function App routes its outbound traffic through, private endpoints (with private DNS zones) for Key Vault and storage blob and queue, and public network access disabled on Key Vault and storage. The webhook stays public. See docs/deployment.md.')
param privateNetworking bool = false

@description('Address space of that virtual network (CIDR, /23 or larger): the app\'s subnet is its first /24, the private endpoints\' a /27 after it.')
param privateNetworkAddressPrefix string = '10.90.0.0/23'

@description('Upper bound on Function App instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-${resourceToken}'
var identityName = 'id-${resourceToken}'
var storageAccountName = 'st${resourceToken}'
var keyVaultName = 'kv-${resourceToken}'
var applicationInsightsName = 'appi-${resourceToken}'
var deploymentContainerName = 'app-package'
// Review state and per-pull-request locks (blob leases); must match REVIEW_STATE_CONTAINER's default in the code.
var reviewStateContainerName = 'ado-reviewer-state'
var poisonQueueName = '${reviewQueueName}-poison'
// Every container the app uses: the Functions host's own two, the deployment package, the review state. Created by the
// template because the app's role is scoped to each of them (app/rbac.bicep).
var containerNames = ['azure-webjobs-hosts', 'azure-webjobs-secrets', deploymentContainerName, reviewStateContainerName]
var eventsFunctionName = 'keyVaultSecretEvents'

var usesOAuth2 = !empty(oauth2Endpoint)
var usesAzureOpenAiResource = !empty(azureOpenAiName)

// Key Vault secret name for each secret-backed setting the configuration uses ('' otherwise); the app reads
// <SETTING>_SECRET_NAME. The model's secret depends on the provider: with an OAuth2 gateway its client secret replaces
// the OpenAI keys, and Azure OpenAI needs none unless key authentication is chosen.
var secretNames = {
  AZURE_DEVOPS_BOT_TOKEN: azureDevOpsAuth == 'pat' ? 'azure-devops-bot-token' : ''
  AZURE_DEVOPS_CLIENT_SECRET: azureDevOpsAuth == 'service-principal' ? 'azure-devops-client-secret' : ''
  OPENAI_API_KEYS: llmProvider == 'openai' && !usesOAuth2 ? 'openai-api-keys' : ''
  AZURE_OPENAI_API_KEY: llmProvider == 'azure-openai' && azureOpenAiKeyAuthentication ? 'azure-openai-api-key' : ''
  AWS_SECRET_ACCESS_KEY: llmProvider == 'bedrock-anthropic' ? 'aws-secret-access-key' : ''
  OAUTH2_CLIENT_SECRET: usesOAuth2 ? 'oauth2-gateway-client-secret' : ''
  WEBHOOK_PASSWORD: 'webhook-password'
  WEBHOOK_PREVIOUS_PASSWORD: 'webhook-previous-password'
}
var secretsInUse = filter(items(secretNames), secret => !empty(secret.value))
// Every secret in use is needed to start but the previous webhook password (a rotation window).
var requiredSecretSettings = map(
  filter(secretsInUse, secret => secret.key != 'WEBHOOK_PREVIOUS_PASSWORD'),
  secret => secret.key
)

// A deployment names the organizations' credentials, never carries them: an entry with a literal token (auth pat) or
// client secret (service-principal) fails the deployment here, before anything is created, naming the entry by its URL
// (never the value). shared/config still accepts literals, for local runs only. Exactly one of azureDevOpsOrgUrl and
// azureDevOpsOrganizations is checked here too (the app refuses both, and needs one), so that the organization URL
// itself stays a plain value.
var azureDevOpsOrganizationEntries = empty(trim(azureDevOpsOrganizations)) ? [] : json(azureDevOpsOrganizations)
var organizationsWithLiteralCredentials = filter(
  azureDevOpsOrganizationEntries,
  entry => contains(entry, 'token') || contains(entry, 'clientSecret')
)
var checkedAzureDevOpsOrganizations = empty(trim(azureDevOpsOrgUrl)) == empty(azureDevOpsOrganizationEntries)
  ? fail(
      empty(trim(azureDevOpsOrgUrl))
        ? 'azureDevOpsOrgUrl (AZURE_DEVOPS_ORG_URL) is required, e.g. https://dev.azure.com/contoso, unless azureDevOpsOrganizations (AZURE_DEVOPS_ORGANIZATIONS) lists the organizations.'
        : 'azureDevOpsOrgUrl (AZURE_DEVOPS_ORG_URL) and azureDevOpsOrganizations (AZURE_DEVOPS_ORGANIZATIONS): set one, not both (the app refuses both).'
    )
  : empty(organizationsWithLiteralCredentials)
      ? azureDevOpsOrganizations
      : fail(format(
          'azureDevOpsOrganizations (AZURE_DEVOPS_ORGANIZATIONS) holds a literal credential for {0}: a deployment takes Key Vault secret names only. Store the value in Key Vault (az keyvault secret set) and name it with tokenSecretName or clientSecretSecretName instead of token or clientSecret; see docs/azure-devops-identity.md.',
          join(
            map(organizationsWithLiteralCredentials, entry => string(entry.?url ?? '(an entry without url)')),
            ', '
          )
        ))

// Event Grid delivers Key Vault events from its own addresses, so it stays allowed alongside Azure DevOps.
var inboundServiceTags = inboundFromAzureDevOpsOnly ? ['AzureDevOps', 'AzureEventGrid'] : []
var inboundIpRanges = inboundFromAzureDevOpsOnly
  ? filter(map(split(inboundAllowedIpRanges, ','), range => trim(range)), range => !empty(range))
  : []

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity/user-assigned-identity.bicep' = {
  scope: rg
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  scope: rg
  name: 'storage'
  params: {
    name: storageAccountName
    location: location
    tags: tags
    containerNames: containerNames
    // Created here: the app's queue role is scoped to these two queues, so neither the code nor the Functions host
    // (which would otherwise create the poison queue on first use) can create them.
    queueNames: [reviewQueueName, poisonQueueName]
    privateNetworking: privateNetworking
  }
}

module keyVault 'core/security/key-vault.bicep' = {
  scope: rg
  name: 'key-vault'
  params: {
    name: keyVaultName
    location: location
    tags: tags
    enablePurgeProtection: keyVaultPurgeProtection
    privateNetworking: privateNetworking
  }
}

// Private networking (off by default): the virtual network, and private endpoints for Key Vault and storage, whose
// public network access the two modules above then disable. Names, not outputs, for what-if; hence the dependencies.
module network 'app/private-networking.bicep' = if (privateNetworking) {
  scope: rg
  name: 'private-networking'
  dependsOn: [storage, keyVault]
  params: {
    location: location
    tags: tags
    virtualNetworkName: 'vnet-${resourceToken}'
    addressPrefix: privateNetworkAddressPrefix
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
  }
}

module api 'app/api.bicep' = {
  scope: rg
  name: 'api'
  dependsOn: [monitoring]
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageBlobEndpoint: storage.outputs.blobEndpoint
    reviewStateContainerName: reviewStateContainerName
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    applicationInsightsName: applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    secretNames: secretNames
    reviewQueueName: reviewQueueName
    maximumInstanceCount: maximumInstanceCount
    allowedServiceTags: inboundServiceTags
    allowedIpRanges: inboundIpRanges
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
    azureDevOpsOrganizations: checkedAzureDevOpsOrganizations
    operatorSettings: {
      AZURE_DEVOPS_ORG_URL: azureDevOpsOrgUrl
      AZURE_DEVOPS_AUTH: azureDevOpsAuth
      AZURE_TENANT_ID: azureTenantId
      AZURE_DEVOPS_CLIENT_ID: azureDevOpsClientId
      WEBHOOK_USERNAME: webhookUsername

      LLM_PROVIDER: llmProvider
      LLM_TIMEOUT: llmTimeoutMs
      LLM_MAX_OUTPUT_TOKENS: llmMaxOutputTokens
      OPENAI_BASE_URL: openAiBaseUrl
      OPENAI_MODEL: openAiModel
      OPENAI_LIGHT_MODEL: openAiLightModel
      OPENAI_REASONING_MODEL: openAiReasoningModel
      OPENAI_HEAVY_MODEL: openAiHeavyModel
      OPENAI_ORG_ID: openAiOrgId
      OPENAI_PROJECT_ID: openAiProjectId
      AZURE_OPENAI_ENDPOINT: usesAzureOpenAiResource && empty(azureOpenAiEndpoint)
        ? azureOpenAiAccess!.outputs.endpoint
        : azureOpenAiEndpoint
      AZURE_OPENAI_API_VERSION: azureOpenAiApiVersion
      AZURE_GPT41MINI_DEPLOYMENT_NAME: azureGpt41MiniDeploymentName
      AZURE_GPT4OMINI_DEPLOYMENT_NAME: azureGpt4oMiniDeploymentName
      AZURE_GPT41_DEPLOYMENT_NAME: azureGpt41DeploymentName
      AZURE_O4MINI_DEPLOYMENT_NAME: azureO4MiniDeploymentName
      AZURE_O3MINI_DEPLOYMENT_NAME: azureO3MiniDeploymentName
      AZURE_O3_DEPLOYMENT_NAME: azureO3DeploymentName
      AZURE_O1_DEPLOYMENT_NAME: azureO1DeploymentName
      AWS_REGION: awsRegion
      AWS_ACCESS_KEY_ID: awsAccessKeyId
      BEDROCK_LIGHT_MODEL: bedrockLightModel
      BEDROCK_REASONING_MODEL: bedrockReasoningModel
      BEDROCK_HEAVY_MODEL: bedrockHeavyModel
      OAUTH2_ENDPOINT: oauth2Endpoint
      OAUTH2_CLIENT_ID: oauth2ClientId
      OAUTH2_SCOPE: oauth2Scope

      REVIEW_MAX_FILES: reviewMaxFiles
      REVIEW_MAX_FILE_BYTES: reviewMaxFileBytes
      REVIEW_MAX_PROMPT_CHARS: reviewMaxPromptChars
      REVIEW_DRAFTS: reviewDrafts
      REVIEW_BUSY_RETRY_SECONDS: reviewBusyRetrySeconds
      REVIEW_JOB_DEADLINE_SECONDS: reviewJobDeadlineSeconds
      REVIEW_MAX_FINDINGS: reviewMaxFindings
      REVIEW_TOKEN_BUDGET: reviewTokenBudget
      REVIEW_CONCURRENCY: reviewConcurrency
      REVIEW_CHUNK_TOKENS: reviewChunkTokens
      REVIEW_HEAVY_CHUNK_TOKENS: reviewHeavyChunkTokens
      LLM_CONTEXT_TOKENS_LIGHT: llmContextTokensLight
      LLM_CONTEXT_TOKENS_REASONING: llmContextTokensReasoning
      LLM_CONTEXT_TOKENS_HEAVY: llmContextTokensHeavy
      LLM_PRICES: llmPrices
      REVIEW_SECRET_FILES: reviewUnsentFilePatterns
      REVIEW_FAIL_SEVERITY: reviewFailSeverity
      REVIEW_FAIL_THRESHOLD: reviewFailThreshold
      REVIEW_STATUS_GENRE: reviewStatusGenre
      REVIEW_STATUS_NAME: reviewStatusName
      IGNORED_IDENTITY_IDS: ignoredIdentityIds
      REVIEW_ORGANIZATION_CONFIG: reviewOrganizationConfig
      YAML_CONFIG: yamlConfig
      ENABLE_LEARNINGS: enableLearnings
      ENABLE_METRICS: enableMetrics
    }
  }
}

// The app's identity calls the existing Azure OpenAI resource keyless; the role assignment lives in its group.
module azureOpenAiAccess 'app/azure-openai-access.bicep' = if (usesAzureOpenAiResource) {
  scope: resourceGroup(empty(azureOpenAiResourceGroup) ? rg.name : azureOpenAiResourceGroup)
  name: 'azure-openai-access'
  dependsOn: [identity]
  params: {
    accountName: azureOpenAiName
    appIdentityName: identityName
    appResourceGroupName: rg.name
  }
}

// Names, not module outputs, so role assignment names and scopes are known before deployment (what-if);
// hence the explicit dependencies.
module rbac 'app/rbac.bicep' = {
  scope: rg
  name: 'rbac'
  dependsOn: [identity, storage, keyVault, monitoring]
  params: {
    appIdentityName: identityName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    keyVaultName: keyVaultName
    storageAccountName: storageAccountName
    containerNames: containerNames
    queueNames: [reviewQueueName, poisonQueueName]
    applicationInsightsName: applicationInsightsName
  }
}

module keyVaultEvents 'app/key-vault-events.bicep' = {
  scope: rg
  name: 'key-vault-events'
  dependsOn: [keyVault, api]
  params: {
    topicName: 'evgt-${resourceToken}'
    location: location
    tags: tags
    keyVaultName: keyVaultName
    functionAppName: functionAppName
    functionName: eventsFunctionName
    subscriptionEnabled: keyVaultEventsEnabled
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output WEBHOOK_URL string = 'https://${api.outputs.defaultHostName}/azure_webhooks'
output HEALTH_URL string = 'https://${api.outputs.defaultHostName}/health'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output REVIEW_QUEUE_NAME string = reviewQueueName
output KEY_VAULT_EVENTS_ENABLED bool = keyVaultEventsEnabled
// The postprovision hook's cue: with private networking Key Vault refuses requests from outside the virtual network.
output PRIVATE_NETWORKING bool = privateNetworking
// SETTING=secret-name pairs, space-separated, for the postprovision hook (infra/hooks/set-secrets.sh): names only,
// the values never pass through the deployment.
output KEY_VAULT_SECRET_NAMES string = join(map(secretsInUse, secret => '${secret.key}=${secret.value}'), ' ')
// The settings among them the app cannot start without, space-separated: the hook fails while one is missing.
output KEY_VAULT_REQUIRED_SECRETS string = join(requiredSecretSettings, ' ')
