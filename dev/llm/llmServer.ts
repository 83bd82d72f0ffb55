import { createServer, type IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * A local stand-in for an OpenAI-compatible chat completions endpoint: `POST /v1/chat/completions`, and the Azure
 * OpenAI form `POST /openai/deployments/{deployment}/chat/completions?api-version=...`. Answers are scripted per
 * test; every request is recorded.
 */

export interface ChatRequest {
  path: string;
  apiKey: string | undefined;
  body: {
    model?: string;
    messages: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
  };
}

/** What to answer: a message content string, or an HTTP error. */
export type ScriptedAnswer = string | { status: number; error: string };

export type Responder = (request: ChatRequest) => ScriptedAnswer | Promise<ScriptedAnswer>;

export interface LlmTestServer {
  /** Base URL for the openai client (`OPENAI_BASE_URL`), ending in `/v1`. */
  baseUrl: string;
  url: string;
  requests: ChatRequest[];
  /** Replaces the responder for the following requests. */
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startLlmServer(options: {
  apiKeys: string[];
  responder?: Responder;
}): Promise<LlmTestServer> {
  const requests: ChatRequest[] = [];
  let responder: Responder = options.responder ?? (() => ({ status: 500, error: 'no answer scripted' }));

  const server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    const isChat =
      url.pathname === '/v1/chat/completions' ||
      /^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(url.pathname);
    if (request.method !== 'POST' || !isChat) return reply(404, { error: { message: 'not found' } });

    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const apiKey = bearer ?? (request.headers['api-key'] as string | undefined);
    readJson(request)
      .then(async (body) => {
        const recorded: ChatRequest = { path: url.pathname, apiKey, body: body as ChatRequest['body'] };
        requests.push(recorded);
        if (apiKey === undefined || !options.apiKeys.includes(apiKey)) {
          return reply(401, {
            error: { message: 'Incorrect API key provided', type: 'invalid_request_error' },
          });
        }
        const answer = await responder(recorded);
        if (typeof answer !== 'string') return reply(answer.status, { error: { message: answer.error } });
        reply(200, {
          id: `chatcmpl-${randomUUID()}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: recorded.body.model ?? 'test-model',
          choices: [
            {
              index: 0,
              finish_reason: 'stop',
              message: { role: 'assistant', content: answer, refusal: null },
            },
          ],
          usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
        });
      })
      .catch((error: Error) => reply(400, { error: { message: error.message } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    respondWith(next) {
      responder = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
