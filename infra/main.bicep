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

@minLength(1)
@description('Azure DevOps organization URL, e.g. https://dev.azure.com/contoso.')
param azureDevOpsOrgUrl string

@description('User name Azure DevOps service hooks send with basic auth (the password lives in Key Vault).')
param webhookUsername string = 'ado-reviewer'

@description('OpenAI-compatible API base URL.')
param openAiBaseUrl string = 'https://api.openai.com/v1'

@description('Model to review with; empty keeps the app\'s default.')
param openAiModel string = ''

@description('OpenAI organization id; empty if unused.')
param openAiOrgId string = ''

@description('OpenAI project id; empty if unused.')
param openAiProjectId string = ''

@description('LLM request timeout in milliseconds; empty keeps the app\'s default.')
param llmTimeoutMs string = ''

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

@description('Status policy: never, high, medium or low; empty keeps the app\'s default (never: informational).')
param reviewFailSeverity string = ''

@description('Open findings at that severity or worse that fail the status; empty keeps the app\'s default (1).')
param reviewFailThreshold string = ''

@description('PR status context genre; empty keeps the app\'s default (ado-reviewer).')
param reviewStatusGenre string = ''

@description('PR status context name; empty keeps the app\'s default (review).')
param reviewStatusName string = ''

@description('Comma-separated identity ids of other bots to ignore; empty for none.')
param ignoredIdentityIds string = ''

@description('Queue of review jobs; the Functions host moves failing messages to <name>-poison.')
param reviewQueueName string = 'review-jobs'

@description('Key Vault purge protection: recommended in production, irreversible, and it blocks `azd down --purge`.')
param keyVaultPurgeProtection bool = false

@description('Subscribe the app\'s keyVaultSecretEvents function to Key Vault secret events. Turn on after the first deploy.')
param keyVaultEventsEnabled bool = false

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
var eventsFunctionName = 'keyVaultSecretEvents'

// Key Vault secret name for each secret-backed setting; the app reads <SETTING>_SECRET_NAME.
var secretNames = {
  AZURE_DEVOPS_BOT_TOKEN: 'azure-devops-bot-token'
  AZURE_DEVOPS_CLIENT_SECRET: 'azure-devops-client-secret'
  OPENAI_API_KEYS: 'openai-api-keys'
  WEBHOOK_PASSWORD: 'webhook-password'
  WEBHOOK_PREVIOUS_PASSWORD: 'webhook-previous-password'
}

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
    containerNames: [deploymentContainerName, reviewStateContainerName]
    // Created here: the app's queue role is scoped to these two queues, so neither the code nor the Functions host
    // (which would otherwise create the poison queue on first use) can create them.
    queueNames: [reviewQueueName, poisonQueueName]
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
    settings: {
      azureDevOpsOrgUrl: azureDevOpsOrgUrl
      webhookUsername: webhookUsername
      openAiBaseUrl: openAiBaseUrl
      openAiModel: openAiModel
      openAiOrgId: openAiOrgId
      openAiProjectId: openAiProjectId
      llmTimeoutMs: llmTimeoutMs
      reviewMaxFiles: reviewMaxFiles
      reviewMaxFileBytes: reviewMaxFileBytes
      reviewMaxPromptChars: reviewMaxPromptChars
      reviewDrafts: reviewDrafts
      reviewBusyRetrySeconds: reviewBusyRetrySeconds
      reviewFailSeverity: reviewFailSeverity
      reviewFailThreshold: reviewFailThreshold
      reviewStatusGenre: reviewStatusGenre
      reviewStatusName: reviewStatusName
      ignoredIdentityIds: ignoredIdentityIds
    }
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
// SETTING=secret-name pairs, space-separated, for the postprovision hook (infra/hooks/set-secrets.sh): names only,
// the values never pass through the deployment.
output KEY_VAULT_SECRET_NAMES string = join(map(items(secretNames), secret => '${secret.key}=${secret.value}'), ' ')
