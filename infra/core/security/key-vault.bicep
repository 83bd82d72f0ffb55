@description('Name of the Key Vault (3-24 letters, digits and dashes; globally unique).')
param name string

@description('Azure region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags object

@description('Purge protection cannot be turned off once on; it also stops `azd down --purge` from freeing the name.')
param enablePurgeProtection bool

@description('Days a deleted vault or secret stays recoverable.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Refuse every request from a public network: the vault is then reached only through its private endpoint (main.bicep privateNetworking). Management operations through ARM are not affected.')
param privateNetworking bool = false

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access is granted with Azure role assignments, never with vault access policies.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // The service rejects an explicit false, so the property is left out unless purge protection is wanted.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    // Only with private networking: the default (no firewall) is left untouched otherwise.
    networkAcls: privateNetworking
      ? {
          defaultAction: 'Deny'
          bypass: 'None'
        }
      : null
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
