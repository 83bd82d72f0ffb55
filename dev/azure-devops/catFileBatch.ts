import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/**
 * One long-lived `git cat-file --batch-command` process for a repository, so that item reads cost a line of stdin
 * rather than a process each. git answers commands strictly in the order they were written, so the replies are
 * matched to a FIFO queue of waiting requests. The process is started on first use, started again on the next
 * request if it exits, and ended by `close()`.
 */

export interface ObjectInfo {
  objectId: string;
  type: string;
  size: number;
}

interface PendingRequest {
  /** `contents` replies carry the object's bytes after the header; `info` replies are the header alone. */
  withContent: boolean;
  resolve: (result: { info: ObjectInfo; content?: Buffer } | undefined) => void;
  reject: (error: Error) => void;
}

/** Header of a found object: `<sha> <type> <size>`; anything else (`<name> missing`, `<name> ambiguous`) is absent. */
function parseHeader(header: string): ObjectInfo | undefined {
  const match = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
  return match ? { objectId: match[1], type: match[2], size: Number(match[3]) } : undefined;
}

/** Whether the process and its pipes keep Node's event loop alive: only while a request waits for its answer. */
function holdEventLoop(child: ChildProcessWithoutNullStreams, hold: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as { ref(): void; unref(): void }[])
    if (hold) handle.ref();
    else handle.unref();
}

export class CatFileBatch {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly waiting: PendingRequest[] = [];
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** The current reply's header, once read, while its content is still arriving. */
  private header: ObjectInfo | undefined;
  private closed = false;

  constructor(
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Type, id and size of the object `name` (anything cat-file accepts, e.g. `<commit>:<path>`), if it exists. */
  async info(name: string): Promise<ObjectInfo | undefined> {
    return (await this.request('info', name, false))?.info;
  }

  /** The object `name` with its bytes, if it exists. */
  contents(name: string): Promise<{ info: ObjectInfo; content?: Buffer } | undefined> {
    return this.request('contents', name, true);
  }

  /** Ends the process (it exits at end of input) and waits for it; later requests fail. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    holdEventLoop(child, true);
    child.stdin.end();
    await exited;
  }

  private request(
    command: 'info' | 'contents',
    name: string,
    withContent: boolean,
  ): Promise<{ info: ObjectInfo; content?: Buffer } | undefined> {
    if (this.closed) return Promise.reject(new Error('git cat-file: repository closed'));
    // A line break would split the name into two commands and put every later reply out of step; NUL is cut off
    // by git. Neither can be part of a name that exists, so such names are simply absent.
    if (/[\n\0]/.test(name)) return Promise.resolve(undefined);
    const child = this.child ?? this.start();
    if (this.waiting.length === 0) holdEventLoop(child, true);
    return new Promise((resolve, reject) => {
      this.waiting.push({ withContent, resolve, reject });
      child.stdin.write(`${command} ${name}\n`);
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn('git', this.args, { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined); // a process that died is reported by 'close' below
    let failure: Error | undefined;
    child.on('error', (error) => (failure = error));
    child.on('close', (code) => {
      if (this.child === child) this.child = undefined;
      this.chunks = [];
      this.bufferedBytes = 0;
      this.header = undefined;
      const reason =
        failure ??
        new Error(
          `git cat-file --batch-command exited ${code ?? -1}: ${Buffer.concat(stderr).toString().trim()}`,
        );
      for (const request of this.waiting.splice(0)) request.reject(reason);
    });
    return child;
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      const request = this.waiting[0];
      if (!request) return;
      if (!this.header) {
        const buffered = this.buffered();
        const lineEnd = buffered.indexOf(0x0a);
        if (lineEnd < 0) return;
        const info = parseHeader(buffered.subarray(0, lineEnd).toString('utf8'));
        this.take(lineEnd + 1);
        if (!info || !request.withContent) {
          this.settle();
          request.resolve(info && { info });
          continue;
        }
        this.header = info;
      }
      // Content is followed by one line feed of its own.
      if (this.bufferedBytes < this.header.size + 1) return;
      const content = Buffer.from(this.buffered().subarray(0, this.header.size));
      this.take(this.header.size + 1);
      const info = this.header;
      this.header = undefined;
      this.settle();
      request.resolve({ info, content });
    }
  }

  /** Drops the answered request; an idle process lets the event loop end, as the server's close() may never come. */
  private settle(): void {
    this.waiting.shift();
    if (this.waiting.length === 0 && this.child) holdEventLoop(this.child, false);
  }

  /** Everything received and not yet consumed, as one buffer. */
  private buffered(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.bufferedBytes)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(byteCount: number): void {
    const rest = this.buffered().subarray(byteCount);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
  }
}
