import { z } from 'zod';
import { startAzureDevOpsServer, type AzureDevOpsTestServer } from '../../dev/azure-devops/azureDevOpsServer';
import { startKeyVaultServer, type KeyVaultTestServer } from '../../dev/key-vault/keyVaultServer';
import { startLlmServer, type LlmTestServer } from '../../dev/llm/llmServer';
import { createAzureDevOpsPlatform } from '../../shared/azure-devops/azureDevOpsPlatform';
import { parseLocalReviewConfig, type LlmConfig } from '../../shared/config';
import type { ChatModel } from '../../shared/llm/chatModel';
import { createChatModel } from '../../shared/llm/createChatModel';
import { DEFAULT_RETRY_POLICY } from '../../shared/llm/retryPolicy';
import type { PullRequestRef } from '../../shared/review/domain/platform';
import { createSecretReader } from '../../shared/secrets/readSecret';
import { openRefreshingSecret } from '../../shared/secrets/refreshingSecret';
import type { SecretStore } from '../../shared/secrets/secretStore';
import { secretStoreOver } from '../support/keyVaultSecretStore';
import { createTopicPullRequest } from '../support/topicPullRequest';

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
  ({ ref } = await createTopicPullRequest(devops, {
    project: 'demo',
    repository: 'r',
    mainFiles: { 'a.txt': 'a\n' },
    topicFiles: { 'a.txt': 'b\n' },
    title: 'rotation',
  }));
}, 60_000);

afterAll(async () => {
  await devops?.close();
  await vault?.close();
});

const newStore = (): SecretStore => secretStoreOver(vault, { rereadIntervalMs: 300 });

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

  /** The app's model (createChatModel, the real openai SDK) with its key in Key Vault, re-read at a refusal. */
  async function modelWith(store: SecretStore) {
    const llmConfig = parseLocalReviewConfig({
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEYS: 'placeholder',
    }).llm;
    const config = { ...llmConfig, secrets: { apiKeys: { keyVaultSecret: 'openai-key' } } } as LlmConfig;
    return createChatModel(config, {
      readSecret: createSecretReader(store),
      openSecret: (source, setting) => openRefreshingSecret(source, setting, store),
      retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 0 },
    });
  }
  const ask = (model: ChatModel) =>
    model.completeStructured({
      system: 's',
      user: 'u',
      schema: z.object({ ok: z.boolean() }),
      schemaName: 'ok',
    });

  it('rotated in Key Vault while the provider accepts only the new key: picked up at its first 401', async () => {
    vault.setSecret('openai-key', 'sk-first-key');
    const model = await modelWith(newStore());
    expect(await ask(model)).toEqual({ ok: true });

    vault.setSecret('openai-key', 'sk-second-key');
    accepted = 'sk-second-key';
    const reads = vault.secretReads('openai-key');
    expect(await ask(model)).toEqual({ ok: true });
    expect(vault.secretReads('openai-key') - reads).toBe(1);

    accepted = 'sk-third-key';
    await expect(ask(model)).rejects.toMatchObject({ status: 401 });
  });
});
