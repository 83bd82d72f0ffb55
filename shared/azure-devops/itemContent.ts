/**
 * A file read's raw answer becomes content only when it is one: `getItemContent` resolves the response stream
 * whatever its status, so a 404's error body or a proxy's page would otherwise be diffed as the file. And it is
 * read only up to the size limit, so a multi-gigabyte file pushed to a PR never sits in the worker's memory.
 */
import type http from 'node:http';
import type { FileContent } from '../review/domain/platform';
import { AzureDevOpsHttpError, UnexpectedAnswerError } from './azureDevOpsRequests';

/** What Azure DevOps sends for a raw item: bytes as asked, or text/plain when `$format=text`. */
const CONTENT_TYPES = /^(application\/octet-stream|text\/plain)\b/i;

export async function readItemContent(
  message: http.IncomingMessage,
  operation: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<FileContent | undefined> {
  const status = message.statusCode ?? 0;
  const contentType = message.headers['content-type'] ?? '';
  if (status !== 200) message.destroy();
  if (status === 404) return undefined;
  if (status !== 200) throw new AzureDevOpsHttpError(status, operation, undefined, undefined);
  if (!CONTENT_TYPES.test(contentType)) {
    message.destroy();
    throw new UnexpectedAnswerError(operation, status, contentType);
  }
  const declared = Number(message.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    message.destroy();
    return { kind: 'tooLarge', size: declared };
  }
  const onAbort = () => message.destroy(new Error(`${operation} was cut off`));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of message) {
      length += (chunk as Buffer).length;
      // No Content-Length (a chunked answer): stop at the limit rather than learn the size by reading it all.
      if (length > maxBytes) {
        message.destroy();
        return { kind: 'tooLarge' };
      }
      chunks.push(chunk as Buffer);
    }
    // A connection lost mid-answer is a network failure, retried like one.
    if (!message.complete)
      throw Object.assign(new Error(`${operation}: the answer was cut short`), { code: 'ECONNRESET' });
    return { kind: 'content', bytes: Buffer.concat(chunks, length) };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
