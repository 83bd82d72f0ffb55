import { Writable } from 'node:stream';

/** A stream that collects what a command writes, for asserting on CLI output in-process. */
export function capturedOutput(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}
