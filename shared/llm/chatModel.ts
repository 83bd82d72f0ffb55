import type { z } from 'zod';

export interface StructuredRequest<T> {
  system: string;
  user: string;
  /** Validates the model's answer; also sent to the provider as the JSON schema to follow. */
  schema: z.ZodType<T>;
  schemaName: string;
}

/** One interface for every LLM provider: a prompt in, a validated structured answer out. */
export interface ChatModel {
  completeStructured<T>(request: StructuredRequest<T>): Promise<T>;
}

export class ModelOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelOutputError';
  }
}
