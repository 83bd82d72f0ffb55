import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { parseArgs, promisify } from 'node:util';
import { z } from 'zod';
import type { ServiceHookEvent } from '../events/serviceHookEvent';

/**
 * `ado-reviewer setup-hooks` / `remove-hooks`: creates, updates or deletes the three Web Hooks subscriptions
 * (Service Hooks REST API 7.1) that send pull-request events to the app's `/azure_webhooks` endpoint.
 *
 * Plain fetch rather than azure-devops-node-api: the library has no Service Hooks client, and its CoreApi drops
 * the projects list's continuation token, so it would save nothing here.
 *
 * Which subscriptions are ours: publisher tfs, consumer webHooks/httpRequest, one of our event types, our project,
 * and a consumer url whose path ends in `/azure_webhooks` on the host of `--url` — or on another host if it carries
 * our marker header (so a moved app is updated, not duplicated). The marker's value is an scrypt fingerprint of
 * the webhook password: Azure DevOps never returns the password, and the fingerprint tells a later run whether it
 * changed without storing the password itself.
 */

type Io = { env: NodeJS.ProcessEnv; out: NodeJS.WritableStream; err: NodeJS.WritableStream };
type Command = 'setup-hooks' | 'remove-hooks';
type EventType = ServiceHookEvent['eventType'];

const API_VERSION = '7.1';
const WEBHOOK_PATH = 'azure_webhooks';
const MARKER_HEADER = 'X-Ado-Reviewer-Hook';
const REQUEST_TIMEOUT_MS = 60_000;

/** Publisher inputs besides projectId. `updated` also fires for votes, reviewers and status: only pushes matter. */
const EVENT_FILTERS: Record<EventType, Record<string, string>> = {
  'git.pullrequest.created': {},
  'git.pullrequest.updated': { notificationType: 'PushNotification' },
  'ms.vss-code.git-pullrequest-comment-event': {},
};
const EVENT_TYPES = Object.keys(EVENT_FILTERS) as EventType[];

/** The app reads the resource, never the (localized) message texts. */
const DELIVERY_OPTIONS: Record<string, string> = {
  resourceDetailsToSend: 'all',
  messagesToSend: 'none',
  detailedMessagesToSend: 'none',
};

const USAGE = {
  'setup-hooks':
    'usage: ado-reviewer setup-hooks --org <org URL> (--project <name>... | --all-projects) --url <app URL>\n' +
    '                                [--username <name>] [--dry-run]\n' +
    '  Creates or updates the service-hook subscriptions (pull request created, source branch updated, comment)\n' +
    '  that deliver to <app URL>/azure_webhooks with HTTP basic auth.\n' +
    '  Environment: AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN) of a project administrator, with the scopes\n' +
    '  vso.project (Project and Team: Read) and vso.hooks_write (Service Hooks: Read and write);\n' +
    '  WEBHOOK_USERNAME (or --username) and WEBHOOK_PASSWORD, as the app is configured with.\n',
  'remove-hooks':
    'usage: ado-reviewer remove-hooks --org <org URL> (--project <name>... | --all-projects) --url <app URL>\n' +
    '                                 [--dry-run]\n' +
    '  Deletes the subscriptions setup-hooks made; other subscriptions are left alone.\n' +
    '  Environment: AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN).\n',
};

export function runSetupHooksCommand(args: string[], io: Io): Promise<number> {
  return runHooksCommand('setup-hooks', args, io);
}

export function runRemoveHooksCommand(args: string[], io: Io): Promise<number> {
  return runHooksCommand('remove-hooks', args, io);
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments and environment
// ---------------------------------------------------------------------------------------------------------------

const isLoopback = (hostname: string) =>
  hostname === 'localhost' || /^127\./.test(hostname) || hostname === '[::1]';

/** The PAT and the webhook password travel in these requests: https only, except to this machine (tests). */
const serviceUrl = z
  .string({ error: 'is required' })
  .trim()
  .refine((value) => URL.canParse(value), 'must be an absolute URL')
  .transform((value) => new URL(value))
  .refine(
    (url) => url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname)),
    'must be an https URL',
  )
  .refine(
    (url) => url.search === '' && url.hash === '' && url.username === '',
    'must have no query or credentials',
  )
  .transform((url) => url.href.replace(/\/+$/, ''));

const optionsSchema = z
  .object({
    org: serviceUrl,
    project: z.array(z.string().trim().min(1, 'must not be empty')).default([]),
    'all-projects': z.boolean().default(false),
    url: serviceUrl,
    username: z.string().trim().min(1, 'must not be empty').optional(),
    'dry-run': z.boolean().default(false),
  })
  .refine((options) => Boolean(options.project.length) !== options['all-projects'], {
    message: 'give either --project <name> (repeatable) or --all-projects',
  });

/** Blank counts as unset, and values are trimmed as the app's own configuration trims them. */
const setting = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const environmentSchema = z.object({
  AZURE_DEVOPS_PAT: setting,
  AZURE_DEVOPS_BOT_TOKEN: setting,
  WEBHOOK_USERNAME: setting,
  WEBHOOK_PASSWORD: setting,
});

interface Invocation {
  orgUrl: string;
  /** Project names, or every project of the organization. */
  projects: string[] | 'all';
  webhookUrl: URL;
  dryRun: boolean;
  token: string;
  /** Only for setup-hooks. */
  credentials?: { username: string; password: string };
}

type Parsed = { help: true } | { invocation: Invocation } | { problems: string[] };

function parseFlags(command: Command, args: string[]): Record<string, unknown> {
  return parseArgs({
    args,
    strict: true,
    options: {
      org: { type: 'string' },
      project: { type: 'string', multiple: true },
      'all-projects': { type: 'boolean' },
      url: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...(command === 'setup-hooks' && { username: { type: 'string' } }),
    },
  }).values;
}

const describeIssue = (prefix: string) => (issue: z.core.$ZodIssue) =>
  issue.path.length === 0 ? issue.message : `${prefix}${issue.path.join('.')}: ${issue.message}`;

function parseInvocation(command: Command, args: string[], env: NodeJS.ProcessEnv): Parsed {
  let flags: Record<string, unknown>;
  try {
    flags = parseFlags(command, args);
  } catch (error) {
    return { problems: [error instanceof Error ? error.message : String(error)] };
  }
  if (flags.help) return { help: true };
  const options = optionsSchema.safeParse(flags);
  const environment = environmentSchema.safeParse(env);
  const problems = [
    ...(options.error?.issues.map(describeIssue('--')) ?? []),
    ...(environment.error?.issues.map(describeIssue('')) ?? []),
  ];
  const token = environment.data?.AZURE_DEVOPS_PAT ?? environment.data?.AZURE_DEVOPS_BOT_TOKEN;
  if (environment.success && token === undefined)
    problems.push('AZURE_DEVOPS_PAT (or AZURE_DEVOPS_BOT_TOKEN): is required');
  let credentials: Invocation['credentials'];
  if (command === 'setup-hooks' && environment.success) {
    const username = options.data?.username ?? environment.data.WEBHOOK_USERNAME;
    const password = environment.data.WEBHOOK_PASSWORD;
    if (username === undefined) problems.push('WEBHOOK_USERNAME (or --username): is required');
    // Only from the environment: a flag would leave the password in shell history and process listings.
    if (password === undefined) problems.push('WEBHOOK_PASSWORD: is required');
    if (username !== undefined && password !== undefined) credentials = { username, password };
  }
  if (!options.success || token === undefined || problems.length > 0) return { problems };
  const { org, project, url } = options.data;
  return {
    invocation: {
      orgUrl: org,
      projects: options.data['all-projects'] ? 'all' : [...new Set(project)],
      // Accept the endpoint itself as well as the app's base URL.
      webhookUrl: new URL(
        lastSegment(new URL(url).pathname) === WEBHOOK_PATH ? url : `${url}/${WEBHOOK_PATH}`,
      ),
      dryRun: options.data['dry-run'],
      token,
      credentials,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------------------------

/** Exit 2: the invocation names something that does not exist. */
class UsageError extends Error {}

/**
 * Every call goes to a path under the organization URL, so the PAT is sent nowhere else; redirects are not
 * followed for the same reason (Azure DevOps answers a rejected PAT with a redirect to its sign-in page).
 */
class AzureDevOpsRest {
  private readonly authorization: string;

  constructor(
    private readonly orgUrl: string,
    token: string,
  ) {
    this.authorization = `Basic ${Buffer.from(`:${token}`).toString('base64')}`;
  }

  async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown } = {},
  ): Promise<{ json: unknown; headers: Headers }> {
    const url = new URL(`${this.orgUrl}/${path}`);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, value);
    url.searchParams.set('api-version', API_VERSION);
    const what = `${method} ${url.pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        redirect: 'manual',
        headers: {
          Authorization: this.authorization,
          Accept: 'application/json',
          ...(options.body !== undefined && { 'Content-Type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      throw new Error(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    const text = await response.text();
    if (
      response.status === 401 ||
      response.status === 203 ||
      (response.status >= 300 && response.status < 400)
    )
      throw new Error(
        `${what}: the PAT was not accepted (HTTP ${response.status}); check AZURE_DEVOPS_PAT and --org`,
      );
    if (!response.ok) throw new Error(`${what}: HTTP ${response.status}: ${serviceMessage(text)}`);
    if (text === '') return { json: undefined, headers: response.headers };
    try {
      return { json: JSON.parse(text), headers: response.headers };
    } catch {
      throw new Error(`${what}: the answer is not JSON; is --org an Azure DevOps organization URL?`);
    }
  }
}

function serviceMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not an Azure DevOps error body: show the start of whatever it is.
  }
  return text.slice(0, 200);
}

const projectPage = z.object({ value: z.array(z.object({ id: z.string(), name: z.string() })) });
type Project = z.infer<typeof projectPage>['value'][number];

const inputs = z
  .record(z.string(), z.string())
  .nullish()
  .transform((value) => value ?? {});
const subscriptionSchema = z.object({
  id: z.string(),
  status: z.string().optional(),
  publisherId: z.string(),
  eventType: z.string(),
  consumerId: z.string(),
  consumerActionId: z.string(),
  publisherInputs: inputs,
  consumerInputs: inputs,
});
type Subscription = z.infer<typeof subscriptionSchema>;

async function listProjects(rest: AzureDevOpsRest): Promise<Project[]> {
  const projects: Project[] = [];
  let continuationToken: string | undefined;
  do {
    const { json, headers } = await rest.call('GET', '_apis/projects', { query: { continuationToken } });
    projects.push(...projectPage.parse(json).value);
    continuationToken = headers.get('x-ms-continuationtoken') ?? undefined;
  } while (continuationToken);
  return projects;
}

function selectProjects(all: Project[], wanted: string[] | 'all', orgUrl: string): Project[] {
  if (wanted === 'all') return all;
  return wanted.map((name) => {
    const project = all.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    if (!project) throw new UsageError(`project "${name}" not found in ${orgUrl} (or the PAT cannot see it)`);
    return project;
  });
}

async function listWebHookSubscriptions(rest: AzureDevOpsRest): Promise<Subscription[]> {
  const { json } = await rest.call('GET', '_apis/hooks/subscriptions', {
    query: { publisherId: 'tfs', consumerId: 'webHooks', consumerActionId: 'httpRequest' },
  });
  return z.object({ value: z.array(subscriptionSchema) }).parse(json).value;
}

const subscriptionPath = (id: string) => `_apis/hooks/subscriptions/${encodeURIComponent(id)}`;

// ---------------------------------------------------------------------------------------------------------------
// Which subscriptions are ours, and whether they are up to date
// ---------------------------------------------------------------------------------------------------------------

function lastSegment(pathname: string): string {
  return pathname.replace(/\/+$/, '').split('/').pop() ?? '';
}

/** The value of our marker in the `httpHeaders` input ("Name:Value" lines), or undefined when absent. */
function markerOf(subscription: Subscription): string | undefined {
  for (const line of (subscription.consumerInputs.httpHeaders ?? '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === MARKER_HEADER.toLowerCase())
      return line.slice(colon + 1).trim();
  }
  return undefined;
}

function isOurs(subscription: Subscription, project: Project, webhookUrl: URL): boolean {
  const url = subscription.consumerInputs.url;
  if (
    subscription.publisherId !== 'tfs' ||
    subscription.consumerId !== 'webHooks' ||
    subscription.consumerActionId !== 'httpRequest' ||
    !(EVENT_TYPES as string[]).includes(subscription.eventType) ||
    subscription.publisherInputs.projectId?.toLowerCase() !== project.id.toLowerCase() ||
    url === undefined ||
    !URL.canParse(url)
  )
    return false;
  const target = new URL(url);
  return (
    lastSegment(target.pathname) === WEBHOOK_PATH &&
    (target.host === webhookUrl.host || markerOf(subscription) !== undefined)
  );
}

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;
const FINGERPRINT = /^v1 ([A-Za-z0-9_-]{22}) ([A-Za-z0-9_-]{43})$/;

/**
 * `v1 <salt> <scrypt(password, salt)>`, base64url. Anyone who can read the subscription can already redirect it,
 * but scrypt keeps the fingerprint from being a cheap way to guess the password. One salt per run, so checking
 * every subscription a run wrote costs one derivation.
 */
class PasswordFingerprints {
  private readonly derived = new Map<string, Promise<Buffer>>();
  private readonly salt = randomBytes(16).toString('base64url');

  constructor(private readonly password: string) {}

  private derive(salt: string): Promise<Buffer> {
    let key = this.derived.get(salt);
    if (!key) this.derived.set(salt, (key = scryptAsync(this.password, Buffer.from(salt, 'base64url'), 32)));
    return key;
  }

  async current(): Promise<string> {
    return `v1 ${this.salt} ${(await this.derive(this.salt)).toString('base64url')}`;
  }

  async matches(fingerprint: string | undefined): Promise<boolean> {
    const parsed = FINGERPRINT.exec(fingerprint ?? '');
    if (!parsed) return false;
    return timingSafeEqual(await this.derive(parsed[1]), Buffer.from(parsed[2], 'base64url'));
  }
}

/** The descriptor lists '' for "All"; we send 'all', and either means the same. */
const sameChoice = (actual: string | undefined, wanted: string) => (actual || 'all') === wanted;

async function isUpToDate(
  subscription: Subscription,
  eventType: EventType,
  webhookUrl: URL,
  username: string,
  fingerprints: PasswordFingerprints,
): Promise<boolean> {
  const consumer = subscription.consumerInputs;
  return (
    Object.entries(EVENT_FILTERS[eventType]).every(
      ([input, value]) => subscription.publisherInputs[input] === value,
    ) &&
    Object.entries(DELIVERY_OPTIONS).every(([input, value]) => sameChoice(consumer[input], value)) &&
    consumer.url === webhookUrl.href &&
    consumer.basicAuthUsername === username &&
    (await fingerprints.matches(markerOf(subscription)))
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Plan and apply
// ---------------------------------------------------------------------------------------------------------------

type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted';
const DRY_RUN_WORDING: Record<Outcome, string> = {
  created: 'would create',
  updated: 'would update',
  unchanged: 'unchanged',
  deleted: 'would delete',
};

interface Change {
  outcome: Outcome;
  eventType: string;
  project: Project;
  write?: (rest: AzureDevOpsRest) => Promise<unknown>;
}

const deletion = (subscription: Subscription, project: Project): Change => ({
  outcome: 'deleted',
  eventType: subscription.eventType,
  project,
  write: (rest) => rest.call('DELETE', subscriptionPath(subscription.id)),
});

async function planSetup(
  webhookUrl: URL,
  credentials: { username: string; password: string },
  projects: Project[],
  subscriptions: Subscription[],
  warn: (message: string) => void,
): Promise<Change[]> {
  const fingerprints = new PasswordFingerprints(credentials.password);
  const body = async (eventType: EventType, project: Project) => ({
    publisherId: 'tfs',
    eventType,
    consumerId: 'webHooks',
    consumerActionId: 'httpRequest',
    publisherInputs: { projectId: project.id, ...EVENT_FILTERS[eventType] },
    consumerInputs: {
      url: webhookUrl.href,
      basicAuthUsername: credentials.username,
      basicAuthPassword: credentials.password,
      ...DELIVERY_OPTIONS,
      httpHeaders: `${MARKER_HEADER}:${await fingerprints.current()}`,
    },
  });
  const changes: Change[] = [];
  for (const project of projects) {
    for (const eventType of EVENT_TYPES) {
      // One is kept, preferably one already pointing at the app: copies would deliver every event twice.
      const pointsAtApp = (subscription: Subscription) => subscription.consumerInputs.url === webhookUrl.href;
      const [kept, ...copies] = subscriptions
        .filter(
          (subscription) => subscription.eventType === eventType && isOurs(subscription, project, webhookUrl),
        )
        .sort((a, b) => Number(pointsAtApp(b)) - Number(pointsAtApp(a)));
      if (!kept) {
        const created = await body(eventType, project);
        changes.push({
          outcome: 'created',
          eventType,
          project,
          write: (rest) => rest.call('POST', '_apis/hooks/subscriptions', { body: created }),
        });
      } else if (await isUpToDate(kept, eventType, webhookUrl, credentials.username, fingerprints)) {
        changes.push({ outcome: 'unchanged', eventType, project });
      } else {
        const replaced = await body(eventType, project);
        changes.push({
          outcome: 'updated',
          eventType,
          project,
          write: (rest) => rest.call('PUT', subscriptionPath(kept.id), { body: replaced }),
        });
      }
      if (kept?.status !== undefined && !['enabled', 'onProbation'].includes(kept.status))
        warn(
          `${eventType} ${project.name} is ${kept.status}: re-enable it in Project settings > Service hooks`,
        );
      changes.push(...copies.map((copy) => deletion(copy, project)));
    }
  }
  return changes;
}

function planRemoval(webhookUrl: URL, projects: Project[], subscriptions: Subscription[]): Change[] {
  return projects.flatMap((project) =>
    EVENT_TYPES.flatMap((eventType) =>
      subscriptions
        .filter(
          (subscription) => subscription.eventType === eventType && isOurs(subscription, project, webhookUrl),
        )
        .map((subscription) => deletion(subscription, project)),
    ),
  );
}

async function runHooksCommand(command: Command, args: string[], io: Io): Promise<number> {
  const parsed = parseInvocation(command, args, io.env);
  if ('help' in parsed) {
    io.out.write(USAGE[command]);
    return 0;
  }
  if ('problems' in parsed) {
    io.err.write(
      `${parsed.problems.map((problem) => `ado-reviewer ${command}: ${problem}\n`).join('')}${USAGE[command]}`,
    );
    return 2;
  }
  const { invocation } = parsed;
  // Nothing here prints a secret; this also keeps one out of an error message that echoes a request.
  const secrets = [invocation.token, invocation.credentials?.password].filter(
    (secret): secret is string => !!secret,
  );
  const write = (stream: NodeJS.WritableStream, text: string) =>
    stream.write(secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text));
  try {
    const rest = new AzureDevOpsRest(invocation.orgUrl, invocation.token);
    const projects = selectProjects(await listProjects(rest), invocation.projects, invocation.orgUrl);
    const subscriptions = await listWebHookSubscriptions(rest);
    const warn = (message: string) => write(io.err, `ado-reviewer ${command}: warning: ${message}\n`);
    const { webhookUrl, credentials } = invocation;
    const changes = credentials
      ? await planSetup(webhookUrl, credentials, projects, subscriptions, warn)
      : planRemoval(webhookUrl, projects, subscriptions);
    for (const change of changes) {
      if (!invocation.dryRun) await change.write?.(rest);
      const outcome = invocation.dryRun ? DRY_RUN_WORDING[change.outcome] : change.outcome;
      write(io.out, `${outcome} ${change.eventType} ${change.project.name}\n`);
    }
    if (projects.length === 0) write(io.err, `ado-reviewer ${command}: the organization has no projects\n`);
    else if (changes.length === 0)
      write(io.err, `ado-reviewer ${command}: no ado-reviewer subscriptions found\n`);
    return 0;
  } catch (error) {
    const message =
      error instanceof z.ZodError
        ? `Azure DevOps answered in an unexpected shape:\n${z.prettifyError(error)}`
        : error instanceof Error
          ? error.message
          : String(error);
    write(io.err, `ado-reviewer ${command}: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
