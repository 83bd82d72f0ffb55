import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The webhook must acknowledge fast from a cold start, so its entry point (and health's) must not load the review
 * stack. Observed in a fresh Node process: which modules does requiring the entry point load?
 */

const root = path.join(__dirname, '../..');
const reviewStack = [
  /node_modules\/openai\//,
  /node_modules\/azure-devops-node-api\//,
  /node_modules\/diff\//,
  /\/shared\/(review|diff|llm|worker|storage|git)\//,
  // The Azure DevOps client, platform and credential; the URL parser is pure (config and the webhook's
  // organization check need it) and allowed.
  /\/shared\/azure-devops\/(?!repositoryUrl\.ts$)/,
];

function modulesLoadedBy(entry: string): string[] {
  // On its own line, last: @azure/functions logs to stdout ("HTTP streaming enabled.") when no host is present.
  const script = `require(${JSON.stringify(entry)}); process.stdout.write('\\n' + JSON.stringify(Object.keys(require.cache)));`;
  const output = execFileSync(
    process.execPath,
    ['-r', path.join(root, 'test/support/transpileOnRequire.js'), '-e', script],
    {
      cwd: root,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      // @azure/functions warns on stderr that no Functions runtime is present, which is the point here.
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return JSON.parse(String(output).split('\n').at(-1) as string) as string[];
}

describe('function entry points at start-up', () => {
  it.each(['webhook', 'health', 'reviewJob', 'reviewJobPoison', 'keyVaultSecretEvents'])(
    'functions/%s does not load the review stack',
    (entry) => {
      const loaded = modulesLoadedBy(path.join(root, `functions/${entry}.ts`));
      expect(loaded.some((file) => file.includes(`functions/${entry}.ts`))).toBe(true);
      expect(loaded.filter((file) => reviewStack.some((pattern) => pattern.test(file)))).toEqual([]);
    },
  );

  it('the review job loads the stack when it runs (so the check above can see it)', () => {
    const loaded = modulesLoadedBy(path.join(root, 'shared/worker/runReviewJob.ts'));
    expect(loaded.some((file) => /node_modules\/openai\//.test(file))).toBe(true);
    expect(loaded.some((file) => /node_modules\/azure-devops-node-api\//.test(file))).toBe(true);
  });
});
