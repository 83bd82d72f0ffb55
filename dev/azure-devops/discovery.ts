/**
 * The Location area, what `azure-devops-node-api` asks before anything else: where the git and core areas live
 * (ResourceAreas) and who the token belongs to (ConnectionData). OPTIONS on an area is answered by the router.
 */
import type { ServerModel } from './model';
import type { Json } from './publicTypes';
import type { Router } from './routing';
import { descriptor } from './serialisers';
import { WIT_AREA_ID } from './workItems';

const GIT_AREA_ID = '4e080c62-fa21-4fbc-8fef-2a10a2b38049';
const CORE_AREA_ID = '79134c72-4a58-4b42-976c-04e7115f32bf';

function connectionData(model: ServerModel): Json {
  const bot = model.bot;
  const user = {
    id: bot.id,
    descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${model.collectionId}\\${bot.uniqueName}`,
    subjectDescriptor: descriptor(bot),
    providerDisplayName: bot.displayName,
    isActive: true,
    properties: { Account: { $type: 'System.String', $value: bot.uniqueName } },
    resourceVersion: 2,
    metaTypeId: 0,
  };
  return {
    authenticatedUser: user,
    authorizedUser: user,
    instanceId: model.collectionId,
    deploymentId: model.accountId,
    deploymentType: model.onPremises ? 'onPremises' : 'hosted',
    locationServiceData: {
      serviceOwner: '00025394-6065-48ca-87d9-7f5672854ef7',
      defaultAccessMappingMoniker: 'PublicAccessMapping',
      lastChangeId: 1,
      lastChangeId64: 1,
    },
  };
}

/** Registered first: the client discovers locations before it calls them. */
export function registerLocationRoutes(router: Router, model: ServerModel): void {
  router.register(
    {
      id: 'e81700f7-3be2-46de-8624-2eb35882fcaa',
      area: 'Location',
      resourceName: 'ResourceAreas',
      routeTemplate: '_apis/{resource}/{areaId}',
      resourceVersion: 1,
      handlers: {
        GET: () => {
          // A Server has no resource areas: the client then calls every area at the collection URL.
          if (model.onPremises) return { json: { count: 0, value: null } };
          const value = [
            { id: GIT_AREA_ID, name: 'git', locationUrl: `${model.orgUrl}/` },
            { id: CORE_AREA_ID, name: 'core', locationUrl: `${model.orgUrl}/` },
            { id: WIT_AREA_ID, name: 'wit', locationUrl: `${model.orgUrl}/` },
          ];
          return { json: { count: value.length, value } };
        },
      },
    },
    {
      id: '00d9565f-ed9c-4a06-9a50-00e7896ccab4',
      area: 'Location',
      resourceName: 'ConnectionData',
      routeTemplate: '_apis/{resource}',
      resourceVersion: 1,
      handlers: { GET: () => ({ json: connectionData(model) }) },
    },
  );
}
