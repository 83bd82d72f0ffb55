import type { ChatModel, StructuredRequest } from '../../shared/llm/chatModel';

/** What a script answers (or a promise of it): the structured answer, checked against the request's schema. */
export type ScriptedAnswer = (request: StructuredRequest<unknown>) => unknown;

/**
 * A model whose answers a test scripts: each request is recorded, answered by `respond`, and validated against the
 * request's schema as the real clients do (a script that answers out of contract fails the test).
 */
export class ScriptedChatModel implements ChatModel {
  readonly requests: StructuredRequest<unknown>[] = [];

  constructor(private readonly respond: ScriptedAnswer) {}

  async completeStructured<T>(request: StructuredRequest<T>): Promise<T> {
    this.requests.push(request);
    return request.schema.parse(await this.respond(request));
  }
}
