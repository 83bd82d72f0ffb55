import type { TokenCredential } from '@azure/identity';
import type {
  AzureDevOpsAuth,
  AzureDevOpsAuthMode,
  AzureDevOpsOrganization,
} from '../config/azureDevOpsSettings';
import { errorMessage } from '../errors/errorMessage';
import { getManagedIdentityCredential } from '../identity/azureCredential';
import { loadOnFirstUse } from '../lazy/loadOnFirstUse';
import { cachedBearerTokenSource, type BearerTokenSource } from '../llm/bearerToken';
import { createSecretReader, readRequiredSecret } from '../secrets/readSecret';
import { openRefreshingSecret, type RefreshingSecret } from '../secrets/refreshingSecret';
import type { SecretStore } from '../secrets/secretStore';

/** Azure DevOps' Entra ID resource (its application id), the same in every cloud and tenant. */
export const AZURE_DEVOPS_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/.default';

/**
 * How the app signs its Azure DevOps requests: the `Authorization` header for the next request, and what to do when
 * Azure DevOps refuses one (401). Tokens are never part of a message: errors name the mode and the setting.
 */
export interface AzureDevOpsCredential {
  readonly mode: AzureDevOpsAuthMode;
  /** A PAT as basic auth, or a bearer token from the cache (fetched anew shortly before it expires). */
  authorization(): Promise<string>;
  /**
   * Azure DevOps refused `authorization` (a 401 or a sign-in page): drops it — the next header is a new token, or
   * the PAT read from Key Vault again — and tells whether another try is worth it (a literal PAT: no).
   */
  refused(authorization: string): Promise<boolean>;
}

const basic = (token: string) => `Basic ${Buffer.from(`:${token}`).toString('base64')}`;

/** A PAT as basic auth (any user name), re-read on refusal when it comes from Key Vault (refreshingSecret.ts). */
export function patCredential(pat: RefreshingSecret): AzureDevOpsCredential {
  return {
    mode: 'pat',
    authorization: () => Promise.resolve(basic(pat.value())),
    // A header that is not the current one was replaced meanwhile: the next try has the new value.
    refused: (authorization) =>
      authorization !== basic(pat.value()) ? Promise.resolve(true) : pat.refresh(pat.value()),
  };
}

function bearer(
  mode: AzureDevOpsAuthMode,
  setting: string,
  source: BearerTokenSource,
): AzureDevOpsCredential {
  return {
    mode,
    async authorization() {
      try {
        return `Bearer ${await source.getToken()}`;
      } catch (error) {
        // @azure/identity's messages name the source and the service's answer, never a secret.
        throw new Error(`${setting}: could not get an Azure DevOps token (${mode}): ${errorMessage(error)}`, {
          cause: error,
        });
      }
    },
    refused(authorization) {
      source.invalidate(authorization.replace(/^Bearer /, ''));
      return Promise.resolve(true);
    },
  };
}

function tokenSource(credential: () => Promise<TokenCredential>): BearerTokenSource {
  return cachedBearerTokenSource(async () => {
    const token = await (await credential()).getToken(AZURE_DEVOPS_SCOPE);
    if (token === null) throw new Error('no token was issued');
    return { token: token.token, expiresAt: token.expiresOnTimestamp };
  });
}

type ServicePrincipal = Extract<AzureDevOpsAuth, { mode: 'service-principal' }>;

const azureIdentity = loadOnFirstUse<typeof import('@azure/identity')>('@azure/identity');

/**
 * The service principal's credential, rebuilt when its secret changes in Key Vault (a rotation). When the authority
 * host is overridden (a sovereign cloud, a private authority) it is trusted as given: no instance discovery, which
 * would ask the public cloud about it.
 */
function servicePrincipalCredential(auth: ServicePrincipal, store: SecretStore | undefined, setting: string) {
  let built: { secret: string | undefined; credential: TokenCredential } | undefined;
  const read = createSecretReader(store);
  return async (): Promise<TokenCredential> => {
    const secret =
      auth.clientSecret === undefined
        ? undefined
        : await readRequiredSecret(read, auth.clientSecret, setting);
    if (built !== undefined && built.secret === secret) return built.credential;
    const identity = azureIdentity();
    const options = {
      authorityHost: auth.authorityHost,
      disableInstanceDiscovery: auth.authorityHost !== undefined,
    };
    const credential =
      secret !== undefined
        ? new identity.ClientSecretCredential(auth.tenantId, auth.clientId, secret, options)
        : new identity.ClientCertificateCredential(
            auth.tenantId,
            auth.clientId,
            { certificatePath: auth.certificatePath as string },
            options,
          );
    built = { secret, credential };
    return credential;
  };
}

/**
 * The credential an organization's settings describe. Bearer credentials are kept per organization and process, so
 * their token cache outlives a single review job; a PAT is opened per job (refreshingSecret.ts keeps it current).
 */
const bearerCredentials = new Map<string, AzureDevOpsCredential>();

export async function credentialFor(
  organization: AzureDevOpsOrganization,
  store: SecretStore | undefined,
): Promise<AzureDevOpsCredential> {
  const { auth, setting } = organization;
  if (auth.mode === 'pat') return patCredential(await openRefreshingSecret(auth.token, setting, store));
  let credential = bearerCredentials.get(organization.key);
  if (credential === undefined) {
    if (auth.mode === 'managed-identity') {
      const identity = getManagedIdentityCredential(auth.clientId);
      credential = bearer(
        auth.mode,
        setting,
        tokenSource(() => Promise.resolve(identity)),
      );
    } else {
      credential = bearer(auth.mode, setting, tokenSource(servicePrincipalCredential(auth, store, setting)));
    }
    bearerCredentials.set(organization.key, credential);
  }
  return credential;
}
