/**
 * A local stand-in for Azure DevOps Services, for tests and the local sandbox. It speaks real HTTP on 127.0.0.1,
 * answers the discovery calls of `azure-devops-node-api` (OPTIONS {org}/_apis/Location, GET {org}/_apis/ResourceAreas,
 * OPTIONS {org}/_apis/git) with its route templates, and serves pull requests backed by real git repositories
 * (bare repos in a temp dir, driven with the `git` CLI). Shapes follow the official REST spec (git 7.1) and its
 * httpExamples; service-hook deliveries follow the captured samples in the reference material.
 *
 * Every request, admin ones included, needs the PAT as basic auth (any user name): `curl -u :$TOKEN ...`.
 * This file puts the server together; each concern has its own file here:
 *   routing.ts          route table, api-version checks, OPTIONS location discovery
 *   discovery.ts        the Location area: ResourceAreas, ConnectionData
 *   httpFront.ts        authentication, write records, error answers, fault injection
 *   gitRoutes.ts        repositories, pull requests, iterations, changes, items
 *   threads.ts          threads and comments
 *   statuses.ts         pull request and iteration statuses
 *   properties.ts       property bags and the pullRequestProperties resource
 *   policies.ts         branch policy configurations
 *   projectsAndServiceHooks.ts   Core projects and the Service Hooks subscriptions API
 *   teams.ts            Core teams and their members (teams can be pull request reviewers)
 *   deliveries.ts       service-hook payloads and their delivery to the subscriber
 *   workItems.ts        work items and their links to pull requests
 *   userActions.ts      what people do: push, open, vote, comment, complete, abandon, publish
 *   adminApi.ts         the `{org}/_test/...` endpoints (listed at its top)
 *   model.ts            the state model and its lookups; iterations.ts, serialisers.ts, errors.ts alongside
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ServiceHookDeliveries } from './deliveries';
import type { FaultInjection } from './faultInjection';
import { registerLocationRoutes } from './discovery';
import { registerGitRoutes } from './gitRoutes';
import { HttpFront } from './httpFront';
import { ServerModel } from './model';
import { registerPolicyRoutes } from './policies';
import { registerProjectAndServiceHookRoutes, serviceHookSubscriptions } from './projectsAndServiceHooks';
import { registerPropertyRoutes } from './properties';
import type {
  AddCommentRequest,
  AzureDevOpsServerOptions,
  AzureDevOpsTestServer,
  BuildDeliveryOptions,
  ClosePullRequestRequest,
  CreatePullRequestRequest,
  CreateRepositoryRequest,
  CreateTeamRequest,
  CreateWorkItemRequest,
  DeliveryRecord,
  EditCommentRequest,
  Json,
  LinkWorkItemRequest,
  PushRequest,
  SetThreadStatusRequest,
  ServiceHookEventType,
  Subscriber,
  TestUser,
  VoteRequest,
  WriteRecord,
} from './publicTypes';
import { Router } from './routing';
import { identityJson, pullRequestJson, statusJson, threadJson } from './serialisers';
import { registerStatusRoutes } from './statuses';
import { registerTeamRoutes } from './teams';
import { registerThreadRoutes } from './threads';
import { UserActions } from './userActions';
import { WorkItems } from './workItems';

export type * from './publicTypes';

class AzureDevOpsServer implements AzureDevOpsTestServer {
  port = 0;
  private readonly model: ServerModel;
  private readonly serviceHooks: ServiceHookDeliveries;
  private readonly actions: UserActions;
  private readonly workItems: WorkItems;
  private readonly front: HttpFront;
  private readonly http: http.Server;

  constructor(organization: string, token: string, directory: string, options: AzureDevOpsServerOptions) {
    this.model = new ServerModel(organization, token, directory, options);
    this.serviceHooks = new ServiceHookDeliveries(this.model, options.deliveryTimeoutMs ?? 20_000);
    this.actions = new UserActions(this.model, this.serviceHooks);
    // Registration order is match order, kept as the service's location list: discovery, core, hooks, git.
    const router = new Router(options.server?.apiVersion);
    registerLocationRoutes(router, this.model);
    registerProjectAndServiceHookRoutes(router, this.model);
    registerTeamRoutes(router, this.model);
    registerGitRoutes(router, this.model);
    registerThreadRoutes(router, this.model, this.serviceHooks);
    registerStatusRoutes(router, this.model);
    registerPropertyRoutes(router, this.model);
    registerPolicyRoutes(router, this.model);
    this.workItems = new WorkItems(this.model);
    this.workItems.register(router);
    this.front = new HttpFront(this.model, router, {
      model: this.model,
      actions: this.actions,
      deliveries: this.serviceHooks,
    });
    this.http = http.createServer((request, response) => void this.front.serve(request, response));
  }

  get orgUrl(): string {
    return this.model.orgUrl;
  }
  get organization(): string {
    return this.model.organization;
  }
  rotateToken(token: string): void {
    this.model.token = token;
  }
  get token(): string {
    return this.model.token;
  }
  get botIdentity(): Json & { id: string; displayName: string } {
    return identityJson(this.model, this.model.bot) as Json & { id: string; displayName: string };
  }
  get defaultUser(): TestUser {
    return this.model.defaultUser;
  }
  get writes(): WriteRecord[] {
    return this.model.writes;
  }
  get deliveries(): DeliveryRecord[] {
    return this.serviceHooks.records;
  }
  get authorizations(): string[] {
    return this.model.authorizations;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
    this.model.orgUrl = `http://127.0.0.1:${this.port}/${this.model.organization}`;
  }

  async close(): Promise<void> {
    await Promise.race([this.settled(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await Promise.all([...this.model.repositories.values()].map((repository) => repository.git.close()));
    await rm(this.model.directory, { recursive: true, force: true });
  }

  createProject(name: string): Json & { id: string; name: string } {
    return this.actions.createProject(name);
  }
  createTeam(request: CreateTeamRequest): Json & { id: string; name: string } {
    return this.actions.createTeam(request);
  }
  createRepository(request: CreateRepositoryRequest): Promise<Json & { id: string; name: string }> {
    return this.actions.createRepository(request);
  }
  push(request: PushRequest): Promise<string> {
    return this.actions.push(request);
  }
  createPullRequest(request: CreatePullRequestRequest): Promise<Json & { pullRequestId: number }> {
    return this.actions.createPullRequest(request);
  }
  vote(request: VoteRequest): Promise<Json> {
    return this.actions.vote(request);
  }
  addComment(request: AddCommentRequest): Promise<{ thread: Json; comment: Json }> {
    return this.actions.addComment(request);
  }
  editComment(request: EditCommentRequest): Promise<Json> {
    return this.actions.editComment(request);
  }
  completePullRequest(request: ClosePullRequestRequest): Promise<Json> {
    return this.actions.completePullRequest(request);
  }
  setThreadStatus(request: SetThreadStatusRequest): Json {
    return this.actions.setThreadStatus(request);
  }
  createWorkItem(request: CreateWorkItemRequest): Json & { id: number } {
    return this.workItems.create(request);
  }
  linkWorkItem(request: LinkWorkItemRequest): void {
    this.workItems.link(request);
  }
  abandonPullRequest(request: ClosePullRequestRequest): Promise<Json> {
    return this.actions.abandonPullRequest(request);
  }
  publishPullRequest(request: ClosePullRequestRequest): Promise<Json> {
    return this.actions.publishPullRequest(request);
  }
  dropRequests(matches: (method: string, path: string) => boolean, times?: number): void {
    this.front.dropRequests(matches, times);
  }
  get faults(): FaultInjection {
    return this.front.faults;
  }

  setSubscriber(subscriber: Subscriber | null): void {
    this.serviceHooks.setSubscriber(subscriber);
  }
  buildDelivery(
    eventType: ServiceHookEventType,
    pullRequestId: number,
    options?: BuildDeliveryOptions,
  ): Json {
    return this.serviceHooks.buildDelivery(eventType, pullRequestId, options);
  }
  deliver(
    eventType: ServiceHookEventType,
    pullRequestId: number,
    options?: BuildDeliveryOptions,
  ): Promise<DeliveryRecord> {
    return this.serviceHooks.deliver(eventType, pullRequestId, options);
  }
  sendDelivery(payload: Json): Promise<DeliveryRecord> {
    return this.serviceHooks.sendDelivery(payload);
  }
  settled(): Promise<void> {
    return this.serviceHooks.settled();
  }

  pullRequest(pullRequestId: number): Json {
    return pullRequestJson(this.model, this.model.pullRequestById(pullRequestId));
  }
  serviceHookSubscriptions(): Json[] {
    return serviceHookSubscriptions(this.model);
  }
  threads(repositoryId: string, pullRequestId: number): Json[] {
    const pr = this.model.pullRequestInRepository(repositoryId, pullRequestId);
    return pr.threads.map((thread) => threadJson(this.model, pr, thread));
  }
  statuses(repositoryId: string, pullRequestId: number): Json[] {
    const pr = this.model.pullRequestInRepository(repositoryId, pullRequestId);
    return pr.statuses.map((status) => statusJson(this.model, pr, status));
  }
}

export async function startAzureDevOpsServer(
  options: AzureDevOpsServerOptions = {},
): Promise<AzureDevOpsTestServer> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ado-test-server-'));
  const server = new AzureDevOpsServer(
    options.organization ?? 'testorg',
    options.token ?? `test-pat-${randomUUID()}`,
    directory,
    options,
  );
  await server.listen();
  return server;
}
