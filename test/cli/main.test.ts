import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The `ado-reviewer` entry point, run as the user runs it: a fresh Node process (the TypeScript sources through
 * test/support/transpileOnRequire.js), observed by its exit code, its two streams and the modules it loaded.
 */

const root = path.join(__dirname, '../..');
const COMMANDS = ['diff', 'review-local', 'setup-hooks', 'remove-hooks'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cli-main-'));
  writeFileSync(path.join(dir, 'old.txt'), 'one\ntwo\n');
  writeFileSync(path.join(dir, 'new.txt'), 'one\n2\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `ado-reviewer ...args`; `loaded` is every module file in the process's require cache once it is done. */
function cli(...args: string[]): { code: number | null; out: string; err: string; loaded: string[] } {
  const loadedFile = path.join(dir, 'loaded.json');
  rmSync(loadedFile, { force: true });
  const script =
    `const { main } = require(${JSON.stringify(path.join(root, 'shared/cli/main.ts'))});` +
    `main(['node', 'ado-reviewer', ...process.argv.slice(1)]).then((code) => {` +
    `  require('node:fs').writeFileSync(${JSON.stringify(loadedFile)}, JSON.stringify(Object.keys(require.cache)));` +
    `  process.exitCode = code;` +
    `});`;
  const result = spawnSync(
    process.execPath,
    ['-r', path.join(root, 'test/support/transpileOnRequire.js'), '-e', script, '--', ...args],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  return {
    code: result.status,
    out: result.stdout,
    err: result.stderr,
    loaded: JSON.parse(readFileSync(loadedFile, 'utf8')) as string[],
  };
}

describe('ado-reviewer', () => {
  it.each([['--help'], ['-h'], ['help']])(
    '%s prints the usage with every command on stdout, exit 0',
    (flag) => {
      const { code, out, err } = cli(flag);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(out).toMatch(/^usage: ado-reviewer <command>/);
      for (const command of COMMANDS) expect(out).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    },
  );

  it.each([[[]], [['no-such-command']], [['help', 'no-such-command']]])(
    'prints the usage on stderr and exits 2 for %j',
    (args) => {
      const { code, out, err } = cli(...args);
      expect({ code, out }).toEqual({ code: 2, out: '' });
      expect(err).toContain('usage: ado-reviewer <command>');
      if (args.length > 0) expect(err).toContain(`unknown command "${args.at(-1)}"`);
    },
  );

  it.each([...COMMANDS.map((command) => [command, '--help']), ['remove-hooks', '-h'], ['help', 'diff']])(
    '%s %s prints that command’s usage on stdout, exit 0',
    (...args) => {
      const command = args[0] === 'help' ? args[1] : args[0];
      const { code, out, err } = cli(...args);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(out).toMatch(new RegExp(`^usage: ado-reviewer ${command} `));
    },
  );

  it('runs diff without loading the other commands, the model client, Azure DevOps clients or zod', () => {
    const { code, out, loaded } = cli('diff', 'old.txt', 'new.txt');
    expect(code).toBe(0);
    expect(out).toMatch(/^@@ -2 \+2 @@.*\n-two\n\+2\n$/m);
    expect(loaded.some((file) => file.endsWith('shared/cli/diffCommand.ts'))).toBe(true);
    const unwanted = [
      /\/shared\/cli\/(reviewLocal|setupHooks)\w*\.ts$/,
      /\/shared\/(review|llm|azure-devops|service-hooks|git|config)\//,
      /node_modules\/(openai|azure-devops-node-api|zod)\//,
    ];
    expect(loaded.filter((file) => unwanted.some((pattern) => pattern.test(file)))).toEqual([]);
  });

  it('loads a command’s modules when that command runs (so the check above can see them)', () => {
    expect(cli('setup-hooks', '--help').loaded.some((file) => /node_modules\/zod\//.test(file))).toBe(true);
    const reviewLocal = cli('review-local', '--help').loaded;
    expect(reviewLocal.some((file) => /node_modules\/openai\//.test(file))).toBe(true);
    expect(reviewLocal.some((file) => file.endsWith('shared/cli/reviewLocalCommand.ts'))).toBe(true);
  });
});
