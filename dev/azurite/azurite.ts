import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** Blob and queue endpoints of the development account. */
  connectionString: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode}:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Azurite did not listen on port ${port} within ${timeoutMs} ms:\n${output()}`);
}

/** Starts the real Azurite (from npm) with its blob and queue services on free ports, in memory. */
export async function startAzurite(): Promise<Azurite> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const workspace = mkdtempSync(path.join(tmpdir(), 'ado-reviewer-azurite-'));
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/azurite.js');
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobPort',
      String(blobPort),
      '--queuePort',
      String(queuePort),
      '--tablePort',
      String(tablePort),
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--loose',
      '--silent',
    ],
    // Its working directory is a scratch folder, so nothing it might write lands in the checkout.
    { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  await waitForPort(queuePort, child, () => output, 20_000);
  await waitForPort(blobPort, child, () => output, 20_000);
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};` +
      `BlobEndpoint=http://127.0.0.1:${blobPort}/${ACCOUNT};QueueEndpoint=http://127.0.0.1:${queuePort}/${ACCOUNT};`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}
