import { runSetupGateCommand, STATUS_CHECK_POLICY_TYPE } from '../../shared/cli/setupGateCommand';
import { type AzureDevOpsTestServer, startAzureDevOpsServer } from '../../dev/azure-devops/azureDevOpsServer';
import { capturedOutput } from '../support/capturedOutput';

let server: AzureDevOpsTestServer;
let repositoryId: string;

beforeEach(async () => {
  server = await startAzureDevOpsServer();
  repositoryId = (
    await server.createRepository({ project: 'Demo', name: 'app', files: { 'README.md': 'app\n' } })
  ).id;
});

afterEach(() => server.close());

async function gate(
  args: string[],
  env: NodeJS.ProcessEnv = { AZURE_DEVOPS_PAT: server.token, AZURE_DEVOPS_BOT_TOKEN: server.token },
) {
  const [stdout, stderr] = [capturedOutput(), capturedOutput()];
  const code = await runSetupGateCommand(
    ['--org', server.orgUrl, '--project', 'Demo', '--repository', 'app', ...args],
    { env, out: stdout.stream, err: stderr.stream },
  );
  const [out, err] = [stdout.text(), stderr.text()];
  expect(out + err).not.toContain(server.token);
  return { code, out, err, lines: out.split('\n').filter((line) => line !== '') };
}

interface StoredPolicy {
  id: number;
  isBlocking: boolean;
  settings: Record<string, unknown>;
}
async function policies(): Promise<StoredPolicy[]> {
  const response = await fetch(`${server.orgUrl}/Demo/_apis/policy/configurations?api-version=7.1`, {
    headers: { Authorization: `Basic ${Buffer.from(`:${server.token}`).toString('base64')}` },
  });
  return ((await response.json()) as { value: StoredPolicy[] }).value;
}
const policyWrites = () => server.writes.filter((write) => write.path.includes('/_apis/policy/'));

describe('setup-gate', () => {
  it("creates the status check with the bot's identity as its authorised identity", async () => {
    const result = await gate(['--branch', 'refs/heads/main']);

    expect(result).toMatchObject({ code: 0, lines: ['created refs/heads/main app'] });
    expect(policyWrites()).toHaveLength(1);
    expect(policyWrites()[0].body).toEqual({
      isEnabled: true,
      isBlocking: true,
      type: { id: STATUS_CHECK_POLICY_TYPE },
      settings: {
        statusGenre: 'ado-reviewer',
        statusName: 'review',
        authorId: server.botIdentity.id.toLowerCase(),
        invalidateOnSourceUpdate: true,
        defaultDisplayName: 'ado-reviewer/review',
        policyApplicability: null,
        scope: [{ repositoryId, refName: 'refs/heads/main', matchKind: 'exact' }],
      },
    });
  });

  it('is unchanged on a second run and creates only the policy of a new branch', async () => {
    await gate(['--branch', 'refs/heads/main']);
    expect((await gate(['--branch', 'refs/heads/main'])).lines).toEqual(['unchanged refs/heads/main app']);
    expect(policyWrites()).toHaveLength(1);

    const result = await gate(['--branch', 'refs/heads/main', '--branch', 'refs/heads/release']);

    expect(result.lines).toEqual(['unchanged refs/heads/main app', 'created refs/heads/release app']);
    expect(policyWrites()).toHaveLength(2);
    expect(await policies()).toHaveLength(2);
  });

  it('updates a policy that authorises another identity', async () => {
    const otherId = '11111111-2222-4333-8444-555555555555';
    await gate(['--branch', 'refs/heads/main', '--bot-id', otherId]);
    expect((await policies())[0].settings.authorId).toBe(otherId);

    const result = await gate(['--branch', 'refs/heads/main']);

    expect(result.lines).toEqual(['updated refs/heads/main app']);
    expect(policyWrites().map((write) => write.method)).toEqual(['POST', 'PUT']);
    const [stored] = await policies();
    expect(stored.settings.authorId).toBe(server.botIdentity.id.toLowerCase());
  });

  it('writes nothing with --dry-run', async () => {
    const result = await gate(['--branch', 'refs/heads/main', '--dry-run']);

    expect(result).toMatchObject({ code: 0, lines: ['would create refs/heads/main app'] });
    expect(policyWrites()).toEqual([]);
  });

  it('exits 2 without a PAT', async () => {
    const result = await gate(['--branch', 'refs/heads/main'], { AZURE_DEVOPS_BOT_TOKEN: server.token });

    expect(result.code).toBe(2);
    expect(result.err).toContain('AZURE_DEVOPS_PAT: is required');
    expect(policyWrites()).toEqual([]);
  });
});
