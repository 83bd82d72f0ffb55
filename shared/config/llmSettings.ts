import { z } from 'zod';
import { httpUrl, optionalString, positiveInt, type SecretSource } from './fields';

/** The model settings, shared by the app and the local review command. */
export const llmShape = {
  LLM_PROVIDER: z.enum(['openai']).default('openai'),
  LLM_TIMEOUT: positiveInt(120_000),
  OPENAI_BASE_URL: httpUrl.optional(),
  OPENAI_ORG_ID: optionalString,
  OPENAI_PROJECT_ID: optionalString,
  OPENAI_MODEL: optionalString.transform((value) => value ?? 'gpt-4.1-mini'),
};

type LlmEnvironment = z.infer<z.ZodObject<typeof llmShape>>;

export interface LlmSettings {
  provider: 'openai';
  timeoutMs: number;
  baseUrl?: string;
  organization?: string;
  project?: string;
  model: string;
}

export interface LlmConfig extends LlmSettings {
  /** Comma-separated once resolved. */
  apiKeys: SecretSource;
}

export function llmSettingsOf(env: LlmEnvironment): LlmSettings {
  return {
    provider: env.LLM_PROVIDER,
    timeoutMs: env.LLM_TIMEOUT,
    baseUrl: env.OPENAI_BASE_URL,
    organization: env.OPENAI_ORG_ID,
    project: env.OPENAI_PROJECT_ID,
    model: env.OPENAI_MODEL,
  };
}
