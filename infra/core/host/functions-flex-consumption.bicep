@description('Name of the function app.')
param name string

@description('Name of its Flex Consumption (FC1) plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan.')
param tags object

@description('Tags applied to the app (azd finds the app to deploy to by its azd-service-name tag).')
param appTags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Blob container URL the deployment package is uploaded to.')
param deploymentContainerUrl string

@description('Language worker of the app.')
@allowed(['dotnet-isolated', 'java', 'node', 'powershell', 'python', 'custom'])
param runtimeName string

@description('Major version of the language worker.')
param runtimeVersion string

@description('Memory of each instance.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on instances the platform may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Service tags (e.g. AzureDevOps) allowed to reach the app; with allowedIpRanges empty too, every source is.')
param allowedServiceTags string[] = []

@description('Address ranges in CIDR notation allowed to reach the app, besides allowedServiceTags.')
param allowedIpRanges string[] = []

@description('Subnet (delegated to Microsoft.App/environments) the app joins, routing all its outbound traffic through the virtual network; empty for none.')
param virtualNetworkSubnetId string = ''

// Access restrictions apply to the whole site, not per route: an allow list also closes /health to other sources.
var inboundAllowRules = [
  for (rule, index) in concat(
    map(allowedServiceTags, serviceTag => { tag: 'ServiceTag', ipAddress: serviceTag }),
    map(allowedIpRanges, ipRange => { tag: 'Default', ipAddress: ipRange })
  ): union(rule, {
    name: 'allow-${index}'
    action: 'Allow'
    priority: 100 + index
  })
]

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Flex Consumption runs on Linux only.
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: appTags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Regional VNet integration (outbound only: inbound requests still arrive on the public endpoint, where the
    // service hooks reach it). Both properties stay unset without a subnet.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // applicationTraffic is what siteConfig.vnetRouteAllEnabled was: all outbound traffic, not only RFC 1918
    // destinations, goes through the virtual network (its DNS, NSGs and routes), so the private endpoints' names resolve.
    outboundVnetRouting: empty(virtualNetworkSubnetId)
      ? null
      : {
          applicationTraffic: true
        }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          // The platform pulls the package with the app's identity, so no storage key or SAS is involved.
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      // Code reaches the app only through the deployment container; FTP has no use.
      ftpsState: 'Disabled'
      ipSecurityRestrictions: inboundAllowRules
      ipSecurityRestrictionsDefaultAction: empty(inboundAllowRules) ? 'Allow' : 'Deny'
      // The deployment endpoint (SCM) keeps its own, open rules: azd publishes there with an Entra token.
      scmIpSecurityRestrictionsUseMain: false
    }
  }

  // Publishing with the app's basic-auth credentials is refused: deployments authenticate with Microsoft Entra ID.
  resource scmBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }

  resource ftpBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }
}

output name string = app.name
output resourceId string = app.id
output defaultHostName string = app.properties.defaultHostName
