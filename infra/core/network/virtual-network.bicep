// The virtual network of the private-networking option: one subnet the Function App joins (regional VNet integration,
// delegated to Microsoft.App/environments as Flex Consumption requires) and one for the private endpoints of Key Vault
// and storage.

@description('Name of the virtual network.')
param name string

@description('Azure region; the app\'s integration subnet must be in the app\'s region.')
param location string

@description('Tags applied to the virtual network.')
param tags object

@description('Address space of the virtual network (CIDR, /23 or larger).')
param addressPrefix string

@description('Address range of the app\'s integration subnet (inside addressPrefix).')
param appSubnetPrefix string

@description('Address range of the private endpoints\' subnet (inside addressPrefix).')
param privateEndpointSubnetPrefix string

var appSubnetName = 'snet-app'
var privateEndpointSubnetName = 'snet-private-endpoints'

resource vnet 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          // Flex Consumption's VNet integration needs this delegation (not Microsoft.Web/serverFarms).
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          // The app still calls the Internet (Azure DevOps, the model API) through this subnet: kept explicit, since
          // new subnets lose default outbound access by default. A NAT gateway would give a fixed egress address.
          defaultOutboundAccess: true
        }
      }
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          // Private endpoints only: nothing in this subnet starts a connection to the Internet.
          defaultOutboundAccess: false
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: appSubnetName
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: privateEndpointSubnetName
  }
}

output id string = vnet.id
output appSubnetId string = vnet::appSubnet.id
output privateEndpointSubnetId string = vnet::privateEndpointSubnet.id
