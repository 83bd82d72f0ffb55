import { startLlmServer, type LlmTestServer } from '../../dev/llm/llmServer';
import { startKeyVaultServer } from '../../dev/key-vault/keyVaultServer';
import { runCheckLlmCommand } from '../../shared/cli/checkLlmCommand';
import { main } from '../../shared/cli/main';
import { createKeyVaultSecretStore } from '../../shared/secrets/secretStore';
import { capturedOutput } from '../support/capturedOutput';

/** `ado-reviewer check-llm` through the command line's entry point, against the LLM stand-in speaking Azure OpenAI. */

const KEY = 'azure-key-never-printed';
let server: LlmTestServer;

beforeAll(async () => {
  server = await startLlmServer({
    apiKeys: [],
    authorize: ({ apiKey }) => apiKey === KEY,
    deployments: { 'mini-prod': { reasoning: false }, 'o4mini-prod': { reasoning: true } },
    responder: () => JSON.stringify({ ok: true }),
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

async function run(args: string[], env: Record<string, string>) {
  const out = capturedOutput();
  const err = capturedOutput();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back unchanged below
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = out.stream.write.bind(out.stream) as typeof process.stdout.write;
  process.stderr.write = err.stream.write.bind(err.stream) as typeof process.stderr.write;
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(['node', 'ado-reviewer', 'check-llm', ...args]);
    return { code, out: out.text(), err: err.text() };
  } finally {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
    process.env = saved;
  }
}

const azure = () => ({
  LLM_PROVIDER: 'azure-openai',
  AZURE_OPENAI_ENDPOINT: server.url,
  AZURE_OPENAI_API_KEY: KEY,
  AZURE_GPT41MINI_DEPLOYMENT_NAME: 'mini-prod',
  AZURE_O4MINI_DEPLOYMENT_NAME: 'o4mini-prod',
  AZURE_O3_DEPLOYMENT_NAME: 'o3-not-deployed',
});

it('prints provider, endpoint host, and per tier the deployment that answered, latency and tokens', async () => {
  const { code, out } = await run([], azure());
  const host = new URL(server.url).host;
  const lines = out.trim().split('\n');
  expect(lines[0]).toBe(`provider azure-openai, endpoint host ${host}`);
  expect(lines[1]).toMatch(/^light +ok +mini-prod {2}\d+ ms {2}tokens in \d+, out \d+$/);
  expect(lines[2]).toMatch(
    /^reasoning +ok +o4mini-prod {2}\d+ ms {2}tokens in \d+, out \d+ \(reasoning 64\)$/,
  );
  // o3 is not deployed: heavy falls back to the next deployment that is (gpt-4.1 absent, so o4-mini).
  expect(lines[3]).toMatch(/^heavy +ok +o4mini-prod /);
  expect(code).toBe(0);
  expect(server.requests.map((sent) => sent.deployment)).toEqual([
    'mini-prod',
    'o4mini-prod',
    'o3-not-deployed',
    'o4mini-prod',
  ]);
  expect(out).not.toContain(KEY);
});

it('prints why a tier failed, never the key, and exits 1', async () => {
  const { code, out } = await run(['--tier', 'light'], { ...azure(), AZURE_OPENAI_API_KEY: 'wrong-key' });
  expect(code).toBe(1);
  expect(out).toMatch(/^light {2}failed {2}mini-prod → .* \d+ ms: 401 Access denied/m);
  expect(out).not.toContain('wrong-key');
});

it('names invalid settings and exits 2', async () => {
  const { code, err } = await run([], { LLM_PROVIDER: 'azure-openai', AZURE_OPENAI_ENDPOINT: '' });
  expect(code).toBe(2);
  expect(err).toContain('AZURE_OPENAI_ENDPOINT: is required with LLM_PROVIDER=azure-openai');
  const badTier = await run(['--tier', 'medium'], azure());
  expect(badTier.code).toBe(2);
});

it("reads a key named in Key Vault, as the app's own settings name it", async () => {
  const vault = await startKeyVaultServer();
  try {
    vault.setSecret('azure-openai-api-key', KEY);
    const { AZURE_OPENAI_API_KEY: _literal, ...named } = azure();
    const out = capturedOutput();
    const err = capturedOutput();
    const code = await runCheckLlmCommand(['--tier', 'light'], {
      env: {
        ...named,
        AZURE_OPENAI_API_KEY_SECRET_NAME: 'azure-openai-api-key',
        KEY_VAULT_URI: vault.vaultUri,
      },
      out: out.stream,
      err: err.stream,
      secretStore: createKeyVaultSecretStore({
        vaultUri: vault.vaultUri,
        credential: vault.credential,
        clientOptions: vault.clientOptions,
      }),
    });
    expect(err.text()).toBe('');
    expect(code).toBe(0);
    expect(out.text()).toMatch(/^light +ok +mini-prod /m);
    expect(vault.secretReads('azure-openai-api-key')).toBe(1);
    expect(out.text()).not.toContain(KEY);
  } finally {
    await vault.close();
  }
});

it('says which Key Vault secret could not be read, and exits 1', async () => {
  const vault = await startKeyVaultServer();
  try {
    const { AZURE_OPENAI_API_KEY: _literal, ...named } = azure();
    const err = capturedOutput();
    const code = await runCheckLlmCommand([], {
      env: { ...named, AZURE_OPENAI_API_KEY_SECRET_NAME: 'not-stored', KEY_VAULT_URI: vault.vaultUri },
      out: capturedOutput().stream,
      err: err.stream,
      secretStore: createKeyVaultSecretStore({
        vaultUri: vault.vaultUri,
        credential: vault.credential,
        clientOptions: vault.clientOptions,
      }),
    });
    expect(code).toBe(1);
    expect(err.text()).toContain('Key Vault secret "not-stored"');
    expect(server.requests).toHaveLength(0);
  } finally {
    await vault.close();
  }
});
