import type { TokenCredential } from '@azure/identity';
import { errorMessage } from '../errors/errorMessage';
import { cachedBearerTokenSource, type BearerTokenSource } from './bearerToken';

/** The audience Azure OpenAI (Azure AI services) accepts Entra ID tokens for. */
export const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default';

interface EntraIdTokenSourceOptions {
  /**
   * Usually the process's credential (`getAzureCredential(AZURE_CLIENT_ID)` from shared/identity): the app's managed
   * identity in Azure, developer sign-ins locally.
   */
  credential: TokenCredential;
  scope?: string;
  now?: () => number;
}

/**
 * Keyless bearer tokens for Azure OpenAI from an `@azure/identity` credential, cached here too: not every credential
 * caches (the Azure CLI one starts `az` per call), and `invalidate` must make the next call ask the credential again.
 * The credential may still answer from its own cache: ManagedIdentityCredential (4.13) keeps MSAL's process-wide
 * cache and passes neither `forceRefresh` nor `claims` on, so a refused token that is not near expiry comes back.
 */
export function createEntraIdTokenSource(options: EntraIdTokenSourceOptions): BearerTokenSource {
  const scope = options.scope ?? AZURE_OPENAI_SCOPE;
  return cachedBearerTokenSource(async () => {
    let accessToken;
    try {
      accessToken = await options.credential.getToken(scope);
    } catch (error) {
      // @azure/identity's messages name the source and the service's answer, never a secret.
      throw new Error(`Could not get an Entra ID token for ${scope}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (accessToken === null)
      throw new Error(`Could not get an Entra ID token for ${scope}: none was issued`);
    return { token: accessToken.token, expiresAt: accessToken.expiresOnTimestamp };
  }, options.now);
}
