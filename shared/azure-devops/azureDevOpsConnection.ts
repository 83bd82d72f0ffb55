import { WebApi } from 'azure-devops-node-api';
import type { ICoreApi } from 'azure-devops-node-api/CoreApi';
import type { IGitApi } from 'azure-devops-node-api/GitApi';
import type { IWorkItemTrackingApi } from 'azure-devops-node-api/WorkItemTrackingApi';
import { getProxySettings } from '../config/proxySettings';
import { azureDevOpsProxy } from '../http/outboundProxy';
import { fixedSecret, type RefreshingSecret } from '../secrets/refreshingSecret';
import { patCredential, type AzureDevOpsCredential } from './azureDevOpsCredential';
import { AzureDevOpsRequests, type RequestPolicyOptions } from './azureDevOpsRequests';

/**
 * The official client for one organization, signed by `credential` and with every HTTP client it uses watched by
 * `AzureDevOpsRequests` (see there). The organization URL always comes from configuration; `credential` is a PAT (a
 * literal or one re-read on refusal) or any AzureDevOpsCredential (a bearer token).
 */
export interface AzureDevOpsConnection {
  requests: AzureDevOpsRequests;
  connection: WebApi;
  /** The Git client, discovered once; a failed discovery is tried again by the next caller. */
  git: () => Promise<IGitApi>;
  workItems: () => Promise<IWorkItemTrackingApi>;
  /** Projects' teams and their members. */
  core: () => Promise<ICoreApi>;
}

type LibraryApi = IGitApi | IWorkItemTrackingApi | ICoreApi;

export function openAzureDevOpsConnection(
  orgUrl: string,
  credential: string | RefreshingSecret | AzureDevOpsCredential,
  options: RequestPolicyOptions = {},
): AzureDevOpsConnection {
  const signing =
    typeof credential === 'string'
      ? patCredential(fixedSecret(credential))
      : 'mode' in credential
        ? credential
        : patCredential(credential);
  const requests = new AzureDevOpsRequests(orgUrl, options, signing);
  const connection = new WebApi(orgUrl, requests.requestHandler(), {
    proxy: azureDevOpsProxy(getProxySettings(), orgUrl),
    socketTimeout: requests.socketTimeoutMs,
  });
  requests.watchResponses(connection.rest.client);
  const discovered = <T extends LibraryApi>(discover: () => Promise<T>) => {
    let api: Promise<T> | undefined;
    return () =>
      (api ??= discover().then(
        (client) => {
          requests.watchResponses(client.http);
          requests.watchResponses(client.rest.client);
          return client;
        },
        (error: unknown) => {
          // Discovery failed: the next call discovers again rather than repeating the failure.
          api = undefined;
          throw error;
        },
      ));
  };
  return {
    requests,
    connection,
    git: discovered(() => connection.getGitApi()),
    workItems: discovered(() => connection.getWorkItemTrackingApi()),
    core: discovered(() => connection.getCoreApi()),
  };
}
