import type { ChatModel, StructuredRequest } from '../../shared/llm/chatModel';

export type ScriptedAnswer = (request: StructuredRequest<unknown>) => unknown | Promise<unknown>;

/**
 * A model whose answers a test scripts: each request is recorded, answered by `respond`, and validated against the
 * request's schema as the real clients do (a script that answers out of contract fails the test).
 */
export class ScriptedChatModel implements ChatModel {
  readonly requests: StructuredRequest<unknown>[] = [];

  constructor(
    private readonly respond: (request: StructuredRequest<unknown>) => unknown | Promise<unknown>,
  ) {}

  async completeStructured<T>(request: StructuredRequest<T>): Promise<T> {
    this.requests.push(request as StructuredRequest<unknown>);
    return request.schema.parse(await this.respond(request as StructuredRequest<unknown>));
  }
}
