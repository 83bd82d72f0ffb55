import { errorDescription } from '../../errors/errorMessage';
import { ModelCallError } from '../domain/failures';
import { maskCredentials } from './secretScan';

/** The error's details for the log: first lines of the message, credential-shaped values masked. */
export function failureDetails(error: unknown): string {
  const original = error instanceof ModelCallError ? error.original : error;
  const message = errorDescription(original);
  return maskCredentials(message.split('\n').slice(0, 3).join(' | ')).slice(0, 1000);
}
