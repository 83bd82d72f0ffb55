/**
 * The HTTP front: checks the organization (or collection path) and the credential — the PAT as basic auth (any
 * user name), a restricted PAT (refused its listed routes with 403), or a bearer token the identity stand-in says
 * is valid — records every REST write and Authorization,
 * sends `_test` requests to the admin API and the rest through the route table, and turns errors into the
 * service's error shape. Also where faults are injected (faultInjection.ts) and every request is recorded.
 */
import type http from 'node:http';
import { handleAdminRequest, type AdminTargets } from './adminApi';
import { AzureDevOpsError, badRequest } from './errors';
import { faultHeaders, FaultInjection, SIGN_IN_PAGE, type RequestRecord } from './faultInjection';
import { now, type ServerModel } from './model';
import type { RefusedRoute, WriteRecord } from './publicTypes';
import { requestedApiVersion, type ApiLocation, type Reply, type Router } from './routing';

export class HttpFront {
  readonly faults = new FaultInjection();

  constructor(
    private readonly model: ServerModel,
    private readonly router: Router,
    private readonly admin: AdminTargets,
  ) {}

  /**
   * Fault injection for tests: the next `times` REST requests matching `matches` lose their connection before any
   * answer, as when the network or the caller's process fails mid-request. The write is not applied.
   */
  dropRequests(matches: (method: string, path: string) => boolean, times = 1): void {
    this.faults.inject({ matches: (request) => matches(request.method, request.path), times, drop: true });
  }

  /** The routes the credential is refused (none for the bot's PAT or a valid bearer token); undefined: no access. */
  private refusedRoutes(header: string | undefined): RefusedRoute[] | undefined {
    const bearer = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (bearer) return this.model.acceptsBearerToken(bearer[1]) ? [] : undefined;
    const match = /^Basic\s+(.+)$/i.exec(header ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) return undefined;
    const token = decoded.slice(separator + 1);
    if (token === this.model.token) return [];
    return this.model.restrictedTokens.find((restricted) => restricted.token === token)?.refuses;
  }

  async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    const { pathSegments } = this.model;
    const summary = { method, path: url.pathname, query: url.searchParams };
    // The admin API is the test's own channel: never faulted, not recorded.
    const isAdmin = segments[pathSegments.length]?.toLowerCase() === '_test';
    if (!isAdmin) this.model.authorizations.push(request.headers.authorization ?? '');
    const { record, fault } = isAdmin
      ? { record: undefined, fault: undefined }
      : this.faults.arrive(summary, (listener) => response.once('close', listener));
    if (fault?.drop) {
      request.socket.destroy();
      return;
    }
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.hang) return;
    const injectedHeaders = faultHeaders(fault, summary);
    const query = new Map([...url.searchParams].map(([key, value]) => [key.toLowerCase(), value]));
    let write: WriteRecord | undefined;
    const send = (reply: Reply, apiVersion?: string) => {
      const status = reply.status ?? 200;
      if (write) write.status = status;
      if (record) record.status = status;
      const headers: Record<string, string> = { ...reply.headers, ...injectedHeaders };
      let body: Buffer;
      if (reply.bytes) {
        body = reply.bytes;
        headers['Content-Type'] = reply.contentType ?? 'application/octet-stream';
      } else {
        body = Buffer.from(reply.json === undefined ? '' : JSON.stringify(reply.json));
        headers['Content-Type'] =
          `application/json; charset=utf-8${apiVersion ? `; api-version=${apiVersion}` : ''}`;
      }
      if (!fault?.chunked) headers['Content-Length'] = String(body.length);
      response.writeHead(status, headers);
      void writeBody(response, body, record);
    };
    if (fault?.status !== undefined) {
      send(
        fault.body === 'signInPage'
          ? {
              status: fault.status,
              bytes: Buffer.from(SIGN_IN_PAGE),
              contentType: 'text/html; charset=utf-8',
            }
          : {
              status: fault.status,
              json: new AzureDevOpsError(
                fault.status,
                'Exception',
                `Injected fault: ${fault.status}`,
              ).toJson(),
            },
      );
      return;
    }
    try {
      const raw = await readBody(request);
      if (pathSegments.some((segment, index) => segments[index]?.toLowerCase() !== segment))
        throw new AzureDevOpsError(404, 'ResourceNotFoundException', `No organization at ${url.pathname}.`);
      const refusedRoutes = this.refusedRoutes(request.headers.authorization);
      if (refusedRoutes === undefined) {
        response.setHeader('WWW-Authenticate', 'Basic realm="https://dev.azure.com/"');
        throw new AzureDevOpsError(
          401,
          'UnauthorizedRequestException',
          "TF400813: The user '' is not authorized to access this resource.",
          'Microsoft.TeamFoundation.Framework.Server',
          3000,
        );
      }
      const contentType = request.headers['content-type'] ?? '';
      const body = parseBody(raw);
      const rest = segments.slice(pathSegments.length).map((segment) => decodeURIComponent(segment));
      if (rest[0]?.toLowerCase() === '_test') {
        send({ json: (await handleAdminRequest(this.admin, method, rest.slice(1), body)) ?? null });
        return;
      }
      if (method === 'OPTIONS' && rest.length === 2 && rest[0].toLowerCase() === '_apis') {
        send({ json: this.router.areaLocations(rest[1]) });
        return;
      }
      const refused = refusedRoutes.find(
        (route) => route.method === method && route.path.test(rest.join('/')),
      );
      if (refused)
        throw new AzureDevOpsError(
          403,
          'UnauthorizedAccessException',
          `TF401027: You need the Git '${refused.permission}' permission to perform this action.`,
        );
      const route = this.router.match(rest);
      if (!route)
        throw new AzureDevOpsError(404, 'ResourceNotFoundException', `No API resource at ${url.pathname}.`);
      if (method !== 'GET') {
        write = {
          method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body,
          time: now(),
        };
        this.model.writes.push(write);
      }
      const handler = route.location.handlers[method as keyof ApiLocation['handlers']];
      if (!handler)
        throw new AzureDevOpsError(
          405,
          'HttpMethodNotSupported',
          `The requested resource does not support http method '${method}'.`,
        );
      const apiVersion = requestedApiVersion(request.headers.accept ?? '', query);
      this.router.checkApiVersion(apiVersion, method, route.location);
      send(
        await handler({
          method,
          params: route.params,
          query,
          body,
          contentType,
          accept: request.headers.accept ?? '',
        }),
        apiVersion,
      );
    } catch (error) {
      if (error instanceof AzureDevOpsError) send({ status: error.status, json: error.toJson() });
      else if (error instanceof SyntaxError)
        send({
          status: 400,
          json: badRequest(`The request body is not valid JSON: ${error.message}`).toJson(),
        });
      else send({ status: 500, json: new AzureDevOpsError(500, 'Exception', String(error)).toJson() });
    }
  }
}

const BODY_CHUNK_BYTES = 64 * 1024;

/** In chunks, as the socket takes them, so a client that stops reading stops the sending (and the count). */
async function writeBody(
  response: http.ServerResponse,
  body: Buffer,
  record: RequestRecord | undefined,
): Promise<void> {
  for (let offset = 0; offset < body.length; offset += BODY_CHUNK_BYTES) {
    if (response.destroyed) return;
    const chunk = body.subarray(offset, offset + BODY_CHUNK_BYTES);
    if (record) record.bytesSent += chunk.length;
    if (!response.write(chunk))
      await new Promise<void>((resolve) => {
        const resume = () => {
          response.off('drain', resume);
          response.off('close', resume);
          resolve();
        };
        response.on('drain', resume);
        response.on('close', resume);
      });
  }
  if (!response.destroyed) response.end();
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseBody(raw: Buffer): unknown {
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  return text.trim() === '' ? undefined : JSON.parse(text);
}
