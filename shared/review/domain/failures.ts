import { errorMessage } from '../../errors/errorMessage';
import { randomBytes } from 'node:crypto';
import type { ChatModel } from '../../llm/chatModel';

/**
 * Why a review failed, as the pull request may show it: a fixed sentence per class and a correlation id. Provider and
 * platform messages can hold masked keys, URLs or model text, so they go only to the log, under the same id.
 */
export const FAILURE_MESSAGES = {
  'model-credentials': 'the model provider refused the credentials',
  'model-timeout': 'the model did not answer in time',
  'model-invalid-answer': "the model's answer was invalid",
  'model-unavailable': 'the model provider was unreachable or throttled',
  'model-request-refused':
    'the model provider refused the request (no such model or deployment, or a parameter it does not accept)',
  'model-output-blocked': "the model's output was blocked (it contained the prompt's canary)",
  'devops-token': "the bot's token was refused: expired or revoked; see docs/azure-devops-identity.md",
  'devops-unavailable': 'Azure DevOps was unreachable or throttled',
  configuration: 'the configuration is invalid',
  unexpected: 'an unexpected error',
} as const;

export type FailureClass = keyof typeof FAILURE_MESSAGES;

export const isFailureClass = (value: unknown): value is FailureClass =>
  typeof value === 'string' && Object.hasOwn(FAILURE_MESSAGES, value);

export const newCorrelationId = () => randomBytes(6).toString('hex');

/**
 * What a failed review throws to the Functions host, which logs a thrown error's message as it is: the class and the
 * correlation id only. A provider's message can quote a key (`401 … api-key sk-…`); the details were logged, masked,
 * under the same id. The original stays reachable in-process (not enumerable, so an inspected error does not show it).
 */
export class ReviewFailedError extends Error {
  declare readonly original: unknown;
  constructor(
    readonly failure: FailureClass,
    readonly correlationId: string,
    original: unknown,
  ) {
    super(`review failed: ${failure} (ref ${correlationId}; the details are logged under it)`);
    this.name = 'ReviewFailedError';
    Object.defineProperty(this, 'original', { value: original, enumerable: false });
  }
}

/** An error the model's client threw (rather than Azure DevOps or the app), kept with its original message. */
export class ModelCallError extends Error {
  constructor(readonly original: unknown) {
    super(errorMessage(original));
    this.name = 'ModelCallError';
  }
}

/** The model, with every error it throws marked as the model's, for classification. */
export function markingModelErrors(model: ChatModel): ChatModel {
  return {
    completeStructured: (request) =>
      model.completeStructured(request).catch((error: unknown) => {
        throw error instanceof ModelCallError ? error : new ModelCallError(error);
      }),
  };
}

interface ErrorShape {
  name?: string;
  code?: string;
  status?: number;
  statusCode?: number;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const shapeOf = (error: unknown): ErrorShape => (typeof error === 'object' && error !== null ? error : {});
const statusOf = (shape: ErrorShape) => shape.status ?? shape.statusCode ?? shape.$metadata?.httpStatusCode;
const NETWORK_CODES =
  /^(?:ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_)/;
const names = (error: unknown): string => {
  const shape = shapeOf(error);
  const own = `${shape.name ?? ''} ${(error as object | undefined)?.constructor?.name ?? ''} ${shape.code ?? ''}`;
  return shape.cause === undefined || shape.cause === error ? own : `${own} ${names(shape.cause)}`;
};

function classifyModelError(error: unknown): FailureClass {
  const status = statusOf(shapeOf(error));
  const named = names(error);
  if (
    status === 401 ||
    status === 403 ||
    /Authentication|PermissionDenied|AccessDenied|UnrecognizedClient|ExpiredToken|InvalidSignature|OAuth2/.test(
      named,
    )
  ) {
    return 'model-credentials';
  }
  if (/Timeout|AbortError|ETIMEDOUT|TimedOut/i.test(named)) return 'model-timeout';
  if (/ModelOutputError|ZodError|SyntaxError|ValidationException/.test(named)) return 'model-invalid-answer';
  if (
    (status !== undefined && (status === 429 || status >= 500)) ||
    /Throttling|ServiceUnavailable|APIConnection/.test(named)
  )
    return 'model-unavailable';
  if (NETWORK_CODES.test(shapeOf(error).code ?? '')) return 'model-unavailable';
  // 400, 404, 422: the provider understood and declined; retrying the same request will not help.
  if (status !== undefined && status >= 400 && status < 500) return 'model-request-refused';
  return 'unexpected';
}

/** The class of a review's failure; errors from the model are recognised by ModelCallError. */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof ModelCallError) return classifyModelError(error.original);
  const shape = shapeOf(error);
  if (shape.name === 'ConfigError') return 'configuration';
  const status = statusOf(shape);
  // A sign-in page (203, or HTML where JSON was due) is how Azure DevOps refuses a token it does not know.
  if (status === 401 || status === 403 || shape.name === 'UnexpectedAnswerError') return 'devops-token';
  if (status === 429 || (status !== undefined && status >= 500)) return 'devops-unavailable';
  if (NETWORK_CODES.test(shape.code ?? '') || /Timeout|ETIMEDOUT/.test(names(error)))
    return 'devops-unavailable';
  return 'unexpected';
}

/** The status description of a failed review: fixed text and the id to look for in the logs. */
export const failureDescription = (failure: FailureClass, correlationId: string, prefix = 'Review failed') =>
  `${prefix}: ${FAILURE_MESSAGES[failure]} (ref ${correlationId})`;
