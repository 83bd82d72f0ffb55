import { createServer, type IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * A local stand-in for the chat completions endpoint of OpenAI and of Azure OpenAI:
 * - OpenAI: `POST /v1/chat/completions`, the model in the body, `Authorization: Bearer <key>`.
 * - Azure OpenAI v1: `POST /openai/v1/chat/completions`, the deployment as `model`.
 * - Azure OpenAI deployments API: `POST /openai/deployments/{deployment}/chat/completions?api-version=…`.
 * On the Azure paths the credential is the `api-key` header or an `Authorization: Bearer` token (Entra ID, or an
 * OAuth2 gateway's), checked by `authorize`.
 *
 * With `deployments`, it behaves like a resource with those deployments (or an account with those models): another
 * name is answered 404 (`DeploymentNotFound` on Azure, `model_not_found` on OpenAI); a reasoning one refuses
 * `temperature` and `max_tokens`, the others `reasoning_effort`, with 400 `unsupported_parameter` as the services do.
 * On the Azure paths strict JSON schemas using the keywords Azure's strict mode refuses are answered 400, in Azure's
 * error shape. Answers are scripted per test, carry token counts, and every request is recorded.
 */

export interface ChatRequest {
  path: string;
  /** The api-version query parameter, if any. */
  apiVersion?: string;
  /** The deployment (Azure) or model the request is for. */
  deployment?: string;
  /** The bearer token, else the `api-key` header: what authenticated the request. */
  apiKey: string | undefined;
  /** `api-key`, as sent. */
  apiKeyHeader?: string;
  /** `Authorization: Bearer …`, as sent. */
  bearerToken?: string;
  body: {
    model?: string;
    messages: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
    temperature?: number;
    max_tokens?: number;
    max_completion_tokens?: number;
    reasoning_effort?: string;
  };
  /** The token counts answered (set once a 200 is sent): what a cost report must add up to. */
  usage?: { promptTokens: number; completionTokens: number };
}

/** What to answer: a message content string, or an HTTP error (with headers such as `retry-after-ms`). */
export type ScriptedAnswer =
  string | { status: number; error: string; code?: string; headers?: Record<string, string> };

export type Responder = (request: ChatRequest) => ScriptedAnswer | Promise<ScriptedAnswer>;

export interface DeploymentSpec {
  /** o-series / gpt-5: refuses temperature and max_tokens. */
  reasoning: boolean;
}

export interface LlmServerOptions {
  /** Accepted as bearer tokens or `api-key`, when `authorize` is not given. */
  apiKeys: string[];
  responder?: Responder;
  /** Decides whether a request's credentials are accepted (e.g. tokens issued by an identity stand-in). */
  authorize?: (credentials: { apiKey?: string; bearerToken?: string }) => boolean;
  /** The deployments (or models) that exist; any name is accepted (as a non-reasoning model) when not given. */
  deployments?: Record<string, DeploymentSpec>;
  /** Milliseconds each answer waits before it is sent (a model's latency), for benchmarks and concurrency tests. */
  latencyMs?: number;
}

export interface LlmTestServer {
  /** Base URL for the openai client (`OPENAI_BASE_URL`), ending in `/v1`. */
  baseUrl: string;
  /** Also the Azure OpenAI endpoint (`AZURE_OPENAI_ENDPOINT`). */
  url: string;
  requests: ChatRequest[];
  /** Chat requests being answered now, and the most there were at once (since the start or the last reset). */
  inFlight(): number;
  maxInFlight(): number;
  resetMaxInFlight(): void;
  /** Replaces the responder for the following requests. */
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

/** Per JSON type, the keywords Azure OpenAI's strict mode refuses. */
const AZURE_REFUSED: Record<string, string[]> = {
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  array: ['minItems', 'maxItems', 'uniqueItems', 'contains'],
};

/** The first refused keyword in `schema`, with the path to it as Azure names it. */
function refusedKeyword(
  schema: unknown,
  context: string[] = [],
): { keyword: string; context: string[] } | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const node = schema as Record<string, unknown>;
  const types = ([] as unknown[]).concat(node.type ?? []).map(String);
  for (const type of types) {
    const keyword = AZURE_REFUSED[type]?.find((name) => name in node);
    if (keyword !== undefined) return { keyword, context };
  }
  for (const key of ['properties', '$defs', 'definitions']) {
    for (const [name, child] of Object.entries((node[key] as Record<string, unknown> | undefined) ?? {})) {
      const found = refusedKeyword(child, [...context, key, name]);
      if (found) return found;
    }
  }
  for (const key of ['items', 'additionalProperties']) {
    const found = refusedKeyword(node[key], [...context, key]);
    if (found) return found;
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const list = (node[key] as unknown[] | undefined) ?? [];
    for (const [index, child] of list.entries()) {
      const found = refusedKeyword(child, [...context, key, String(index)]);
      if (found) return found;
    }
  }
  return undefined;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** A rough count, as a tokenizer would give for English text: enough for the usage figures to mean something. */
const tokensOf = (text: string) => Math.max(1, Math.ceil(text.length / 4));

const invalidRequest = (message: string, param: string | null, code: string | null) => ({
  error: { message, type: 'invalid_request_error', param, code },
});

export async function startLlmServer(options: LlmServerOptions): Promise<LlmTestServer> {
  const requests: ChatRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let responder: Responder = options.responder ?? (() => ({ status: 500, error: 'no answer scripted' }));
  const authorize =
    options.authorize ??
    (({ apiKey, bearerToken }: { apiKey?: string; bearerToken?: string }) => {
      const credential = bearerToken ?? apiKey;
      return credential !== undefined && options.apiKeys.includes(credential);
    });

  const server = createServer((request, response) => {
    let counted = false;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (counted) {
        counted = false;
        inFlight--;
      }
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    const deploymentPath = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    const azure = deploymentPath !== null || url.pathname === '/openai/v1/chat/completions';
    const isChat = azure || url.pathname === '/v1/chat/completions';
    if (request.method !== 'POST' || !isChat)
      return reply(404, { error: { code: '404', message: 'Resource not found' } });
    const apiVersion = url.searchParams.get('api-version') ?? undefined;
    // The deployments API needs an api-version: Azure answers 404 without one.
    if (deploymentPath !== null && apiVersion === undefined)
      return reply(404, { error: { code: '404', message: 'Resource not found' } });

    // Counted from here (a chat request) until its reply is written.
    counted = true;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const bearerToken = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const apiKeyHeader = request.headers['api-key'] as string | undefined;
    readJson(request)
      .then(async (json) => {
        const body = json as ChatRequest['body'];
        const deployment = deploymentPath ? decodeURIComponent(deploymentPath[1]) : body.model;
        const recorded: ChatRequest = {
          path: url.pathname,
          apiVersion,
          deployment,
          apiKey: bearerToken ?? apiKeyHeader,
          apiKeyHeader,
          bearerToken,
          body,
        };
        requests.push(recorded);
        // OpenAI reads only Authorization; Azure either header.
        if (!authorize({ apiKey: azure ? apiKeyHeader : undefined, bearerToken })) {
          return azure
            ? reply(401, {
                error: {
                  code: '401',
                  message:
                    'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a ' +
                    'valid key for an active subscription and use a correct regional API endpoint for your resource.',
                },
              })
            : reply(401, invalidRequest('Incorrect API key provided', null, 'invalid_api_key'));
        }
        // Without a list of deployments any name is accepted, with whatever parameters it is sent.
        const spec: DeploymentSpec | 'any' | undefined =
          options.deployments === undefined
            ? 'any'
            : deployment === undefined
              ? undefined
              : options.deployments[deployment];
        if (spec === undefined) {
          return azure
            ? reply(404, {
                error: {
                  code: 'DeploymentNotFound',
                  message:
                    'The API deployment for this resource does not exist. If you created the deployment within the ' +
                    'last 5 minutes, please wait a moment and try again.',
                },
              })
            : reply(
                404,
                invalidRequest(
                  `The model '${deployment}' does not exist or you do not have access to it.`,
                  null,
                  'model_not_found',
                ),
              );
        }
        const refusedParameters =
          spec === 'any'
            ? []
            : spec.reasoning
              ? (['temperature', 'max_tokens'] as const)
              : (['reasoning_effort'] as const);
        const unsupported = refusedParameters.find((name) => body[name] !== undefined);
        if (unsupported !== undefined) {
          const instead = unsupported === 'max_tokens' ? " Use 'max_completion_tokens' instead." : '';
          return reply(
            400,
            invalidRequest(
              `Unsupported parameter: '${unsupported}' is not supported with this model.${instead}`,
              unsupported,
              'unsupported_parameter',
            ),
          );
        }
        const format = body.response_format?.json_schema;
        const refused = azure && format?.strict ? refusedKeyword(format.schema) : undefined;
        if (refused !== undefined) {
          const context = refused.context.map((part) => `'${part}'`).join(', ');
          return reply(
            400,
            invalidRequest(
              `Invalid schema for response_format '${format?.name}': In context=(${context}), ` +
                `'${refused.keyword}' is not permitted.`,
              'response_format',
              null,
            ),
          );
        }

        const answer = await responder(recorded);
        if (options.latencyMs !== undefined)
          await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
        if (typeof answer !== 'string') {
          return reply(
            answer.status,
            { error: { message: answer.error, ...(answer.code === undefined ? {} : { code: answer.code }) } },
            answer.headers,
          );
        }
        const promptTokens = tokensOf(body.messages.map((message) => message.content).join('\n'));
        const reasoningTokens = spec !== 'any' && spec.reasoning ? 64 : 0;
        const completionTokens = tokensOf(answer) + reasoningTokens;
        recorded.usage = { promptTokens, completionTokens };
        reply(200, {
          id: `chatcmpl-${randomUUID()}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: deployment ?? 'test-model',
          choices: [
            {
              index: 0,
              finish_reason: 'stop',
              message: { role: 'assistant', content: answer, refusal: null },
            },
          ],
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens,
            completion_tokens_details: { reasoning_tokens: reasoningTokens },
          },
        });
      })
      .catch((error: Error) => reply(400, invalidRequest(error.message, null, null)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    resetMaxInFlight() {
      maxInFlight = inFlight;
    },
    respondWith(next) {
      responder = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
