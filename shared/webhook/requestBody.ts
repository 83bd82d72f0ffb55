/**
 * Reading a delivery's body within bounds. The largest real delivery in test/fixtures/service-hooks is 11,185 bytes
 * (a comment event with resource details "All"); 1 MiB leaves room for long descriptions and comments while keeping
 * a request from holding the instance's memory. A sender that stalls is cut off so it cannot hold the invocation.
 */

const MAX_BODY_BYTES = 1024 * 1024;
/** Longer than any healthy sender needs for 1 MiB, shorter than Azure DevOps' own wait for an answer. */
const BODY_TIMEOUT_MS = 10_000;

export type BodyReading =
  | { kind: 'body'; text: string }
  | { kind: 'tooLarge'; limit: number }
  | { kind: 'timedOut'; afterMs: number }
  /** The sender went away mid-body. */
  | { kind: 'interrupted' };

interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Reads a request body as UTF-8 up to `maxBytes`, giving up after `timeoutMs` in all. A declared Content-Length over
 * the limit is refused before reading anything. Reading just stops early: cancelling the stream would destroy the
 * connection (the host's, with streams on) before the answer could be sent on it.
 */
export async function readBoundedBody(
  body: ReadableStream<Uint8Array> | null,
  declaredLength: string | null,
  limits: BodyLimits = { maxBytes: MAX_BODY_BYTES, timeoutMs: BODY_TIMEOUT_MS },
): Promise<BodyReading> {
  const declared = declaredLength === null ? undefined : Number(declaredLength);
  if (declared !== undefined && Number.isFinite(declared) && declared > limits.maxBytes) {
    return { kind: 'tooLarge', limit: limits.maxBytes };
  }
  if (body === null) return { kind: 'body', text: '' };

  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timedOut'>((resolve) => {
    timer = setTimeout(() => resolve('timedOut'), limits.timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timedOut]);
      if (next === 'timedOut') return { kind: 'timedOut', afterMs: limits.timeoutMs };
      if (next.done) break;
      received += next.value.byteLength;
      if (received > limits.maxBytes) return { kind: 'tooLarge', limit: limits.maxBytes };
      chunks.push(next.value);
    }
  } catch {
    return { kind: 'interrupted' };
  } finally {
    clearTimeout(timer);
  }
  return { kind: 'body', text: Buffer.concat(chunks).toString('utf8') };
}
