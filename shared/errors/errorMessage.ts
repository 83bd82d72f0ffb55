import { types } from 'node:util';

/**
 * What a caught value says, for a log line or a message that wraps it. Anything may be thrown; an Error says its
 * message, anything else what String makes of it. Node's own errors count as errors even where `instanceof Error`
 * fails (they come from another realm under a vm context, as in jest). Messages are not masked here: for what a pull
 * request may show, use failureDetails (shared/review/safety/failureDetails.ts).
 */

const isError = (value: unknown): value is Error => value instanceof Error || types.isNativeError(value);

export function errorMessage(error: unknown): string {
  return isError(error) ? error.message : String(error);
}

/** The message's first line: for a message that may carry a stack or a response body after it. */
export function errorFirstLine(error: unknown): string {
  return errorMessage(error).split('\n')[0];
}

/** The error's name (TypeError, RestError, AbortError …): the kind of failure, never its details. */
export function errorName(error: unknown): string {
  return isError(error) ? error.name : typeof error;
}

/** `name: message`, as a log line for an unforeseen error shows it. */
export function errorDescription(error: unknown): string {
  return isError(error) ? `${error.name}: ${error.message}` : String(error);
}
