// Every role assignment in the app's resource group, each at the narrowest scope that works, with the reason beside
// it (the one on an existing Azure OpenAI resource is in azure-openai-access.bicep, deployed to that resource's group).
// Role definition ids are Azure built-in roles (checked against Microsoft's built-in roles reference).

@description('Name of the app\'s user-assigned identity.')
param appIdentityName string

@description('Object id of whoever runs `azd up` (AZURE_PRINCIPAL_ID); empty skips their role assignment.')
param deployerPrincipalId string

@description('Whether the deploying principal is a user or a service principal (CI).')
@allowed(['User', 'ServicePrincipal', 'Group'])
param deployerPrincipalType string

param keyVaultName string
param storageAccountName string
param containerNames string[]
param queueNames string[]
param applicationInsightsName string

var roleIds = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = [
      for containerName in containerNames: {
        name: containerName
      }
    ]
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource queue 'queues' existing = [
      for queueName in queueNames: {
        name: queueName
      }
    ]
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Read secret values (PAT, webhook passwords, OpenAI keys) at run time; cannot list, create or change them.
//
// Scoped to the vault, not to each secret, on purpose (docs/deployment.md, "Why the app reads secrets at vault scope"):
// - a role assignment's scope must exist when it is created, and none of the secrets does when this template first
//   runs: the postprovision hook stores them afterwards, the operator stores those AZURE_DEVOPS_ORGANIZATIONS names,
//   and webhook-previous-password appears only with the first rotation (rotate-webhook-password). Secret-scoped
//   assignments would fail the first `azd up` and leave later secrets unreadable (a rotation window that refuses the
//   previous password). New versions of an existing secret would be covered; new secrets would not.
// - the vault is the app's alone (one per azd environment, created here, nothing else stored in it), which is the
//   layout Microsoft's Key Vault RBAC guide recommends with roles at vault scope; the only other principal with data
//   access is the deployer (Officer, below), who writes those secrets.
resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appIdentity.id, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'ado-reviewer reads its secrets from Key Vault at run time. Vault scope: this vault holds only its secrets, some created after provisioning (hook, rotation), which a secret-scoped role could not cover.'
  }
}

// Owner is the role Microsoft documents for identity-based AzureWebJobsStorage, granted on each container the app
// uses rather than on the account: the host's own (azure-webjobs-hosts: host id, locks, timers; azure-webjobs-secrets:
// function keys), the deployment package (the platform fetches it with this identity) and the review state (blobs
// and their leases). The containers are created by the template, since a container-scoped role cannot create one.
resource appOwnsContainers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (containerName, index) in containerNames: {
    name: guid(storage::blobService::container[index].id, appIdentity.id, roleIds.storageBlobDataOwner)
    scope: storage::blobService::container[index]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
      principalId: appIdentity.properties.principalId
      principalType: 'ServicePrincipal'
      description: 'ado-reviewer reads and writes the blobs of ${containerName}.'
    }
  }
]

// Scoped to the review queue and its poison queue only. Message Sender + Message Processor would look tighter
// but are not enough: the queue trigger updates messages (visibility renewal during a long review, release after
// a failure), which needs queues/messages/write, held by neither role; Contributor is the smallest built-in role
// with send, receive, update and delete.
resource appUsesQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queueName, index) in queueNames: {
    name: guid(storage::queueService::queue[index].id, appIdentity.id, roleIds.storageQueueDataContributor)
    scope: storage::queueService::queue[index]
    properties: {
      roleDefinitionId: subscriptionResourceId(
        'Microsoft.Authorization/roleDefinitions',
        roleIds.storageQueueDataContributor
      )
      principalId: appIdentity.properties.principalId
      principalType: 'ServicePrincipal'
      description: 'The webhook enqueues review jobs on ${queueName}; the queue trigger processes them.'
    }
  }
]

// Application Insights has local auth disabled, so telemetry is accepted only from identities holding this role.
resource appPublishesTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appIdentity.id, roleIds.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roleIds.monitoringMetricsPublisher
    )
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Entra-authenticated telemetry from the app to Application Insights.'
  }
}

// The operator running `azd up` sets the secret values (postprovision hook); reading them back is not needed but
// comes with the role, which is the narrowest built-in one that can write secrets. At vault scope because it creates
// secrets (first provision, a new organization, the first rotation's webhook-previous-password), which a
// secret-scoped role cannot. No data-plane role on storage.
resource deployerSetsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roleIds.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    description: 'The deploying operator sets the ado-reviewer secrets in Key Vault.'
  }
}
