// The private-networking option (main.bicep privateNetworking): a virtual network the Function App joins, and private
// endpoints with private DNS zones for every data-plane endpoint the app and its Functions host use: Key Vault (vault)
// and storage blob (host state, function keys, deployment package, review state) and queue (review jobs). Flex
// Consumption has no content file share and nothing here uses Table storage, so no file or table endpoint.
// Key Vault and storage turn their public network access off when this module is deployed (see their modules); the
// Function App itself stays reachable from the Internet, which Azure DevOps Services' service hooks need. The app reads
// Key Vault through its SDK, which works through the endpoint; Key Vault references in app settings would not (Flex
// Consumption cannot resolve them against a network-restricted vault), so none may be introduced.

@description('Azure region of the network resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the virtual network.')
param virtualNetworkName string

@description('Address space of the virtual network (CIDR, /23 or larger).')
param addressPrefix string

@description('Name of the storage account (AzureWebJobsStorage, review queue and state, deployment package).')
param storageAccountName string

@description('Name of the Key Vault.')
param keyVaultName string

// By name, so that endpoint names and ids are known before deployment (what-if); main.bicep orders the deployment.
resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

// Private DNS zone names from the cloud's own suffixes (public cloud: privatelink.blob.core.windows.net,
// privatelink.queue.core.windows.net, privatelink.vaultcore.azure.net).
var storageSuffix = environment().suffixes.storage
var vaultCoreSuffix = replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')

var endpoints = [
  { serviceId: storage.id, serviceName: storage.name, groupId: 'blob', zone: 'privatelink.blob.${storageSuffix}' }
  { serviceId: storage.id, serviceName: storage.name, groupId: 'queue', zone: 'privatelink.queue.${storageSuffix}' }
  { serviceId: vault.id, serviceName: vault.name, groupId: 'vault', zone: 'privatelink${vaultCoreSuffix}' }
]

module network '../core/network/virtual-network.bicep' = {
  name: 'virtual-network'
  params: {
    name: virtualNetworkName
    location: location
    tags: tags
    addressPrefix: addressPrefix
    // The first /24 for the app's instances, then a /27 for the three endpoints.
    appSubnetPrefix: cidrSubnet(addressPrefix, 24, 0)
    privateEndpointSubnetPrefix: cidrSubnet(cidrSubnet(addressPrefix, 24, 1), 27, 0)
  }
}

module zones '../core/network/private-dns-zone.bicep' = [
  for endpoint in endpoints: {
    name: 'private-dns-${endpoint.groupId}'
    params: {
      name: endpoint.zone
      tags: tags
      virtualNetworkId: network.outputs.id
    }
  }
]

module privateEndpoints '../core/network/private-endpoint.bicep' = [
  for (endpoint, index) in endpoints: {
    name: 'private-endpoint-${endpoint.groupId}'
    params: {
      name: 'pe-${endpoint.serviceName}-${endpoint.groupId}'
      location: location
      tags: tags
      subnetId: network.outputs.privateEndpointSubnetId
      serviceResourceId: endpoint.serviceId
      groupId: endpoint.groupId
      privateDnsZoneId: zones[index].outputs.id
    }
  }
]

output appSubnetId string = network.outputs.appSubnetId
