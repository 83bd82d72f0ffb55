/**
 * Work items, as far as pull requests use them: items with a title, description and acceptance criteria, linked to
 * pull requests. `GET {project}/_apis/git/repositories/{repo}/pullRequests/{id}/workitems` lists a pull request's
 * links (ResourceRefs) and `GET _apis/wit/workitems?ids=…&fields=…` reads the items (the wit area's
 * `workItems` location, with `errorPolicy=omit` leaving out ids that do not exist, as the service does).
 */
import { badRequest, notFound } from './errors';
import type { ServerModel } from './model';
import type { CreateWorkItemRequest, Json, LinkWorkItemRequest } from './publicTypes';
import { gitLocation, PR_PATH, type RequestContext, type Reply, type Router } from './routing';

export const WIT_AREA_ID = '5264459e-e5e0-4bd8-b118-0985e68a4ec5';

interface WorkItemState {
  id: number;
  rev: number;
  fields: Record<string, string>;
}

export class WorkItems {
  private readonly items = new Map<number, WorkItemState>();
  /** Pull request id → linked work item ids, in the order linked. */
  private readonly links = new Map<number, number[]>();
  private nextId = 1;

  constructor(private readonly model: ServerModel) {}

  create(request: CreateWorkItemRequest): Json & { id: number } {
    const item: WorkItemState = {
      id: this.nextId++,
      rev: 1,
      fields: {
        'System.WorkItemType': request.type ?? 'User Story',
        'System.Title': request.title,
        'System.State': 'New',
        ...(request.description === undefined ? {} : { 'System.Description': request.description }),
        ...(request.acceptanceCriteria === undefined
          ? {}
          : { 'Microsoft.VSTS.Common.AcceptanceCriteria': request.acceptanceCriteria }),
      },
    };
    this.items.set(item.id, item);
    return this.itemJson(item, undefined) as Json & { id: number };
  }

  link(request: LinkWorkItemRequest): void {
    this.model.pullRequestById(request.pullRequestId);
    if (!this.items.has(request.workItemId))
      throw notFound('WorkItemNotFoundException', 'No such work item.');
    const linked = this.links.get(request.pullRequestId) ?? [];
    if (!linked.includes(request.workItemId)) linked.push(request.workItemId);
    this.links.set(request.pullRequestId, linked);
  }

  private itemUrl(id: number): string {
    return `${this.model.orgUrl}/_apis/wit/workItems/${id}`;
  }

  private itemJson(item: WorkItemState, fields: string[] | undefined): Json {
    const wanted = fields?.map((field) => field.toLowerCase());
    return {
      id: item.id,
      rev: item.rev,
      fields: Object.fromEntries(
        Object.entries(item.fields).filter(
          ([name]) => wanted === undefined || wanted.includes(name.toLowerCase()),
        ),
      ),
      url: this.itemUrl(item.id),
    };
  }

  private pullRequestLinks(context: RequestContext): Reply {
    const pr = this.model.findPullRequest(context.params);
    const value = (this.links.get(pr.id) ?? []).map((id) => ({ id: String(id), url: this.itemUrl(id) }));
    return { json: { count: value.length, value } };
  }

  private getItems(context: RequestContext): Reply {
    const ids = (context.query.get('ids') ?? context.params.id ?? '')
      .split(',')
      .filter((id) => id !== '')
      .map(Number);
    if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id <= 0))
      throw badRequest('The ids parameter must list work item ids.');
    if (ids.length > 200) throw badRequest('At most 200 work items can be read at once.');
    const fields = context.query.get('fields')?.split(',');
    const omit = context.query.get('errorPolicy')?.toLowerCase() === 'omit';
    const missing = ids.find((id) => !this.items.has(id));
    if (missing !== undefined && !omit)
      throw notFound('WorkItemUnauthorizedAccessException', `TF401232: Work item ${missing} does not exist.`);
    // With errorPolicy=omit, the service answers null in the place of each item it cannot return.
    const value = ids.map((id) => {
      const item = this.items.get(id);
      return item === undefined ? null : this.itemJson(item, fields);
    });
    if (context.params.id !== undefined && value[0] !== null) return { json: value[0] };
    return { json: { count: value.length, value } };
  }

  register(router: Router): void {
    router.register(
      gitLocation('0a637fcc-5370-4ce8-b0e8-98091f5f9482', 'pullRequestWorkItems', `${PR_PATH}/workitems`, 1, {
        GET: (context) => this.pullRequestLinks(context),
      }),
      {
        id: '72c7ddf8-2cdc-4f60-90cd-ab71c14a399b',
        area: 'wit',
        resourceName: 'workItems',
        routeTemplate: '{project}/_apis/{area}/{resource}/{id}',
        resourceVersion: 3,
        handlers: { GET: (context) => this.getItems(context) },
      },
    );
  }
}
