// A private DNS zone (privatelink.<service suffix>) linked to the virtual network, so that inside it the service's
// public host name resolves to its private endpoint's address.

@description('Zone name, e.g. privatelink.blob.core.windows.net.')
param name string

@description('Tags applied to the zone and its link.')
param tags object

@description('Resource id of the virtual network that resolves through the zone.')
param virtualNetworkId string

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: name
  // Private DNS zones are global resources.
  location: 'global'
  tags: tags
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: 'vnet'
  location: 'global'
  tags: tags
  properties: {
    virtualNetwork: {
      id: virtualNetworkId
    }
    // The endpoints' A records are written by their DNS zone groups, not by auto-registration.
    registrationEnabled: false
  }
}

output id string = zone.id
