// A private endpoint for one sub-resource (group id) of a service, with a DNS zone group that keeps its A record in
// the service's private DNS zone.

@description('Name of the private endpoint.')
param name string

@description('Azure region (the virtual network\'s).')
param location string

@description('Tags applied to the endpoint.')
param tags object

@description('Subnet the endpoint\'s network interface is placed in.')
param subnetId string

@description('Resource id of the service the endpoint connects to.')
param serviceResourceId string

@description('Sub-resource of that service: blob, queue, vault, ...')
param groupId string

@description('Resource id of the private DNS zone for that sub-resource.')
param privateDnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: groupId
        properties: {
          privateLinkServiceId: serviceResourceId
          groupIds: [groupId]
        }
      }
    ]
  }

  resource dnsZoneGroup 'privateDnsZoneGroups' = {
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: groupId
          properties: {
            privateDnsZoneId: privateDnsZoneId
          }
        }
      ]
    }
  }
}

output id string = endpoint.id
