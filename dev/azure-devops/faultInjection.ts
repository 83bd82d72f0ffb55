/**
 * Fault injection and request records for tests: any REST request can be answered with another status (429 with
 * `Retry-After`, 500, 503, a 203 sign-in page), delayed or left hanging, lose its connection, carry `X-RateLimit-*`
 * headers, or be sent without Content-Length. Every request is recorded with when it arrived, what it got and how
 * many body bytes went out, and the requests in flight are counted.
 */
import { performance } from 'node:perf_hooks';

export interface RequestSummary {
  method: string;
  /** The URL path, e.g. `/org/project/_apis/git/repositories/…/items`. */
  path: string;
  query: URLSearchParams;
}

export interface Fault {
  /** Which requests it applies to (default: every REST request). */
  matches?: (request: RequestSummary) => boolean;
  /** Only every n-th matching request (default 1: each one). */
  every?: number;
  /** At most this many times (default: no limit). */
  times?: number;
  /** Answer this status instead of the real answer. */
  status?: number;
  /** The injected answer's body: the service's JSON error (default) or the HTML sign-in page (as with a 203). */
  body?: 'json' | 'signInPage';
  /** Headers added to the answer, injected or real: `Retry-After`, `X-RateLimit-*`. */
  headers?: Record<string, string> | ((request: RequestSummary) => Record<string, string>);
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer; the connection stays open until the client gives up. */
  hang?: boolean;
  /** Lose the connection before any answer (the request is not applied). */
  drop?: boolean;
  /** Send the real answer chunked, without Content-Length. */
  chunked?: boolean;
}

export interface RequestRecord {
  method: string;
  /** Path and query. */
  url: string;
  /** `performance.now()` when the request arrived, in milliseconds. */
  arrivedAt: number;
  status?: number;
  /** Body bytes written to the connection (not all of them need have reached the client). */
  bytesSent: number;
  /** What was injected, if anything: the status, `hang`, `drop` or `headers`. */
  fault?: string;
}

interface ActiveFault extends Fault {
  seen: number;
  applied: number;
}

export class FaultInjection {
  private readonly faults: ActiveFault[] = [];
  readonly requests: RequestRecord[] = [];
  private inFlight = 0;
  private mostInFlight = 0;

  inject(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0, applied: 0 });
  }

  /** Removes every fault; the records stay. */
  clear(): void {
    this.faults.length = 0;
  }

  /** The most requests that were in flight at once since the last reset. */
  get maxInFlight(): number {
    return this.mostInFlight;
  }

  resetCounts(): void {
    this.requests.length = 0;
    this.mostInFlight = this.inFlight;
  }

  /** Records the request's arrival and picks the fault for it: the first that applies. */
  arrive(
    request: RequestSummary,
    onClose: (listener: () => void) => void,
  ): {
    record: RequestRecord;
    fault?: Fault;
  } {
    const record: RequestRecord = {
      method: request.method,
      url: `${request.path}${request.query.size > 0 ? `?${request.query.toString()}` : ''}`,
      arrivedAt: performance.now(),
      bytesSent: 0,
    };
    this.requests.push(record);
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    onClose(() => this.inFlight--);
    for (const fault of this.faults) {
      if (fault.times !== undefined && fault.applied >= fault.times) continue;
      if (fault.matches && !fault.matches(request)) continue;
      fault.seen++;
      if (fault.seen % (fault.every ?? 1) !== 0) continue;
      fault.applied++;
      record.fault = fault.drop
        ? 'drop'
        : fault.hang
          ? 'hang'
          : fault.status !== undefined
            ? String(fault.status)
            : 'headers';
      return { record, fault };
    }
    return { record };
  }
}

export function faultHeaders(fault: Fault | undefined, request: RequestSummary): Record<string, string> {
  if (!fault?.headers) return {};
  return typeof fault.headers === 'function' ? fault.headers(request) : fault.headers;
}

/** What Azure DevOps shows a browser, or a client whose credential it does not accept, instead of the API. */
export const SIGN_IN_PAGE =
  '<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head>' +
  '<body><form action="https://login.microsoftonline.com/">Sign in to your account</form></body></html>';
