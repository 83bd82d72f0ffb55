import {
  HttpRequest,
  HttpResponse,
  InvocationContext,
  type HttpRequestInit,
  type HttpResponseInit,
} from '@azure/functions';
import { QueueClient, type DequeuedMessageItem } from '@azure/storage-queue';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Module from 'node:module';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { httpStreamEnabled, registeredFunctions, type RegisteredFunction } from './functionsCore';

/**
 * A stand-in for the Azure Functions host, for tests and local demos only (production runs on Azure Functions).
 * It loads the app's real registrations and runs them with the host's semantics that matter here:
 * - HTTP triggers on `extensions.http.routePrefix` + route, anonymous auth level; the body read in full before the
 *   handler runs, unless the app called `app.setup({ enableHttpStream: true })`: then the handler runs once the
 *   headers are in, with `request.body` the live stream (as the library's own streaming request is built);
 * - queue triggers polled from Storage (Azurite), messages decoded per `extensions.queues.messageEncoding`,
 *   JSON messages handed over parsed, a failed message made visible again after `visibilityTimeout`, and moved to
 *   `<queue>-poison` once it has been dequeued `maxDequeueCount` times;
 * - `%SETTING%` binding expressions resolved from the environment.
 */

export interface HostLogEntry {
  functionName: string;
  level: string;
  message: string;
}

export interface FunctionsHostOptions {
  /** The folder holding host.json. */
  appRoot: string;
  /** Modules that register functions (the package.json `main` entries). */
  entryModules: string[];
  port?: number;
  /** How long an empty queue waits before the next poll. */
  pollIntervalMs?: number;
  /** Overrides host.json's visibilityTimeout (retry delay), to keep tests quick. */
  retryDelayMs?: number;
  /**
   * How long a message stays invisible while its function runs; renewed at half that interval, as the host does,
   * so only a crashed host's messages reappear. Default 600 s.
   */
  leaseSeconds?: number;
  /** Receives every log line as well as `host.logs`. */
  onLog?: (entry: HostLogEntry) => void;
}

export interface FunctionsHost {
  url: string;
  logs: HostLogEntry[];
  functions: string[];
  /** Resolves once no queue message is being processed and every trigger queue is empty. */
  settled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface HostJson {
  extensions?: {
    http?: { routePrefix?: string };
    queues?: {
      maxDequeueCount?: number;
      visibilityTimeout?: string;
      batchSize?: number;
      messageEncoding?: string;
    };
  };
}

/** Makes `require('@azure/functions-core')` find the stand-in when running outside jest (which maps it itself). */
function provideFunctionsCore(): void {
  type Resolver = (request: string, ...rest: unknown[]) => string;
  const moduleWithResolver = Module as unknown as {
    _resolveFilename: Resolver & { adoReviewerPatched?: boolean };
  };
  const original = moduleWithResolver._resolveFilename;
  if (original.adoReviewerPatched) return;
  const corePath = require.resolve('./functionsCore');
  const patched: Resolver & { adoReviewerPatched?: boolean } = (request, ...rest) =>
    request === '@azure/functions-core' ? corePath : original.call(Module, request, ...rest);
  patched.adoReviewerPatched = true;
  moduleWithResolver._resolveFilename = patched;
}

function resolveSetting(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} is not set on the binding`);
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const setting = process.env[name];
    if (setting === undefined || setting === '') throw new Error(`${what}: app setting ${name} is not set`);
    return setting;
  });
}

function parseTimeSpan(value: string | undefined): number {
  const match = /^(\d+):(\d{2}):(\d{2})$/.exec(value ?? '');
  return match ? (Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3])) * 1000 : 0;
}

function triggerOf(fn: RegisteredFunction) {
  return Object.values(fn.bindings).find(
    (binding) => binding.direction === 'in' && binding.type.endsWith('Trigger'),
  );
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The request as the library hands it to a handler: buffered, or (streams enabled) over the live body. */
async function toHttpRequest(
  request: IncomingMessage,
  url: URL,
  headers: Record<string, string>,
): Promise<HttpRequest> {
  if (!httpStreamEnabled()) {
    return new HttpRequest({
      method: request.method,
      url: url.toString(),
      headers,
      query: Object.fromEntries(url.searchParams),
      body: { bytes: await readBody(request) },
    });
  }
  const method = request.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  // What the library's createStreamRequest does with the worker's proxied request; `nativeRequest` is the one
  // init field it has for that, not in the public typings.
  const nativeRequest = new Request(url, {
    method,
    headers,
    body: hasBody ? (Readable.toWeb(request) as ReadableStream<Uint8Array>) : undefined,
    duplex: 'half',
  });
  return new HttpRequest({ nativeRequest } as unknown as HttpRequestInit);
}

export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  const hostJson = JSON.parse(readFileSync(path.join(options.appRoot, 'host.json'), 'utf8')) as HostJson;
  const routePrefix = (hostJson.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const queueSettings = hostJson.extensions?.queues ?? {};
  const maxDequeueCount = queueSettings.maxDequeueCount ?? 5;
  const retryDelayMs = options.retryDelayMs ?? parseTimeSpan(queueSettings.visibilityTimeout);
  const batchSize = queueSettings.batchSize ?? 16;
  const base64 = (queueSettings.messageEncoding ?? 'base64') === 'base64';
  const leaseSeconds = options.leaseSeconds ?? 600;

  provideFunctionsCore();
  // The host loads the entry points by path at run time, as the Functions worker does.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const entry of options.entryModules) require(entry);
  const functions = [...registeredFunctions()];

  const logs: HostLogEntry[] = [];
  const contextFor = (fn: RegisteredFunction, triggerMetadata?: Record<string, unknown>) =>
    new InvocationContext({
      invocationId: randomUUID(),
      functionName: fn.name,
      triggerMetadata,
      logHandler: (level, ...args) => {
        const entry = { functionName: fn.name, level, message: args.map(String).join(' ') };
        logs.push(entry);
        options.onLog?.(entry);
      },
    });

  // HTTP triggers.
  const httpRoutes = functions.flatMap((fn) => {
    const trigger = triggerOf(fn);
    if (trigger?.type !== 'httpTrigger') return [];
    const route = [routePrefix, typeof trigger.route === 'string' ? trigger.route : fn.name]
      .filter(Boolean)
      .join('/');
    const methods = ((trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) =>
      m.toUpperCase(),
    );
    return [{ fn, path: `/${route}`.toLowerCase(), methods }];
  });

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const route = httpRoutes.find((candidate) => candidate.path === url.pathname.toLowerCase());
    if (route === undefined || !route.methods.includes(request.method ?? 'GET')) {
      response.writeHead(404).end();
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(', ') : (value ?? ''),
      ]),
    );
    const httpRequest = await toHttpRequest(request, url, headers);
    try {
      const result = (await route.fn.handler(httpRequest, contextFor(route.fn))) as
        HttpResponseInit | HttpResponse | undefined;
      const init = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
      const text = await init.text();
      response.writeHead(init.status, Object.fromEntries(init.headers.entries()));
      response.end(text);
    } catch (error) {
      logs.push({ functionName: route.fn.name, level: 'error', message: String(error) });
      response.writeHead(500).end();
    }
  };

  const server = createServer((request, response) => {
    // A handler may answer before reading the body (401 from the headers, 413): discard the rest, for a bounded
    // time, as the real host's front end does, rather than close on unread data (which the client sees as a reset).
    response.on('finish', () => {
      if (request.complete) return;
      request.removeAllListeners('data');
      request.resume();
      setTimeout(() => request.destroy(), 5_000).unref();
    });
    serve(request, response).catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  // Queue triggers.
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  const queueClients: QueueClient[] = [];
  const pollers = functions.flatMap((fn) => {
    const trigger = triggerOf(fn);
    if (trigger?.type !== 'queueTrigger') return [];
    const queueName = resolveSetting(trigger.queueName, `${fn.name} queueName`);
    const connection = resolveSetting(
      `%${typeof trigger.connection === 'string' ? trigger.connection : 'AzureWebJobsStorage'}%`,
      `${fn.name} connection`,
    );
    const queue = new QueueClient(connection, queueName);
    const poison = new QueueClient(connection, `${queueName}-poison`);
    queueClients.push(queue);

    const handleMessage = async (message: DequeuedMessageItem) => {
      const text = base64 ? Buffer.from(message.messageText, 'base64').toString('utf8') : message.messageText;
      let input: unknown = text;
      try {
        input = JSON.parse(text);
      } catch {
        // Not JSON: the host hands such messages over as strings.
      }
      // Keep the message invisible while the function runs; a crash stops the renewals and it reappears.
      let popReceipt = message.popReceipt;
      let renewing: Promise<void> = Promise.resolve();
      const renewal = setInterval(
        () => {
          renewing = queue
            .updateMessage(message.messageId, popReceipt, undefined, leaseSeconds)
            .then((updated) => {
              if (updated.popReceipt) popReceipt = updated.popReceipt;
            })
            .catch(() => undefined);
        },
        (leaseSeconds * 1000) / 2,
      );
      const context = contextFor(fn, {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn.toISOString(),
        popReceipt: message.popReceipt,
      });
      let failure: Error | undefined;
      try {
        await fn.handler(input, context);
      } catch (error) {
        failure = error as Error;
      } finally {
        clearInterval(renewal);
        await renewing; // the newest pop receipt is needed to delete or release the message
      }
      if (failure === undefined) {
        await queue.deleteMessage(message.messageId, popReceipt);
        return;
      }
      context.error(`Function ${fn.name} failed (try ${message.dequeueCount}): ${failure.message}`);
      if (message.dequeueCount >= maxDequeueCount) {
        await poison.sendMessage(message.messageText);
        await queue.deleteMessage(message.messageId, popReceipt);
        context.error(`Message ${message.messageId} moved to ${queueName}-poison`);
      } else {
        await queue.updateMessage(message.messageId, popReceipt, undefined, Math.ceil(retryDelayMs / 1000));
      }
    };

    const poll = async () => {
      await queue.createIfNotExists();
      await poison.createIfNotExists();
      while (!stopping) {
        let received: DequeuedMessageItem[] = [];
        try {
          received = (
            await queue.receiveMessages({ numberOfMessages: batchSize, visibilityTimeout: leaseSeconds })
          ).receivedMessageItems;
        } catch (error) {
          if (!stopping) logs.push({ functionName: fn.name, level: 'warning', message: String(error) });
        }
        if (received.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 200));
          continue;
        }
        const batch = Promise.all(received.map(handleMessage)).then(() => undefined);
        inFlight.add(batch);
        await batch.finally(() => inFlight.delete(batch));
      }
    };
    return [poll()];
  });

  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    functions: functions.map((fn) => fn.name),
    async settled(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const counts = await Promise.all(
          queueClients.map(async (queue) => (await queue.getProperties()).approximateMessagesCount ?? 0),
        );
        if (inFlight.size === 0 && counts.every((count) => count === 0)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`Queue work did not settle within ${timeoutMs} ms`);
    },
    async close() {
      stopping = true;
      await Promise.allSettled([...pollers, ...inFlight]);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
