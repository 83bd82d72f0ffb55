/** Errors in the shape Azure DevOps answers them: status, typeKey, typeName and message. */
import type { Json } from './publicTypes';

const GIT_SERVER = 'Microsoft.TeamFoundation.Git.Server';
const WEB_SERVER = 'Microsoft.TeamFoundation.SourceControl.WebServer';
export const VSS_COMMON = 'Microsoft.VisualStudio.Services.WebApi';
export const SERVICE_HOOKS = 'Microsoft.VisualStudio.Services.ServiceHooks.WebApi';

export class AzureDevOpsError extends Error {
  constructor(
    readonly status: number,
    readonly typeKey: string,
    message: string,
    readonly namespace: string = WEB_SERVER,
    readonly eventId = 3000,
    readonly assembly = namespace,
  ) {
    super(message);
  }

  toJson(): Json {
    return {
      $id: '1',
      innerException: null,
      message: this.message,
      typeName: `${this.namespace}.${this.typeKey}, ${this.assembly}`,
      typeKey: this.typeKey,
      errorCode: 0,
      eventId: this.eventId,
    };
  }
}

export const badRequest = (
  message: string,
  typeKey = 'InvalidArgumentValueException',
  namespace = WEB_SERVER,
) => new AzureDevOpsError(400, typeKey, message, namespace, 0);
export const argumentNull = (parameter: string) =>
  new AzureDevOpsError(
    400,
    'ArgumentNullException',
    `Value cannot be null.\r\nParameter name: ${parameter}`,
    'System',
    0,
    'mscorlib',
  );
export const notFound = (typeKey: string, message: string) =>
  new AzureDevOpsError(404, typeKey, message, GIT_SERVER);
export const hooksBadRequest = (message: string) =>
  badRequest(message, 'InvalidArgumentValueException', SERVICE_HOOKS);
/** The typeKey and status the service's teams controllers map a missing team to. */
export const teamNotFound = (idOrName: string) =>
  new AzureDevOpsError(
    404,
    'TeamNotFoundException',
    `The team with id or name '${idOrName}' does not exist in this project.`,
    'Microsoft.TeamFoundation.Core.WebApi',
  );
export const pullRequestNotFound = () =>
  notFound('GitPullRequestNotFoundException', 'TF401180: The requested pull request was not found.');
