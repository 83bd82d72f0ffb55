/**
 * The admin API, `{orgUrl}/_test/...`: drives the server the way people and Azure DevOps itself would (see
 * userActions.ts and deliveries.ts) and reads back what it recorded. Like every request it needs the PAT as basic
 * auth (any user name).
 *
 * Admin API — JSON in, JSON out. File contents are a string (UTF-8 text), {"base64": "..."} (bytes) or null (delete).
 *   POST   {orgUrl}/_test/projects                     {name}                                   → TeamProjectReference
 *   POST   {orgUrl}/_test/teams                        {project, name, description?, members?: TestUser[]}
 *                                                      → WebApiTeam
 *   POST   {orgUrl}/_test/repositories                 {project, name, files, defaultBranch?}   → GitRepository
 *   POST   {orgUrl}/_test/pushes                       {repositoryId, branch, files, renames?, message?, baseBranch?}
 *                                                      → {commitId}  (adds an iteration to an active PR from `branch`)
 *   POST   {orgUrl}/_test/pullRequests                 {repositoryId, sourceBranch, targetBranch, title,
 *                                                       description?, isDraft?, reviewers?: [{user: TestUser}
 *                                                       | {team: name or id}, with isRequired?]}  → GitPullRequest
 *   POST   {orgUrl}/_test/pullRequests/{id}/votes      {vote: 10|5|0|-5|-10}                    → GitPullRequest
 *   POST   {orgUrl}/_test/pullRequests/{id}/comments   {content, threadId?, parentCommentId?, filePath?, line?}
 *                                                      → {thread, comment}  (by a human user)
 *   PATCH  {orgUrl}/_test/pullRequests/{id}/threads/{threadId}/comments/{commentId}   {content}  → Comment
 *   POST   {orgUrl}/_test/pullRequests/{id}/complete   {}                                       → GitPullRequest
 *   POST   {orgUrl}/_test/pullRequests/{id}/abandon    {}                                       → GitPullRequest
 *   PUT    {orgUrl}/_test/subscriber                   {url, username?, password?, headers?, includeMessages?}
 *   DELETE {orgUrl}/_test/subscriber
 *   POST   {orgUrl}/_test/deliveries                   {eventType, pullRequestId, threadId?, commentId?, action?,
 *                                                       send?: boolean (default true)}  → DeliveryRecord | payload
 *   POST   {orgUrl}/_test/deliveries/raw               any payload, sent as is to the subscriber → DeliveryRecord
 *   GET    {orgUrl}/_test/deliveries                   → DeliveryRecord[]
 *   GET    {orgUrl}/_test/writes                       → WriteRecord[] (every REST write the app made)
 *   GET    {orgUrl}/_test/hookSubscriptions            → service-hook subscriptions as stored (passwords unmasked)
 *
 * Example:
 *   curl -u :$TOKEN -H 'Content-Type: application/json' $ORG/_test/repositories \
 *        -d '{"project":"demo","name":"app","files":{"README.md":"hello\n"}}'
 */
import type { ServiceHookDeliveries } from './deliveries';
import { AzureDevOpsError, badRequest } from './errors';
import type { FileContent } from './gitRepository';
import type { ServerModel } from './model';
import { serviceHookSubscriptions } from './projectsAndServiceHooks';
import type {
  AddCommentRequest,
  BuildDeliveryOptions,
  CreatePullRequestRequest,
  CreateRepositoryRequest,
  CreateTeamRequest,
  PushRequest,
  ServiceHookEventType,
  Subscriber,
} from './publicTypes';
import { isObject } from './requestInput';
import type { UserActions } from './userActions';

export interface AdminTargets {
  model: ServerModel;
  actions: UserActions;
  deliveries: ServiceHookDeliveries;
}

/** Answers one admin request; `route` is the path after `_test`. Failed actions answer 400 with their message. */
export async function handleAdminRequest(
  targets: AdminTargets,
  method: string,
  route: string[],
  body: unknown,
): Promise<unknown> {
  const input = isObject(body) ? body : {};
  const key = `${method} ${route.map((part) => (/^\d+$/.test(part) ? '{id}' : part.toLowerCase())).join('/')}`;
  const ids = route.filter((part) => /^\d+$/.test(part)).map(Number);
  try {
    switch (key) {
      case 'POST projects':
        if (typeof input.name !== 'string' || input.name.trim() === '') throw new Error('name is required');
        return targets.actions.createProject(input.name);
      case 'POST teams':
        if (typeof input.project !== 'string' || typeof input.name !== 'string' || input.name.trim() === '')
          throw new Error('project and name are required');
        return targets.actions.createTeam(input as unknown as CreateTeamRequest);
      case 'POST repositories':
        return await targets.actions.createRepository({
          ...(input as unknown as CreateRepositoryRequest),
          files: decodeFiles(input.files) as Record<string, FileContent>,
        });
      case 'POST pushes':
        return {
          commitId: await targets.actions.push({
            ...(input as unknown as PushRequest),
            files: decodeFiles(input.files),
          }),
        };
      case 'POST pullrequests':
        return await targets.actions.createPullRequest(input as unknown as CreatePullRequestRequest);
      case 'POST pullrequests/{id}/votes':
        return await targets.actions.vote({ pullRequestId: ids[0], vote: Number(input.vote) });
      case 'POST pullrequests/{id}/comments':
        return await targets.actions.addComment({
          ...(input as unknown as AddCommentRequest),
          pullRequestId: ids[0],
        });
      case 'PATCH pullrequests/{id}/threads/{id}/comments/{id}':
        return await targets.actions.editComment({
          pullRequestId: ids[0],
          threadId: ids[1],
          commentId: ids[2],
          content: String(input.content),
        });
      case 'POST pullrequests/{id}/complete':
        return await targets.actions.completePullRequest({ pullRequestId: ids[0] });
      case 'POST pullrequests/{id}/abandon':
        return await targets.actions.abandonPullRequest({ pullRequestId: ids[0] });
      case 'PUT subscriber':
        targets.deliveries.setSubscriber(input as unknown as Subscriber);
        return { subscriptionId: targets.deliveries.subscriptionId };
      case 'DELETE subscriber':
        targets.deliveries.setSubscriber(null);
        return {};
      case 'POST deliveries': {
        const eventType = input.eventType as ServiceHookEventType;
        const options = input as BuildDeliveryOptions;
        if (input.send === false)
          return targets.deliveries.buildDelivery(eventType, Number(input.pullRequestId), options);
        return await targets.deliveries.deliver(eventType, Number(input.pullRequestId), options);
      }
      case 'POST deliveries/raw':
        return await targets.deliveries.sendDelivery(input);
      case 'GET deliveries':
        return targets.deliveries.records;
      case 'GET writes':
        return targets.model.writes;
      case 'GET hooksubscriptions':
        return serviceHookSubscriptions(targets.model);
      default:
        throw new AzureDevOpsError(404, 'ResourceNotFoundException', `No admin endpoint ${key}.`);
    }
  } catch (error) {
    if (error instanceof AzureDevOpsError) throw error;
    throw badRequest(error instanceof Error ? error.message : String(error));
  }
}

/** Admin JSON carries bytes as {"base64": "..."}. */
function decodeFiles(files: unknown): Record<string, FileContent | null> {
  if (!isObject(files)) throw badRequest('files must be an object of path → content.');
  return Object.fromEntries(
    Object.entries(files).map(([file, content]) => {
      if (content === null || typeof content === 'string') return [file, content];
      if (isObject(content) && typeof content.base64 === 'string')
        return [file, Buffer.from(content.base64, 'base64')];
      throw badRequest(`files["${file}"] must be a string, {"base64": "..."} or null.`);
    }),
  );
}
