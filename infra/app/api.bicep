// The ado-reviewer Function App: Flex Consumption host plus every app setting the code reads (shared/config.ts).
// Secret VALUES never appear here: the app reads them from Key Vault at run time, and these settings only name
// the vault and the secrets.

@description('Name of the function app.')
param name string

@description('Name of its Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to every resource (azd-env-name).')
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Client id of that identity: names it to the Functions host, Application Insights and @azure/identity.')
param identityClientId string

@description('Storage account behind AzureWebJobsStorage and the review queue.')
param storageAccountName string

@description('Queue endpoint of that account.')
param storageQueueEndpoint string

@description('Blob container URL of the deployment package.')
param deploymentContainerUrl string

@description('Blob endpoint of the storage account (review state and locks).')
param storageBlobEndpoint string

@description('Blob container holding review state and per-pull-request locks.')
param reviewStateContainerName string

@description('Application Insights component the app reports to.')
param applicationInsightsName string

@description('URI of the Key Vault holding the secrets.')
param keyVaultUri string

@description('Key Vault secret name for each secret-backed setting.')
param secretNames {
  AZURE_DEVOPS_BOT_TOKEN: string
  AZURE_DEVOPS_CLIENT_SECRET: string
  OPENAI_API_KEYS: string
  WEBHOOK_PASSWORD: string
  WEBHOOK_PREVIOUS_PASSWORD: string
}

@description('Queue the webhook enqueues review jobs on; its poison queue is this name plus -poison.')
param reviewQueueName string

@description('Settings the operator chooses; empty strings leave the code\'s defaults in force.')
param settings {
  azureDevOpsOrgUrl: string
  webhookUsername: string
  openAiBaseUrl: string
  openAiModel: string
  openAiOrgId: string
  openAiProjectId: string
  llmTimeoutMs: string
  reviewMaxFiles: string
  reviewMaxFileBytes: string
  reviewMaxPromptChars: string
  reviewDrafts: string
  reviewBusyRetrySeconds: string
  reviewFailSeverity: string
  reviewFailThreshold: string
  reviewStatusGenre: string
  reviewStatusName: string
  ignoredIdentityIds: string
}

@description('Upper bound on instances the platform may scale out to.')
param maximumInstanceCount int

module host '../core/host/functions-flex-consumption.bicep' = {
  name: 'function-app'
  params: {
    name: name
    planName: planName
    location: location
    tags: tags
    appTags: union(tags, { 'azd-service-name': 'api' })
    identityResourceId: identityResourceId
    deploymentContainerUrl: deploymentContainerUrl
    runtimeName: 'node'
    // Node 22 LTS: Node 20 reached end of life on 2026-04-30 and Azure Functions follows the Node.js lifecycle.
    // The code itself stays compatible with >=20 (package.json engines) for local development.
    runtimeVersion: '22'
    maximumInstanceCount: maximumInstanceCount
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: name
}

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  // Declared apart from the site, so it must wait for the module that creates it.
  dependsOn: [host]
  properties: {
    // Host storage through the app's identity: no connection string, no account key.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // @azure/identity's DefaultAzureCredential picks the user-assigned identity by this variable (Key Vault, queue).
    AZURE_CLIENT_ID: identityClientId

    // Not a credential: with local auth disabled on the component, ingestion also needs the Entra token below.
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    KEY_VAULT_URI: keyVaultUri
    AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME: secretNames.AZURE_DEVOPS_BOT_TOKEN
    AZURE_DEVOPS_CLIENT_SECRET_SECRET_NAME: secretNames.AZURE_DEVOPS_CLIENT_SECRET
    OPENAI_API_KEYS_SECRET_NAME: secretNames.OPENAI_API_KEYS
    WEBHOOK_PASSWORD_SECRET_NAME: secretNames.WEBHOOK_PASSWORD
    WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME: secretNames.WEBHOOK_PREVIOUS_PASSWORD

    AZURE_DEVOPS_ORG_URL: settings.azureDevOpsOrgUrl
    WEBHOOK_USERNAME: settings.webhookUsername

    LLM_PROVIDER: 'openai'
    LLM_TIMEOUT: settings.llmTimeoutMs
    OPENAI_BASE_URL: settings.openAiBaseUrl
    OPENAI_MODEL: settings.openAiModel
    OPENAI_ORG_ID: settings.openAiOrgId
    OPENAI_PROJECT_ID: settings.openAiProjectId

    REVIEW_QUEUE_NAME: reviewQueueName
    REVIEW_STATE_CONTAINER: reviewStateContainerName
    REVIEW_MAX_FILES: settings.reviewMaxFiles
    REVIEW_MAX_FILE_BYTES: settings.reviewMaxFileBytes
    REVIEW_MAX_PROMPT_CHARS: settings.reviewMaxPromptChars
    REVIEW_DRAFTS: settings.reviewDrafts
    REVIEW_BUSY_RETRY_SECONDS: settings.reviewBusyRetrySeconds
    REVIEW_FAIL_SEVERITY: settings.reviewFailSeverity
    REVIEW_FAIL_THRESHOLD: settings.reviewFailThreshold
    REVIEW_STATUS_GENRE: settings.reviewStatusGenre
    REVIEW_STATUS_NAME: settings.reviewStatusName
    IGNORED_IDENTITY_IDS: settings.ignoredIdentityIds
  }
}

output name string = host.outputs.name
output resourceId string = host.outputs.resourceId
output defaultHostName string = host.outputs.defaultHostName
