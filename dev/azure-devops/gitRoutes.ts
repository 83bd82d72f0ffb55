/**
 * Git handlers: repositories, pull requests, their iterations, iteration commits and changes (diffs between
 * iterations via $compareTo), and items (file contents and trees at a branch, tag or commit).
 */
import path from 'node:path';
import { badRequest, notFound } from './errors';
import type { CommitInfo } from './gitRepository';
import { assignTrackingIds } from './iterations';
import {
  branchRef,
  toAzurePath,
  type IterationState,
  type PullRequestState,
  type RepositoryState,
  type ServerModel,
} from './model';
import type { Json } from './publicTypes';
import { parseEnum } from './requestInput';
import { gitLocation, ITERATION_PATH, type RequestContext, type Reply, type Router } from './routing';
import {
  changeEntryJson,
  commitJson,
  iterationJson,
  pullRequestJson,
  repositoryJson,
  repositoryUrl,
} from './serialisers';

const PULL_REQUEST_STATUSES = ['notSet', 'active', 'abandoned', 'completed', 'all'];
const VERSION_TYPES = ['branch', 'tag', 'commit'];

function getRepositories(model: ServerModel, context: RequestContext): Reply {
  if (context.params.repositoryId)
    return {
      json: repositoryJson(model, model.findRepository(context.params.repositoryId, context.params.project)),
    };
  const project = model.findProject(context.params.project);
  const value = [...model.repositories.values()]
    .filter((repository) => project === undefined || repository.project === project)
    .map((repository) => repositoryJson(model, repository));
  return { json: { count: value.length, value } };
}

async function getPullRequests(model: ServerModel, context: RequestContext): Promise<Reply> {
  if (context.params.pullRequestId) {
    const pr = model.findPullRequest(context.params);
    const json = pullRequestJson(model, pr);
    if (context.query.get('includecommits') === 'true') {
      const latest = pr.iterations[pr.iterations.length - 1];
      const commits = await pr.repository.git.commits(latest.sourceCommit, latest.commonCommit);
      json.commits = commits.map((commit) => commitJson(model, pr.repository, commit));
    }
    return { json };
  }
  const repository = context.params.repositoryId
    ? model.findRepository(context.params.repositoryId, context.params.project)
    : undefined;
  const project = model.findProject(context.params.project);
  const status = parseEnum(
    context.query.get('searchcriteria.status') ?? 'active',
    PULL_REQUEST_STATUSES,
    'searchCriteria.status',
  );
  const numeric = (name: string) => {
    const raw = context.query.get(name);
    return raw === undefined ? undefined : Number(raw);
  };
  const source = context.query.get('searchcriteria.sourcerefname');
  const target = context.query.get('searchcriteria.targetrefname');
  const skip = numeric('$skip') ?? 0;
  const top = numeric('$top') ?? 101;
  const value = [...model.pullRequests.values()]
    .filter(
      (pr) =>
        (repository === undefined || pr.repository === repository) &&
        (project === undefined || pr.repository.project === project) &&
        (status === 'all' || pr.status === status) &&
        (source === undefined || pr.sourceRefName === source) &&
        (target === undefined || pr.targetRefName === target),
    )
    .sort((a, b) => b.id - a.id)
    .slice(skip, skip + top)
    .map((pr) => pullRequestJson(model, pr));
  return { json: { count: value.length, value } };
}

async function getIterations(model: ServerModel, context: RequestContext): Promise<Reply> {
  const pr = model.findPullRequest(context.params);
  if (context.params.iterationId)
    return { json: iterationJson(model, pr, model.findIteration(pr, context.params.iterationId)) };
  const includeCommits = context.query.get('includecommits') === 'true';
  const value = await Promise.all(
    pr.iterations.map(async (iteration) => ({
      ...iterationJson(model, pr, iteration),
      ...(includeCommits && {
        commits: (await iterationCommits(pr, iteration)).map((c) => commitJson(model, pr.repository, c)),
      }),
    })),
  );
  return { json: { count: value.length, value } };
}

function iterationCommits(pr: PullRequestState, iteration: IterationState): Promise<CommitInfo[]> {
  const previous = pr.iterations[iteration.id - 2];
  return pr.repository.git.commits(iteration.sourceCommit, previous?.sourceCommit ?? iteration.commonCommit);
}

async function getIterationCommits(model: ServerModel, context: RequestContext): Promise<Reply> {
  const pr = model.findPullRequest(context.params);
  const iteration = model.findIteration(pr, context.params.iterationId);
  const skip = Number(context.query.get('skip') ?? 0);
  const top = Number(context.query.get('top') ?? 100);
  const value = (await iterationCommits(pr, iteration))
    .slice(skip, skip + top)
    .map((commit) => commitJson(model, pr.repository, commit));
  return { json: { count: value.length, value } };
}

async function getIterationChanges(model: ServerModel, context: RequestContext): Promise<Reply> {
  const pr = model.findPullRequest(context.params);
  const iteration = model.findIteration(pr, context.params.iterationId);
  const queryInteger = (name: string, fallback: number) => {
    const raw = context.query.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw badRequest(`${name} must be a non-negative whole number.`);
    return value;
  };
  const top = Math.min(queryInteger('$top', 100) || 100, 2000);
  const skip = queryInteger('$skip', 0);
  const compareTo = queryInteger('$compareto', 0);
  const changes =
    compareTo === 0
      ? iteration.changes
      : assignTrackingIds(
          pr,
          await pr.repository.git.diff(
            model.findIteration(pr, compareTo).sourceCommit,
            iteration.sourceCommit,
          ),
        );
  const page = changes
    .slice(skip, skip + top)
    .map((change, index) => changeEntryJson(change, skip + index + 1));
  const more = skip + top < changes.length;
  return { json: { changeEntries: page, ...(more && { nextSkip: skip + top, nextTop: top }) } };
}

async function resolveVersion(repository: RepositoryState, query: Map<string, string>): Promise<string> {
  const versionType = parseEnum(
    query.get('versiondescriptor.versiontype') ?? 'branch',
    VERSION_TYPES,
    'versionDescriptor.versionType',
  );
  const version =
    query.get('versiondescriptor.version') ?? (versionType === 'branch' ? repository.defaultBranch : '');
  const commitId =
    versionType === 'commit'
      ? await repository.git.resolveCommit(version)
      : await repository.git.resolveRef(versionType === 'tag' ? `refs/tags/${version}` : branchRef(version));
  if (!commitId)
    throw notFound(
      'GitUnresolvableToCommitException',
      `TF401175:The version descriptor <${versionType[0].toUpperCase()}${versionType.slice(1)}: ${version}> could not be resolved to a version in the repository ${repository.name}`,
    );
  return commitId;
}

async function getItems(model: ServerModel, context: RequestContext): Promise<Reply> {
  const repository = model.findRepository(context.params.repositoryId ?? '', context.params.project);
  const itemPath = context.query.get('path') ?? context.query.get('scopepath') ?? context.params.path ?? '/';
  const commitId = await resolveVersion(repository, context.query);
  const entry = await repository.git.entry(commitId, itemPath);
  if (!entry)
    throw notFound(
      'GitItemNotFoundException',
      `TF401174: The item '${itemPath}' could not be found in the repository '${repository.name}' at the version specified by '<Commit: ${commitId}>' (resolved to commit '${commitId}').`,
    );
  const itemJson = (entryPath: string, type: string, objectId: string): Json => ({
    objectId,
    gitObjectType: type,
    commitId,
    path: toAzurePath(entryPath),
    ...(type === 'tree' && { isFolder: true }),
    url: `${repositoryUrl(model, repository)}/items/${encodeURI(entryPath)}?versionType=Commit&version=${commitId}`,
  });
  const format = (context.query.get('$format') ?? '').toLowerCase();
  const accept = context.accept.toLowerCase();
  const wantsJson =
    format === 'json' || (format === '' && (accept === '' || accept.includes('application/json')));
  const recursion = (context.query.get('recursionlevel') ?? 'none').toLowerCase();
  if (entry.type === 'tree' && recursion !== 'none' && recursion !== '0') {
    const children = await repository.git.listTree(
      commitId,
      entry.path,
      recursion === 'full' || recursion === '120',
    );
    const value = [
      itemJson(entry.path, 'tree', entry.objectId),
      ...children.map((child) => itemJson(child.path, child.type, child.objectId)),
    ];
    return { json: { count: value.length, value } };
  }
  if (wantsJson) {
    const json = itemJson(entry.path, entry.type, entry.objectId);
    if (entry.type === 'blob' && context.query.get('includecontent') === 'true')
      json.content = (await repository.git.readBlob(entry.objectId)).toString('utf8');
    return { json };
  }
  if (entry.type !== 'blob')
    throw badRequest(`The item '${itemPath}' is a folder; request it as JSON or zip.`);
  const download = context.query.get('download') === 'true';
  return {
    bytes: await repository.git.readBlob(entry.objectId),
    contentType:
      format === 'text' || accept.includes('text/plain') ? 'text/plain' : 'application/octet-stream',
    headers: download
      ? { 'Content-Disposition': `attachment; filename="${path.posix.basename(entry.path)}"` }
      : {},
  };
}

export function registerGitRoutes(router: Router, model: ServerModel): void {
  router.register(
    gitLocation(
      '225f7195-f9c7-4d14-ab28-a83f7ff77e1f',
      'repositories',
      '{project}/_apis/{area}/{resource}/{repositoryId}',
      2,
      {
        GET: (context) => getRepositories(model, context),
      },
    ),
    gitLocation(
      '01a46dea-7d46-4d40-bc84-319e7c260d99',
      'pullRequests',
      '{project}/_apis/{area}/{resource}/{pullRequestId}',
      2,
      {
        GET: (context) => getPullRequests(model, context),
      },
    ),
    gitLocation(
      '9946fd70-0d40-406e-b686-b4744cbbcc37',
      'pullRequests',
      '{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{pullRequestId}',
      2,
      { GET: (context) => getPullRequests(model, context) },
    ),
    gitLocation('d43911ee-6958-46b0-a42b-8445b8a0d004', 'pullRequestIterations', ITERATION_PATH, 2, {
      GET: (context) => getIterations(model, context),
    }),
    gitLocation(
      '4216bdcf-b6b1-4d59-8b82-c34cc183fc8b',
      'pullRequestIterationChanges',
      `${ITERATION_PATH}/changes`,
      1,
      {
        GET: (context) => getIterationChanges(model, context),
      },
    ),
    gitLocation(
      'e7ea0883-095f-4926-b5fb-f24691c26fb9',
      'pullRequestIterationCommits',
      `${ITERATION_PATH}/commits`,
      1,
      {
        GET: (context) => getIterationCommits(model, context),
      },
    ),
    gitLocation(
      'fb93c0db-47ed-4a31-8c20-47552878fb44',
      'items',
      '{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{*path}',
      1,
      { GET: (context) => getItems(model, context) },
    ),
  );
}
