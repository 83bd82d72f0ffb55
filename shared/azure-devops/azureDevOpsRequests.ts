/**
 * The one way the app calls Azure DevOps: every call runs through `AzureDevOpsRequests.run`, which gives each
 * attempt a timeout and a place under the organization's concurrency limit, slows down as the rate limit nears,
 * and retries what is safe to retry — reads and idempotent writes, on 429, 5xx, network errors and timeouts —
 * with exponential backoff and jitter, honouring `Retry-After`, within the caller's deadline.
 *
 * The library's HTTP clients are watched (`watchResponses`) so that every answer is seen with its real status and
 * headers: the library turns some into errors without their headers and resolves others (a 203 sign-in page, the
 * raw stream of a file read) as if they had succeeded.
 */
import type http from 'node:http';
import type { IGitApi } from 'azure-devops-node-api/GitApi';
import type { IRequestHandler } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import type { AzureDevOpsCredential } from './azureDevOpsCredential';
import { ConcurrencyLimit } from '../concurrency/concurrencyLimit';

/**
 * How a call may be repeated. `read`: always safe. `idempotentWrite`: repeating it leaves the same state (a status
 * supersedes the previous one; a comment's content or a thread's properties are set, not appended). `once`: a
 * repeat could duplicate it (a new thread or reply) — never retried here; the review's fingerprints and the
 * mention's reply check make a redelivered job post only what is missing.
 */
export type RetryRule = 'read' | 'idempotentWrite' | 'once';

export interface RequestPolicyOptions {
  /** Milliseconds one attempt may take, answer included (default 30 s). Also the library's socket timeout. */
  requestTimeoutMs?: number;
  /** Attempts per call, the first included (default 6). */
  maxAttempts?: number;
  /** Requests in flight per organization, shared by every platform in the process (default 8). */
  concurrency?: number;
  /** Epoch milliseconds after which no attempt starts and no wait is begun that would end past it. */
  deadline?: number;
  /** The first backoff (default 500 ms); it doubles per attempt up to `maxDelayMs` (default 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** Azure DevOps answered with a status the call cannot use; `transient` ones (429, 5xx) may succeed later. */
export class AzureDevOpsHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly operation: string,
    readonly retryAfterMs: number | undefined,
    serverMessage: string | undefined,
  ) {
    super(`Azure DevOps answered ${statusCode} to ${operation}${serverMessage ? `: ${serverMessage}` : ''}`);
    this.name = 'AzureDevOpsHttpError';
  }

  get transient(): boolean {
    return isTransientStatus(this.statusCode);
  }
}

/** An HTML page where the API answers JSON or bytes: a sign-in page (203) or a proxy's. Never retried. */
export class UnexpectedAnswerError extends Error {
  constructor(operation: string, statusCode: number, contentType: string) {
    super(
      `Azure DevOps answered ${statusCode} with ${contentType || 'no content type'} to ${operation}, not the API's ` +
        'answer: a sign-in page means the token was not accepted (expired, revoked or missing a scope)',
    );
    this.name = 'UnexpectedAnswerError';
  }
}

export class RequestTimeoutError extends Error {
  constructor(operation: string, timeoutMs: number) {
    super(`Azure DevOps did not answer ${operation} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

const isTransientStatus = (status: number) => status === 429 || (status >= 500 && status !== 501);

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** `Retry-After` is either seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const header = (headers: http.IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Below this share of the rate limit left, requests are spread over the time until it resets. */
const SLOW_DOWN_BELOW = 0.1;

/** What Azure DevOps last said about the organization's rate limit (`X-RateLimit-*`, sent only when near it). */
class RateLimitState {
  private remaining: number | undefined;
  private limit: number | undefined;
  private resetAt: number | undefined;

  update(headers: http.IncomingHttpHeaders): void {
    const remaining = Number(header(headers, 'x-ratelimit-remaining'));
    if (header(headers, 'x-ratelimit-remaining') === undefined || Number.isNaN(remaining)) {
      this.remaining = undefined;
      return;
    }
    this.remaining = remaining;
    const limit = Number(header(headers, 'x-ratelimit-limit'));
    this.limit = limit > 0 ? limit : undefined;
    const reset = Number(header(headers, 'x-ratelimit-reset'));
    this.resetAt = reset > 0 ? reset * 1000 : undefined;
  }

  /** How long to hold the next request: nothing while plenty is left, up to the reset as it nears 0. */
  pauseMs(now: number): number {
    if (this.remaining === undefined) return 0;
    const untilReset = this.resetAt === undefined ? 1000 : this.resetAt - now;
    if (untilReset <= 0) return 0;
    const share = this.limit === undefined ? (this.remaining > 0 ? 1 : 0) : this.remaining / this.limit;
    if (share >= SLOW_DOWN_BELOW) return 0;
    return Math.round(untilReset * (1 - Math.max(0, share) / SLOW_DOWN_BELOW));
  }
}

interface Organization {
  limit: ConcurrencyLimit;
  rateLimit: RateLimitState;
}

/** Per organization, not per platform: the limits Azure DevOps applies are the organization's. */
const organizations = new Map<string, Organization>();

function organization(orgUrl: string, concurrency: number): Organization {
  const key = orgUrl.replace(/\/+$/, '').toLowerCase();
  let entry = organizations.get(key);
  if (!entry) {
    entry = { limit: new ConcurrencyLimit(concurrency), rateLimit: new RateLimitState() };
    organizations.set(key, entry);
  }
  return entry;
}

type LibraryHttpClient = IGitApi['http'];

async function readAtMost(message: http.IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of message) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= maxBytes) break;
    }
  } catch {
    // The message is only for the error text; the status already says what happened.
  }
  message.destroy();
  return Buffer.concat(chunks).toString('utf8').slice(0, maxBytes);
}

function serverMessage(body: string): string | undefined {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    return typeof message === 'string' ? message.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}

/** What Azure DevOps answers a token it does not accept: 401, or a sign-in page (203, or HTML where JSON was due). */
function isRefusedToken(error: unknown): boolean {
  return error instanceof UnexpectedAnswerError || (error as { statusCode?: unknown }).statusCode === 401;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class AzureDevOpsRequests {
  private readonly organization: Organization;
  private readonly requestTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly deadline: number | undefined;
  private requests = 0;

  /** The header the library's next request carries (see requestHandler). */
  private authorization = '';

  /**
   * `credential` is what the calls authenticate with: its header is taken before each attempt (a bearer token is
   * refreshed before it expires); refused, it is dropped (a PAT re-read) and the call tried once more.
   */
  constructor(
    orgUrl: string,
    options: RequestPolicyOptions,
    private readonly credential: AzureDevOpsCredential,
  ) {
    this.organization = organization(orgUrl, options.concurrency ?? 8);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.deadline = options.deadline;
  }

  get socketTimeoutMs(): number {
    return this.requestTimeoutMs;
  }

  /** HTTP requests sent to Azure DevOps through this instance, retries and discovery included. */
  requestCount(): number {
    return this.requests;
  }

  /**
   * The library's credential handler, counting every request it prepares (each one it sends, retries and discovery
   * included). `prepareRequest` is synchronous and cannot fetch a token: `run` takes the credential's header
   * before each attempt, and the handler puts it on every request.
   */
  requestHandler(): IRequestHandler {
    return {
      prepareRequest: (options) => {
        this.requests++;
        const headers = (options.headers ??= {}) as Record<string, string>;
        headers.Authorization = this.authorization;
        // As the library's own handlers ask: a refused credential gets a 401, not a redirect to a sign-in page.
        headers['X-TFS-FedAuthRedirect'] = 'Suppress';
      },
      canHandleAuthentication: () => false,
      handleAuthentication: () => Promise.reject(new Error('Azure DevOps authentication is not negotiated')),
    };
  }

  /**
   * Makes one of the library's HTTP clients report every answer: rate-limit headers are recorded, and an answer
   * no call can use becomes an error carrying its status and `Retry-After` before the library sees it.
   */
  watchResponses(client: LibraryHttpClient): void {
    const send = client.request.bind(client);
    client.request = async (verb, requestUrl, data, headers) => {
      const response = await send(verb, requestUrl, data, headers);
      const { statusCode = 0, headers: answered } = response.message;
      this.organization.rateLimit.update(answered);
      const operation = `${verb} ${new URL(requestUrl).pathname}`;
      const contentType = header(answered, 'content-type') ?? '';
      if (statusCode === 203 || (statusCode < 300 && /text\/html/i.test(contentType))) {
        response.message.destroy();
        throw new UnexpectedAnswerError(operation, statusCode, contentType);
      }
      if (isTransientStatus(statusCode)) {
        const body = await readAtMost(response.message, 4096);
        const retryAfter = parseRetryAfter(header(answered, 'retry-after'));
        throw new AzureDevOpsHttpError(statusCode, operation, retryAfter, serverMessage(body));
      }
      return response;
    };
  }

  /**
   * Runs `attempt` until it succeeds, its error is not transient, the rule forbids a repeat, the attempts are
   * spent or the deadline leaves no room. `attempt` gets a signal that aborts when its time is up; a call that
   * cannot stop early keeps its place under the concurrency limit until it really ends (the library's socket
   * timeout ends it), so the limit holds for requests in flight, not just for calls being waited on.
   */
  async run<T>(operation: string, rule: RetryRule, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const sent = await this.credential.authorization();
    try {
      return await this.runAttempts(operation, rule, attempt);
    } catch (error) {
      // A refused request did nothing, so even a `once` call may go again, with a new token or the rotated PAT.
      if (!isRefusedToken(error) || !(await this.credential.refused(sent))) throw error;
      return this.runAttempts(operation, rule, attempt);
    }
  }

  private async runAttempts<T>(
    operation: string,
    rule: RetryRule,
    attempt: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    for (let attemptNumber = 1; ; attemptNumber++) {
      const pause = this.organization.rateLimit.pauseMs(Date.now());
      if (pause > 0) await sleep(this.withinDeadline(pause));
      this.checkDeadline(operation);
      this.authorization = await this.credential.authorization();
      try {
        return await this.attemptOnce(operation, attempt);
      } catch (error) {
        const wait = rule === 'once' ? undefined : this.retryWait(error, attemptNumber);
        if (wait === undefined) throw error;
        if (attemptNumber >= this.maxAttempts)
          throw new Error(`Azure DevOps ${operation}: gave up after ${attemptNumber} attempts`, {
            cause: error,
          });
        if (this.deadline !== undefined && Date.now() + wait > this.deadline)
          throw new Error(`Azure DevOps ${operation}: no time left to retry`, { cause: error });
        await sleep(wait);
      }
    }
  }

  private async attemptOnce<T>(operation: string, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const release = await this.organization.limit.acquire();
    const timeoutMs = this.withinDeadline(this.requestTimeoutMs);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new RequestTimeoutError(operation, timeoutMs));
      }, timeoutMs);
    });
    const work = attempt(controller.signal);
    void work.then(release, release);
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The wait before the next attempt, or undefined when the error is not worth another one. */
  private retryWait(error: unknown, attemptNumber: number): number | undefined {
    const failure = error as {
      statusCode?: unknown;
      code?: unknown;
      message?: unknown;
      responseHeaders?: http.IncomingHttpHeaders;
    };
    let retryAfter: number | undefined;
    if (error instanceof AzureDevOpsHttpError) {
      if (!error.transient) return undefined;
      retryAfter = error.retryAfterMs;
    } else if (error instanceof UnexpectedAnswerError) {
      return undefined;
    } else if (typeof failure.statusCode === 'number') {
      // Errors from library clients that are not watched (the organization's resource-area discovery).
      if (!isTransientStatus(failure.statusCode)) return undefined;
      retryAfter = parseRetryAfter(failure.responseHeaders && header(failure.responseHeaders, 'retry-after'));
    } else {
      const transient =
        error instanceof RequestTimeoutError ||
        (typeof failure.code === 'string' && NETWORK_ERROR_CODES.has(failure.code)) ||
        // The library's own socket timeout has no code.
        (typeof failure.message === 'string' && failure.message.startsWith('Request timeout: '));
      if (!transient) return undefined;
    }
    // Retry-After is a floor; the jitter on top keeps many waiting callers from returning in step.
    if (retryAfter !== undefined) return retryAfter + Math.round(Math.random() * 250);
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attemptNumber - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private withinDeadline(ms: number): number {
    return this.deadline === undefined ? ms : Math.max(0, Math.min(ms, this.deadline - Date.now()));
  }

  private checkDeadline(operation: string): void {
    if (this.deadline !== undefined && Date.now() >= this.deadline)
      throw new Error(`Azure DevOps ${operation}: the time budget is spent`);
  }
}
