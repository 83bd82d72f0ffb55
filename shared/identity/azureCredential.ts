import type { TokenCredential } from '@azure/identity';
import { loadOnFirstUse } from '../lazy/loadOnFirstUse';

/** @azure/identity is large, and runs with connection strings and literal secrets never need it. */
const azureIdentity = loadOnFirstUse<typeof import('@azure/identity')>('@azure/identity');

/** One credential per managed identity, so that every client in the process shares its token cache. */
const credentials = new Map<string | undefined, TokenCredential>();

/**
 * The process's `@azure/identity` DefaultAzureCredential for `clientId`: the app's managed identity in Azure
 * (`clientId` picks a user-assigned one), developer sign-ins (Azure CLI, azd, VS Code) locally. Built on first
 * use.
 */
export function getAzureCredential(clientId?: string): TokenCredential {
  let credential = credentials.get(clientId);
  if (credential === undefined) {
    const { DefaultAzureCredential } = azureIdentity();
    credential = new DefaultAzureCredential({ managedIdentityClientId: clientId });
    credentials.set(clientId, credential);
  }
  return credential;
}

const managedIdentityCredentials = new Map<string | undefined, TokenCredential>();

/**
 * The app's managed identity alone (`clientId` picks a user-assigned one), for a service that must be called as
 * the app itself and never as a developer's sign-in: Azure DevOps when AZURE_DEVOPS_AUTH=managed-identity.
 */
export function getManagedIdentityCredential(clientId?: string): TokenCredential {
  let credential = managedIdentityCredentials.get(clientId);
  if (credential === undefined) {
    const { ManagedIdentityCredential } = azureIdentity();
    credential =
      clientId === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId });
    managedIdentityCredentials.set(clientId, credential);
  }
  return credential;
}
