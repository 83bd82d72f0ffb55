// The ado-reviewer Function App: Flex Consumption host plus every app setting the code reads (shared/config/).
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

@description('Key Vault secret name for each secret-backed setting, empty for a secret this configuration does not use.')
param secretNames { *: string }

@description('Queue the webhook enqueues review jobs on; its poison queue is this name plus -poison.')
param reviewQueueName string

@description('App settings the operator chooses, by name; empty values leave the code\'s defaults in force.')
param operatorSettings { *: string }

// Apart from operatorSettings, and secure, so that it is kept out of the deployment's recorded parameters: the list
// names Key Vault secrets only (main.bicep refuses literal credentials), but it is the operator's text.
@secure()
@description('AZURE_DEVOPS_ORGANIZATIONS: the JSON list of organizations, or empty.')
param azureDevOpsOrganizations string

@description('Service tags allowed to reach the app; empty with allowedIpRanges, every source is.')
param allowedServiceTags string[]

@description('Address ranges (CIDR) allowed to reach the app besides allowedServiceTags.')
param allowedIpRanges string[]

@description('Upper bound on instances the platform may scale out to.')
param maximumInstanceCount int

@description('Subnet the app joins for its outbound traffic (private networking); empty for none.')
param virtualNetworkSubnetId string

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
    allowedServiceTags: allowedServiceTags
    allowedIpRanges: allowedIpRanges
    virtualNetworkSubnetId: virtualNetworkSubnetId
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: name
}

// <SETTING>_SECRET_NAME for every secret; blank (so unset for the app) for one not in use.
var secretNameSettings = toObject(items(secretNames), secret => '${secret.key}_SECRET_NAME', secret => secret.value)

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  // Declared apart from the site, so it must wait for the module that creates it.
  dependsOn: [host]
  properties: union(operatorSettings, secretNameSettings, {
    // From its own secure parameter, not operatorSettings (recorded with the deployment).
    AZURE_DEVOPS_ORGANIZATIONS: azureDevOpsOrganizations

    // Host storage through the app's identity: no connection string, no account key.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // @azure/identity's DefaultAzureCredential picks the user-assigned identity by this variable (Key Vault, queue,
    // and Azure OpenAI without a key).
    AZURE_CLIENT_ID: identityClientId

    // Not a credential: with local auth disabled on the component, ingestion also needs the Entra token below.
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    KEY_VAULT_URI: keyVaultUri
    REVIEW_QUEUE_NAME: reviewQueueName
    REVIEW_STATE_CONTAINER: reviewStateContainerName
  })
}

output name string = host.outputs.name
output resourceId string = host.outputs.resourceId
output defaultHostName string = host.outputs.defaultHostName
