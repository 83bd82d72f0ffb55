// Keyless access of the app to an existing Azure OpenAI resource: its identity gets Cognitive Services OpenAI User on
// that resource only. Deployed into the resource's own resource group, which this template does not manage.

@description('Name of the existing Azure OpenAI (or AI Services) resource.')
param accountName string

@description('Name of the app\'s user-assigned identity.')
param appIdentityName string

@description('Resource group of that identity (the app\'s).')
param appResourceGroupName string

// Cognitive Services OpenAI User: inference calls and reading deployments; no keys, no changes to deployments.
var openAiUserRoleId = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'

resource account 'Microsoft.CognitiveServices/accounts@2026-03-01' existing = {
  name: accountName
}

// Referenced by name in its own resource group, so the assignment's name is known before deployment (what-if).
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
  scope: resourceGroup(appResourceGroupName)
}

resource appCallsModels 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appIdentity.id, openAiUserRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUserRoleId)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'ado-reviewer calls the Azure OpenAI deployments with its managed identity (no API key).'
  }
}

// The app appends /openai/v1 itself, so the trailing slash Azure reports is dropped.
var endpoint = account.properties.endpoint
output endpoint string = endsWith(endpoint, '/') ? take(endpoint, length(endpoint) - 1) : endpoint
