import { spawn } from 'node:child_process';
import { CatFileBatch } from './catFileBatch';

/**
 * A bare git repository driven through the `git` CLI, used by the Azure DevOps test server so that commits, merge
 * bases, diffs and rename detection come from real git rather than from a model of it.
 */

export interface GitPerson {
  name: string;
  email: string;
}

/** File content to write: text (stored as UTF-8) or raw bytes. */
/** A file's content, or a symbolic link (its target) or a submodule (the commit it points at). */
export type FileContent = string | Buffer | { symlink: string } | { submodule: string };

export interface CommitRequest {
  /** Short branch name, e.g. `feature/x`. The branch is created or moved to the new commit. */
  branch: string;
  /** Commit the new one builds on; absent for a repository's first commit. */
  parent?: string;
  /** Repository-relative paths; `null` deletes the file. */
  files: Record<string, FileContent | null>;
  /** Moves applied before `files`, so a moved file can also be given new content. */
  renames?: Record<string, string>;
  message: string;
  author: GitPerson;
  date?: Date;
}

export type TreeChangeType = 'add' | 'edit' | 'delete' | 'rename' | 'edit, rename';

/** One file changed between two commits, as `git diff-tree -M` reports it. Paths have no leading slash. */
export interface TreeChange {
  changeType: TreeChangeType;
  path: string;
  originalPath?: string;
  /** Blob after the change (absent for a delete). */
  objectId?: string;
  /** Blob before the change (absent for an add). */
  originalObjectId?: string;
  /** Git file mode after the change (before it, for a delete): 100644, 100755, 120000 symlink, 160000 submodule. */
  mode: string;
}

export interface TreeEntry {
  path: string;
  type: 'blob' | 'tree' | 'commit';
  objectId: string;
}

export interface CommitInfo {
  commitId: string;
  parents: string[];
  author: GitPerson & { date: string };
  committer: GitPerson & { date: string };
  message: string;
}

/** Environment that keeps the machine's own git configuration (signing, hooks, templates) out of the way. */
function gitEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY']) delete env[key];
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

interface GitResult {
  stdout: Buffer;
  exitCode: number;
}

function runGit(
  args: string[],
  options: { input?: Buffer; okExitCodes?: number[]; env?: Record<string, string> } = {},
): Promise<GitResult> {
  const okExitCodes = options.okExitCodes ?? [0];
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env: gitEnvironment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const exitCode = code ?? -1;
      if (okExitCodes.includes(exitCode)) resolve({ stdout: Buffer.concat(stdout), exitCode });
      else
        reject(
          new Error(
            `git ${args.slice(0, 3).join(' ')} exited ${exitCode}: ${Buffer.concat(stderr).toString().trim()}`,
          ),
        );
    });
    child.stdin.on('error', () => undefined); // git may exit before reading all input; the exit code tells why
    child.stdin.end(options.input ?? Buffer.alloc(0));
  });
}

/** `a/b.txt`, `/a/b.txt` and `a\b.txt` all name the same repository path `a/b.txt`. */
export function toRepositoryPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\/+/, '').replace(/\/+$/, '');
}

/** C-style quoting accepted by every path position of `git fast-import`. */
function quoteImportPath(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function importData(content: Buffer): Buffer[] {
  return [Buffer.from(`data ${content.length}\n`), content, Buffer.from('\n')];
}

export class GitRepository {
  /** Ref resolution, item lookups and blob reads: the per-request reads, through one process rather than one each. */
  private readonly objects: CatFileBatch;

  private constructor(readonly directory: string) {
    this.objects = new CatFileBatch(
      ['--git-dir', directory, 'cat-file', '--batch-command'],
      gitEnvironment(),
    );
  }

  static async init(directory: string, defaultBranch: string): Promise<GitRepository> {
    await runGit(['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, directory]);
    return new GitRepository(directory);
  }

  private git(args: string[], options?: Parameters<typeof runGit>[1]): Promise<GitResult> {
    return runGit(['--git-dir', this.directory, '--literal-pathspecs', ...args], options);
  }

  private async text(args: string[]): Promise<string> {
    return (await this.git(args)).stdout.toString('utf8').trim();
  }

  /** Writes one commit with `git fast-import` (one process however many files) and points `branch` at it. */
  async commit(request: CommitRequest): Promise<string> {
    const existing = request.parent ? new Set(await this.listFiles(request.parent)) : new Set<string>();
    const seconds = Math.floor((request.date ?? new Date()).getTime() / 1000);
    const who = `${request.author.name} <${request.author.email}> ${seconds} +0000`;
    const stream: Buffer[] = [
      Buffer.from(`commit refs/heads/${request.branch}\nauthor ${who}\ncommitter ${who}\n`),
      ...importData(Buffer.from(request.message, 'utf8')),
    ];
    if (request.parent) stream.push(Buffer.from(`from ${request.parent}\n`));
    for (const [from, to] of Object.entries(request.renames ?? {})) {
      const source = toRepositoryPath(from);
      if (!existing.has(source)) throw new Error(`cannot rename ${from}: no such file on ${request.branch}`);
      stream.push(Buffer.from(`R ${quoteImportPath(source)} ${quoteImportPath(toRepositoryPath(to))}\n`));
      existing.delete(source);
      existing.add(toRepositoryPath(to));
    }
    for (const [rawPath, content] of Object.entries(request.files)) {
      const path = toRepositoryPath(rawPath);
      if (path === '') throw new Error(`invalid file path "${rawPath}"`);
      if (content === null) {
        if (!existing.has(path))
          throw new Error(`cannot delete ${rawPath}: no such file on ${request.branch}`);
        stream.push(Buffer.from(`D ${quoteImportPath(path)}\n`));
      } else if (typeof content === 'object' && 'symlink' in content) {
        stream.push(
          Buffer.from(`M 120000 inline ${quoteImportPath(path)}\n`),
          ...importData(Buffer.from(content.symlink)),
        );
      } else if (typeof content === 'object' && 'submodule' in content) {
        stream.push(Buffer.from(`M 160000 ${content.submodule} ${quoteImportPath(path)}\n`));
      } else {
        const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
        stream.push(Buffer.from(`M 100644 inline ${quoteImportPath(path)}\n`), ...importData(bytes));
      }
    }
    stream.push(Buffer.from('\n'));
    await this.git(['fast-import', '--quiet', '--done', '--force'], {
      input: Buffer.concat([...stream, Buffer.from('done\n')]),
    });
    const commitId = await this.resolveRef(`refs/heads/${request.branch}`);
    if (!commitId) throw new Error(`fast-import did not create refs/heads/${request.branch}`);
    return commitId;
  }

  /** Ends the repository's long-lived git process. */
  close(): Promise<void> {
    return this.objects.close();
  }

  /** Commit id a ref points at, or undefined when the ref does not exist. */
  async resolveRef(ref: string): Promise<string | undefined> {
    return (await this.objects.info(`${ref}^{commit}`))?.objectId;
  }

  /** Full commit id for a (possibly abbreviated) commit id, or undefined when there is no such commit. */
  async resolveCommit(commitish: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{4,40}$/i.test(commitish)) return undefined;
    return this.resolveRef(commitish);
  }

  async updateRef(ref: string, commitId: string): Promise<void> {
    await this.git(['update-ref', ref, commitId]);
  }

  async mergeBase(first: string, second: string): Promise<string | undefined> {
    const result = await this.git(['merge-base', first, second], { okExitCodes: [0, 1] });
    return result.exitCode === 0 ? result.stdout.toString().trim() : undefined;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await this.git(['merge-base', '--is-ancestor', ancestor, descendant], {
      okExitCodes: [0, 1],
    });
    return result.exitCode === 0;
  }

  /** Files changed from `base` to `target`, with git's rename detection (50% similarity). */
  async diff(base: string, target: string): Promise<TreeChange[]> {
    const output = await this.git(['diff-tree', '-r', '-z', '--no-abbrev', '-M', base, target]);
    const fields = output.stdout.toString('utf8').split('\0');
    const changes: TreeChange[] = [];
    for (let index = 0; index < fields.length - 1;) {
      const [oldMode, newMode, oldObject, newObject, status] = fields[index].slice(1).split(' ');
      const kind = status[0];
      if (kind === 'R') {
        changes.push({
          changeType: status === 'R100' ? 'rename' : 'edit, rename',
          originalPath: fields[index + 1],
          path: fields[index + 2],
          objectId: newObject,
          originalObjectId: oldObject,
          mode: newMode,
        });
        index += 3;
        continue;
      }
      const path = fields[index + 1];
      index += 2;
      if (kind === 'A') changes.push({ changeType: 'add', path, objectId: newObject, mode: newMode });
      else if (kind === 'D')
        changes.push({ changeType: 'delete', path, originalObjectId: oldObject, mode: oldMode });
      else
        changes.push({
          changeType: 'edit',
          path,
          objectId: newObject,
          originalObjectId: oldObject,
          mode: newMode,
        });
    }
    return changes;
  }

  /** The object at `path` in `commitId` (empty path = root tree), or undefined when the path does not exist. */
  async entry(commitId: string, path: string): Promise<TreeEntry | undefined> {
    const repositoryPath = toRepositoryPath(path);
    const info = await this.objects.info(`${commitId}:${repositoryPath}`);
    if (info?.type !== 'blob' && info?.type !== 'tree' && info?.type !== 'commit') return undefined;
    return { path: repositoryPath, type: info.type, objectId: info.objectId };
  }

  async readBlob(objectId: string): Promise<Buffer> {
    const blob = await this.objects.contents(objectId);
    if (blob?.info.type !== 'blob' || !blob.content)
      throw new Error(`git cat-file: ${objectId} is not a blob`);
    return blob.content;
  }

  /** Entries below the folder `path` of `commitId`: its children, or every descendant when `recursive`. */
  async listTree(commitId: string, path: string, recursive: boolean): Promise<TreeEntry[]> {
    const folder = toRepositoryPath(path);
    const args = ['ls-tree', '-z', ...(recursive ? ['-r', '-t'] : []), `${commitId}:${folder}`];
    const output = (await this.git(args)).stdout.toString('utf8');
    return output
      .split('\0')
      .filter((line) => line !== '')
      .map((line) => {
        const [meta, name] = line.split('\t');
        const [, type, objectId] = meta.split(' ');
        return {
          path: folder === '' ? name : `${folder}/${name}`,
          type: type as TreeEntry['type'],
          objectId,
        };
      });
  }

  async listFiles(commitId: string): Promise<string[]> {
    const output = (await this.git(['ls-tree', '-r', '-z', '--name-only', commitId])).stdout.toString('utf8');
    return output.split('\0').filter((name) => name !== '');
  }

  /**
   * The merge of `source` into `target` as a real merge commit (not on any branch), like the PR merge commit Azure
   * DevOps keeps; undefined when the merge has conflicts or the histories are unrelated.
   */
  async merge(
    target: string,
    source: string,
    message: string,
    author: GitPerson,
  ): Promise<string | undefined> {
    const merged = await this.git(['merge-tree', '--write-tree', '--no-messages', target, source], {
      okExitCodes: [0, 1, 128],
    });
    if (merged.exitCode !== 0) return undefined;
    const tree = merged.stdout.toString().split('\n')[0].trim();
    const identity = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    const commit = await this.git(['commit-tree', tree, '-p', target, '-p', source, '-m', message], {
      env: identity,
    });
    return commit.stdout.toString().trim();
  }

  /** Commits reachable from `head` but not from `exclude`, newest first. */
  async commits(head: string, exclude?: string, maxCount?: number): Promise<CommitInfo[]> {
    const format = ['%H', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x1f');
    const range = exclude ? [head, `^${exclude}`] : [head];
    const limit = maxCount === undefined ? [] : [`--max-count=${maxCount}`];
    const output = await this.text(['log', '-z', `--format=${format}`, ...limit, ...range, '--']);
    const records = output.split('\0').filter((record) => record !== '');
    return records.map((record) => {
      const [commitId, parents, an, ae, ad, cn, ce, cd, message] = record.split('\x1f');
      return {
        commitId,
        parents: parents === '' ? [] : parents.split(' '),
        author: { name: an, email: ae, date: new Date(ad).toISOString() },
        committer: { name: cn, email: ce, date: new Date(cd).toISOString() },
        message: message.replace(/\n+$/, ''),
      };
    });
  }
}
