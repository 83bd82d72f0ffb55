import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The tests' own git runs, kept apart from the machine's git configuration. */
export const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
};

export interface ScratchGitRepository {
  dir: string;
  /** Runs git in the repository; its output, trimmed. */
  git(...args: string[]): string;
  /** Writes a file (its folders made as needed). */
  write(file: string, content: string | Buffer): void;
  /** Commits everything; the new commit's id. */
  commitAll(message: string): string;
  remove(): void;
}

/** A new repository on `main` in a temporary folder whose name starts with `prefix`. */
export function scratchGitRepository(prefix: string): ScratchGitRepository {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: gitEnv }).toString('utf8').trim();
  git('init', '-q', '--initial-branch=main');
  return {
    dir,
    git,
    write(file, content) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    },
    commitAll(message) {
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
