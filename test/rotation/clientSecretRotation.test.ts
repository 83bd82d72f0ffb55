import OpenAI from 'openai';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { startKeyVaultServer, type KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import { startLlmServer, type LlmTestServer } from '../../dev/llm/llmServer';
import { createAzureDevOpsPlatform } from '../../shared/azure-devops/azureDevOpsPlatform';
import type { PullRequestRef } from '../../shared/review/platform';
import { openRefreshingSecret, type RefreshingSecret } from '../../shared/secrets/refreshingSecret';
import { createKeyVaultSecretStore, type SecretStore } from '../../shared/secrets/secretStore';

/**
 * The PAT and a model API key rotated in Key Vault (the local vault, through the real SDK) while the service already
 * accepts only the new value: the client re-reads the secret at its first refusal and goes on, with one Key Vault
 * read; a value Key Vault does not yet hold fails as before, after one re-read.
 */

let vault: KeyVaultTestServer;
let devops: AzureDevOpsTestServer;
let ref: PullRequestRef;

beforeAll(async () => {
  vault = await startKeyVaultServer();
  devops = await startAzureDevOpsServer({ organization: 'rotation', token: 'pat-first-0123456789' });
  const repository = await devops.createRepository({ project: 'demo', name: 'r', files: { 'a.txt': 'a\n' } });
  await devops.push({ repositoryId: repository.id, branch: 'topic', files: { 'a.txt': 'b\n' } });
  const pr = await devops.createPullRequest({
    repositoryId: repository.id,
    sourceBranch: 'topic',
    targetBranch: 'main',
    title: 'rotation',
  });
  ref = {
    projectId: (repository.project as { id: string }).id,
    repositoryId: repository.id,
    pullRequestId: pr.pullRequestId,
  };
}, 60_000);

afterAll(async () => {
  await devops?.close();
  await vault?.close();
});

const newStore = (): SecretStore =>
  createKeyVaultSecretStore({
    vaultUri: vault.vaultUri,
    credential: vault.credential,
    clientOptions: vault.clientOptions,
    rereadIntervalMs: 300,
  });

describe('the PAT', () => {
  it('rotated in Key Vault and revoked in Azure DevOps is picked up at its first 401, with one Key Vault read', async () => {
    vault.setSecret('bot-pat', 'pat-first-0123456789');
    const store = newStore();
    const token = await openRefreshingSecret({ keyVaultSecret: 'bot-pat' }, 'AZURE_DEVOPS_BOT_TOKEN', store);
    const platform = createAzureDevOpsPlatform(devops.orgUrl, token, { baseDelayMs: 10 });
    expect((await platform.getPullRequest(ref)).title).toBe('rotation');

    vault.setSecret('bot-pat', 'pat-second-0123456789');
    devops.rotateToken('pat-second-0123456789');
    const reads = vault.secretReads('bot-pat');
    const [pr, iterations] = await Promise.all([platform.getPullRequest(ref), platform.listIterations(ref)]);
    expect(pr.title).toBe('rotation');
    expect(iterations.length).toBeGreaterThan(0);
    expect(vault.secretReads('bot-pat') - reads).toBe(1);
    expect(token.value()).toBe('pat-second-0123456789');
  });

  it('still refused after the re-read (Key Vault has no new version): fails as before, after one re-read', async () => {
    vault.setSecret('bot-pat', 'pat-second-0123456789');
    const store = newStore();
    const token = await openRefreshingSecret({ keyVaultSecret: 'bot-pat' }, 'AZURE_DEVOPS_BOT_TOKEN', store);
    const platform = createAzureDevOpsPlatform(devops.orgUrl, token, { baseDelayMs: 10 });
    devops.rotateToken('pat-third-0123456789');
    const reads = vault.secretReads('bot-pat');
    await expect(platform.getPullRequest(ref)).rejects.toMatchObject({ statusCode: 401 });
    expect(vault.secretReads('bot-pat') - reads).toBe(1);
    devops.rotateToken('pat-second-0123456789');
  });
});

describe('a model API key', () => {
  let llm: LlmTestServer;
  let accepted = 'sk-first-key';
  beforeAll(async () => {
    llm = await startLlmServer({
      apiKeys: [],
      authorize: ({ bearerToken }) => bearerToken === accepted,
      responder: () => '{"ok":true}',
    });
  });
  afterAll(async () => {
    await llm?.close();
  });

  /** The real SDK with the key read per request, one retry after a 401 that brought a new value. */
  async function complete(key: RefreshingSecret): Promise<string | null> {
    const client = new OpenAI({ baseURL: llm.baseUrl, apiKey: async () => key.value(), maxRetries: 0 });
    const ask = () =>
      client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    const sent = key.value();
    try {
      return (await ask()).choices[0].message.content;
    } catch (error) {
      if (!(error instanceof OpenAI.APIError && error.status === 401 && (await key.refresh(sent))))
        throw error;
      return (await ask()).choices[0].message.content;
    }
  }

  it('rotated in Key Vault while the provider accepts only the new key: picked up at its first 401', async () => {
    vault.setSecret('openai-key', 'sk-first-key');
    const store = newStore();
    const key = await openRefreshingSecret({ keyVaultSecret: 'openai-key' }, 'OPENAI_API_KEYS', store);
    expect(await complete(key)).toBe('{"ok":true}');

    vault.setSecret('openai-key', 'sk-second-key');
    accepted = 'sk-second-key';
    const reads = vault.secretReads('openai-key');
    expect(await complete(key)).toBe('{"ok":true}');
    expect(vault.secretReads('openai-key') - reads).toBe(1);

    accepted = 'sk-third-key';
    await expect(complete(key)).rejects.toMatchObject({ status: 401 });
  });
});
