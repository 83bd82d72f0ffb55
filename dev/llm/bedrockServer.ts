import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, randomUUID } from 'node:crypto';
import { createServer as createHttp1Server, type IncomingMessage } from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type ServerHttp2Session,
} from 'node:http2';
import { createServer as createTcpServer } from 'node:net';

/**
 * A local stand-in for Amazon Bedrock Runtime's Converse operation as `@aws-sdk/client-bedrock-runtime` calls it:
 * `POST /model/{modelId}/converse`, signed with SigV4 for the service `bedrock`. It checks the signature the way AWS
 * does (the access key, the region and service in its scope, the signature itself over the signed headers and the
 * body), answers in the service's error shapes (the code in `x-amzn-ErrorType`, `{ message }` as the body) and
 * otherwise with a scripted tool call. Every request that reaches it is recorded.
 *
 * Judgement: one port serves cleartext HTTP/2 with prior knowledge — what the SDK's default handler speaks to an
 * `http://` endpoint — and HTTP/1.1, what a `NodeHttpHandler` (the proxy path) speaks; it tells them apart by the
 * HTTP/2 connection preface.
 */

export interface AcceptedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface ContentBlock {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input: unknown };
}

export interface ConverseBody {
  system?: { text?: string }[];
  messages?: { role: string; content: ContentBlock[] }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number };
  toolConfig?: {
    tools?: { toolSpec?: { name: string; description?: string; inputSchema?: { json?: unknown } } }[];
    toolChoice?: { tool?: { name: string }; any?: object; auto?: object };
  };
}

export interface ConverseRequest {
  /** As sent on the wire (the model id percent-encoded). */
  path: string;
  /** Decoded from the path. */
  modelId: string;
  httpVersion: string;
  authorization: string | undefined;
  /** The access key id, region and service the signature is scoped to, when the header could be read. */
  scope?: { accessKeyId: string; region: string; service: string };
  body: ConverseBody;
  /** The token counts the answer reported, once answered. */
  usage?: { inputTokens: number; outputTokens: number };
}

/** What the model does: call the requested tool with this input, answer in plain text, or fail as Bedrock does. */
export type ConverseAnswer =
  { toolInput: unknown } | { text: string } | { status: number; errorType: string; message: string };

export type ConverseResponder = (request: ConverseRequest) => ConverseAnswer | Promise<ConverseAnswer>;

export interface BedrockTestServer {
  /** The endpoint for the client (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`). */
  endpoint: string;
  requests: ConverseRequest[];
  /** Replaces the responder for the following requests. */
  respondWith(responder: ConverseResponder): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;:-]+), Signature=([0-9a-f]{64})$/;
const CONVERSE_PATH = /^\/model\/([^/]+)\/converse$/;
const HTTP2_PREFACE = 'PRI * HTTP/2.0';

function errorReply(status: number, errorType: string, message: string): Reply {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': errorType,
      'x-amzn-requestid': randomUUID(),
    },
    body: JSON.stringify({ message }),
  };
}

/** `20250102T030405Z` */
function parseAmzDate(value: string): Date | undefined {
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!parts) return undefined;
  const [, year, month, day, hour, minute, second] = parts.map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

type AnyRequest = IncomingMessage | Http2ServerRequest;

function headerOf(request: AnyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The signature AWS would compute for this request with `credentials`, or the reason it is refused. */
async function checkSignature(
  request: AnyRequest,
  body: Buffer,
  credentialsById: Map<string, AcceptedCredentials>,
  region: string,
): Promise<{ scope: ConverseRequest['scope']; refusal?: Reply }> {
  const authorization = headerOf(request, 'authorization');
  if (authorization === undefined)
    return {
      scope: undefined,
      refusal: errorReply(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token'),
    };
  const parsed = AUTHORIZATION.exec(authorization);
  const amzDate = parseAmzDate(headerOf(request, 'x-amz-date') ?? '');
  if (!parsed || amzDate === undefined)
    return {
      scope: undefined,
      refusal: errorReply(
        400,
        'IncompleteSignatureException',
        'Authorization header requires Credential, SignedHeaders and Signature, and X-Amz-Date must be set.',
      ),
    };
  const [, accessKeyId, , scopeRegion, service, signedHeaders, signature] = parsed;
  const scope = { accessKeyId, region: scopeRegion, service };
  const credentials = credentialsById.get(accessKeyId);
  if (credentials === undefined || headerOf(request, 'x-amz-security-token') !== credentials.sessionToken)
    return {
      scope,
      refusal: errorReply(
        403,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      ),
    };
  if (scopeRegion !== region || service !== 'bedrock')
    return {
      scope,
      refusal: errorReply(
        403,
        'InvalidSignatureException',
        `Credential should be scoped to a valid region and to the service 'bedrock', not '${scopeRegion}/${service}'.`,
      ),
    };

  const bodyHash = createHash('sha256').update(body).digest('hex');
  const claimedHash = headerOf(request, 'x-amz-content-sha256');
  const names = signedHeaders.split(';');
  const headers: Record<string, string> = {};
  for (const name of names) {
    // Over HTTP/2 the SDK signs `:authority` in place of `host`.
    const value = headerOf(request, name);
    if (value !== undefined) headers[name] = value;
  }
  const [path, query = ''] = (request.url ?? '/').split('?');
  const signer = new SignatureV4({ service: 'bedrock', region, credentials, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: request.method ?? 'POST',
      protocol: 'http:',
      hostname: headers.host ?? headers[':authority'] ?? '',
      path,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers,
      body,
    },
    { signingDate: amzDate, signableHeaders: new Set(names) },
  );
  const expectedSignature = /Signature=([0-9a-f]+)$/.exec(String(expected.headers.authorization))?.[1];
  if ((claimedHash !== undefined && claimedHash !== bodyHash) || expectedSignature !== signature)
    return {
      scope,
      refusal: errorReply(
        403,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      ),
    };
  return { scope };
}

/** A rough token count, so `usage` is plausible: about four characters a token. */
const tokensIn = (text: string) => Math.ceil(text.length / 4);

function converseReply(recorded: ConverseRequest, answer: ConverseAnswer, startedAt: number): Reply {
  const { body } = recorded;
  if ('status' in answer) return errorReply(answer.status, answer.errorType, answer.message);
  const toolName = body.toolConfig?.toolChoice?.tool?.name ?? body.toolConfig?.tools?.[0]?.toolSpec?.name;
  const content: ContentBlock[] =
    'text' in answer || toolName === undefined
      ? [{ text: 'text' in answer ? answer.text : JSON.stringify(answer.toolInput) }]
      : [{ toolUse: { toolUseId: `tooluse_${randomUUID()}`, name: toolName, input: answer.toolInput } }];
  const inputTokens = tokensIn(JSON.stringify([body.system, body.messages, body.toolConfig]));
  const outputTokens = tokensIn(JSON.stringify(content));
  recorded.usage = { inputTokens, outputTokens };
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify({
      output: { message: { role: 'assistant', content } },
      stopReason: content[0].toolUse ? 'tool_use' : 'end_turn',
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
      metrics: { latencyMs: Date.now() - startedAt },
    }),
  };
}

export async function startBedrockServer(options: {
  region: string;
  credentials: AcceptedCredentials[];
  /** The model and inference-profile ids (or ARNs) this account may call; others are not found. */
  modelIds: string[];
  responder?: ConverseResponder;
}): Promise<BedrockTestServer> {
  const requests: ConverseRequest[] = [];
  const credentialsById = new Map(options.credentials.map((entry) => [entry.accessKeyId, entry]));
  let responder: ConverseResponder =
    options.responder ??
    (() => ({ status: 500, errorType: 'InternalServerException', message: 'no answer scripted' }));

  async function handle(request: AnyRequest): Promise<Reply> {
    const startedAt = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const path = (request.url ?? '/').split('?')[0];
    const route = CONVERSE_PATH.exec(path);
    if (request.method !== 'POST' || !route)
      return errorReply(404, 'UnknownOperationException', `No operation at ${request.method} ${path}`);

    const { scope, refusal } = await checkSignature(request, rawBody, credentialsById, options.region);
    let body: ConverseBody;
    try {
      body = JSON.parse(rawBody.toString('utf8')) as ConverseBody;
    } catch {
      return errorReply(400, 'SerializationException', 'The request body is not JSON.');
    }
    const recorded: ConverseRequest = {
      path,
      modelId: decodeURIComponent(route[1]),
      httpVersion: request.httpVersion,
      authorization: headerOf(request, 'authorization'),
      scope,
      body,
    };
    requests.push(recorded);
    if (refusal) return refusal;
    if (!options.modelIds.includes(recorded.modelId))
      return errorReply(404, 'ResourceNotFoundException', `Model not found: ${recorded.modelId}`);
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return errorReply(400, 'ValidationException', 'messages: must hold at least one message.');
    return converseReply(recorded, await responder(recorded), startedAt);
  }

  const serve = (request: AnyRequest, send: (reply: Reply) => void) => {
    handle(request)
      .then(send)
      .catch((error: Error) => send(errorReply(500, 'InternalServerException', error.message)));
  };
  const http1 = createHttp1Server((request, response) =>
    serve(request, (reply) => response.writeHead(reply.status, reply.headers).end(reply.body)),
  );
  const http2 = createHttp2Server((request, response) =>
    serve(request, (reply) => response.writeHead(reply.status, reply.headers).end(reply.body)),
  );
  const sessions = new Set<ServerHttp2Session>();
  http2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const front = createTcpServer((socket) => {
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      // The HTTP/2 session reads what is buffered itself; the HTTP/1.1 parser waits for the socket to flow again.
      if (first.toString('latin1', 0, HTTP2_PREFACE.length) === HTTP2_PREFACE) {
        http2.emit('connection', socket);
      } else {
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    respondWith(next) {
      responder = next;
    },
    close: async () => {
      for (const session of sessions) session.destroy();
      http1.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
