// Key Vault secret events (new version, near expiry) delivered to the app's Event Grid-triggered function.
//
// The subscription uses the AzureFunction endpoint type: Event Grid resolves the function by resource id and
// fetches its key itself, so no key appears in the template. Creating it fails while the function does not
// exist, and azd deploys the code only after provisioning, so it is switched on by a parameter once the code is
// deployed (docs/deployment.md: `azd env set KEY_VAULT_EVENTS_ENABLED true && azd provision`).

@description('Name of the Event Grid system topic.')
param topicName string

@description('Azure region of the Key Vault (a system topic lives with its source).')
param location string

@description('Tags applied to the topic.')
param tags object

@description('Name of the Key Vault whose events are published.')
param keyVaultName string

@description('Name of the function app.')
param functionAppName string

@description('Name of the Event Grid-triggered function.')
param functionName string

@description('Create the subscription (only once the function has been deployed).')
param subscriptionEnabled bool

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName

  // Referenced by id only: the function need not exist while this template is evaluated.
  resource eventsFunction 'functions' existing = {
    name: functionName
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  location: location
  tags: tags
  properties: {
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
  }
}

resource secretEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (subscriptionEnabled) {
  parent: topic
  name: 'secret-events-to-${functionName}'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: functionApp::eventsFunction.id
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.KeyVault.SecretNewVersionCreated'
        'Microsoft.KeyVault.SecretNearExpiry'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}
