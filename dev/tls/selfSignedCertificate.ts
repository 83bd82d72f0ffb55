import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throwaway self-signed certificate (its own CA) for the stand-ins that speak HTTPS, made with the openssl CLI (no
 * npm package needed). `subjectAltName` as openssl takes it: `DNS:host` or `IP:127.0.0.1`.
 */
export async function createSelfSignedCertificate(
  commonName: string,
  subjectAltName: string,
): Promise<{ key: Buffer; cert: Buffer }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'self-signed-'));
  const keyFile = path.join(directory, 'key.pem');
  const certFile = path.join(directory, 'cert.pem');
  try {
    await run('openssl', [
      ...[
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
      ],
      ...['-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${subjectAltName}`],
      ...['-keyout', keyFile, '-out', certFile],
    ]);
    return { key: await readFile(keyFile), cert: await readFile(certFile) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('The HTTPS stand-ins need the openssl command on PATH to make their TLS certificate', {
        cause: error,
      });
    }
    throw error;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
