import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Published npm package versions as real-world file histories for the line-diff tests and benchmark: fetched once
 * with `npm pack`, unpacked with `tar`, and kept across runs.
 */

const run = promisify(execFile);

export const NPM_PACK_CACHE = path.join(os.tmpdir(), 'ado-reviewer-npm-cache');

/** Two published versions of one package. */
export interface VersionPair {
  name: string;
  oldVersion: string;
  newVersion: string;
}

/** The unpacked `package/` directory of name@version, downloaded and unpacked on first use. */
export async function unpackedPackage(name: string, version: string): Promise<string> {
  const dir = path.join(NPM_PACK_CACHE, `${name}-${version}`);
  const packageDir = path.join(dir, 'package');
  if (await exists(packageDir)) return packageDir;
  await fs.mkdir(NPM_PACK_CACHE, { recursive: true });
  let tarball: string;
  try {
    const { stdout } = await run(
      'npm',
      ['pack', `${name}@${version}`, '--json', '--pack-destination', NPM_PACK_CACHE],
      {
        cwd: NPM_PACK_CACHE,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    tarball = path.join(NPM_PACK_CACHE, (JSON.parse(stdout) as Array<{ filename: string }>)[0].filename);
  } catch (error) {
    throw new Error(
      `npm pack ${name}@${version} failed, so the real-history diff data is missing (is the npm registry ` +
        `reachable?): ${(error as { stderr?: string }).stderr || (error as Error).message}`,
    );
  }
  // Unpack beside the final place and rename, so an interrupted run never leaves a half-filled directory.
  const staging = await fs.mkdtemp(path.join(NPM_PACK_CACHE, `.${name}-${version}-`));
  await run('tar', ['-xzf', tarball, '-C', staging]);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(staging, dir);
  return packageDir;
}

/** Relative paths (with '/') of every file under dir. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

/**
 * Lines added plus removed per file, as `git diff --no-index --numstat` counts them between two directories;
 * binary files are left out. Keys are paths relative to the two directories.
 */
export async function gitChangedLineCounts(oldDir: string, newDir: string): Promise<Map<string, number>> {
  const stdout = await gitNoIndex(['--numstat', '-z', '--no-renames', oldDir, newDir]);
  // With two paths per entry, -z gives "added\tremoved\t\0oldPath\0newPath\0".
  const fields = stdout.split('\0');
  const counts = new Map<string, number>();
  for (let k = 0; k + 2 < fields.length; k += 3) {
    const [added, removed] = fields[k].split('\t');
    if (added === '-') continue;
    const relative =
      fields[k + 1] === '/dev/null'
        ? path.relative(newDir, fields[k + 2])
        : path.relative(oldDir, fields[k + 1]);
    counts.set(relative.split(path.sep).join('/'), Number(added) + Number(removed));
  }
  return counts;
}

/** Runs `git diff --no-index` with the given arguments; its exit code 1 only means "the inputs differ". */
export async function gitNoIndex(args: string[]): Promise<string> {
  try {
    return (await run('git', ['diff', '--no-index', ...args], { maxBuffer: 1024 * 1024 * 1024 })).stdout;
  } catch (error) {
    const failure = error as { code?: number; stdout?: string };
    if (failure.code === 1 && failure.stdout !== undefined) return failure.stdout;
    throw error;
  }
}

async function exists(target: string): Promise<boolean> {
  try {
    await fs.access(target);
    return true;
  } catch {
    return false;
  }
}
