import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig, parseKeyVaultConfig, settingNames } from '../../shared/config';

const valid = {
  AZURE_DEVOPS_ORG_URL: 'https://dev.azure.com/contoso/',
  AZURE_DEVOPS_BOT_TOKEN: 'pat',
  OPENAI_API_KEYS: 'key-1, key-2',
  WEBHOOK_USERNAME: 'ado',
  WEBHOOK_PASSWORD: 'webhook-password-0123',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseConfig', () => {
  it('reads a complete environment with defaults', () => {
    const config = parseConfig(valid);
    expect(config.azureDevOps.orgUrl).toBe('https://dev.azure.com/contoso');
    expect(config.azureDevOps.token).toEqual({ value: 'pat' });
    expect(config.llm).toMatchObject({
      provider: 'openai',
      timeoutMs: 120000,
      secrets: { apiKeys: { value: 'key-1, key-2' } },
    });
    expect(config.webhook).toEqual({
      disabled: false,
      username: 'ado',
      password: { value: 'webhook-password-0123' },
      previousPassword: undefined,
      headerName: undefined,
      headerSecret: undefined,
    });
    expect(parseKeyVaultConfig(valid)).toBeUndefined();
    expect(config.storage).toEqual({ connectionString: 'UseDevelopmentStorage=true' });
    expect(config.queue).toEqual({ name: 'review-jobs' });
  });

  it('names every missing or invalid setting at once', () => {
    const problems = problemsOf({
      LLM_PROVIDER: 'llama',
      LLM_TIMEOUT: 'soon',
      AZURE_DEVOPS_ORG_URL: 'contoso',
    });
    const named = problems.map((problem) => problem.split(':')[0]);
    expect(named).toEqual(
      expect.arrayContaining([
        'AZURE_DEVOPS_ORG_URL',
        'AZURE_DEVOPS_BOT_TOKEN',
        'LLM_PROVIDER',
        'LLM_TIMEOUT',
        'OPENAI_API_KEYS',
      ]),
    );
  });

  it('fails closed when no webhook credentials are configured', () => {
    const { WEBHOOK_USERNAME: _user, WEBHOOK_PASSWORD: _password, ...withoutCredentials } = valid;
    expect(problemsOf(withoutCredentials).join('\n')).toMatch(/WEBHOOK_USERNAME\/WEBHOOK_PASSWORD/);
    expect(parseConfig({ ...withoutCredentials, WEBHOOK_AUTH_DISABLED: 'true' }).webhook.disabled).toBe(true);
  });

  it('refuses WEBHOOK_AUTH_DISABLED on an Azure host, which sets WEBSITE_INSTANCE_ID', () => {
    const onAzure = { ...valid, WEBSITE_INSTANCE_ID: '0a1b2c3d4e5f' };
    expect(() => parseConfig({ ...onAzure, WEBHOOK_AUTH_DISABLED: 'true' })).toThrow(ConfigError);
    expect(problemsOf({ ...onAzure, WEBHOOK_AUTH_DISABLED: 'true' })).toEqual([
      'WEBHOOK_AUTH_DISABLED: refused on an Azure host (WEBSITE_INSTANCE_ID is set), where anyone could send ' +
        'deliveries; it is for local development only',
    ]);
    expect(parseConfig({ ...onAzure, WEBHOOK_AUTH_DISABLED: 'false' }).webhook.disabled).toBe(false);
  });

  it('accepts a previous password only with a current one, and pairs of header settings', () => {
    expect(
      parseConfig({ ...valid, WEBHOOK_PREVIOUS_PASSWORD: 'previous-password-0123' }).webhook.previousPassword,
    ).toEqual({
      value: 'previous-password-0123',
    });
    expect(
      problemsOf({ ...valid, WEBHOOK_PASSWORD: '', WEBHOOK_PREVIOUS_PASSWORD: 'previous-password-0123' }),
    ).toContain('WEBHOOK_PREVIOUS_PASSWORD: only meaningful together with WEBHOOK_PASSWORD');
    expect(problemsOf({ ...valid, WEBHOOK_HEADER_NAME: 'X-Secret' })).toEqual([
      'WEBHOOK_HEADER_NAME and WEBHOOK_HEADER_SECRET: set both or neither',
    ]);
  });

  it('refuses webhook passwords and header secrets shorter than 16 characters, naming them without values', () => {
    const problems = problemsOf({
      ...valid,
      WEBHOOK_PASSWORD: 'fifteen-chars-1',
      WEBHOOK_PREVIOUS_PASSWORD: 'short',
      WEBHOOK_HEADER_NAME: 'X-Secret',
      WEBHOOK_HEADER_SECRET: '  padded-12c  ',
    });
    expect(problems).toEqual([
      'WEBHOOK_PASSWORD: must be at least 16 characters',
      'WEBHOOK_PREVIOUS_PASSWORD: must be at least 16 characters',
      'WEBHOOK_HEADER_SECRET: must be at least 16 characters',
    ]);
    expect(parseConfig({ ...valid, WEBHOOK_PASSWORD: 'sixteen-chars-16' }).webhook.password).toEqual({
      value: 'sixteen-chars-16',
    });
  });

  it('reads the webhook header secret from Key Vault like the other secrets', () => {
    const config = parseConfig({
      ...valid,
      KEY_VAULT_URI: 'https://kv-ado.vault.azure.net',
      WEBHOOK_HEADER_NAME: 'X-Secret',
      WEBHOOK_HEADER_SECRET_SECRET_NAME: 'webhook-header-secret',
    });
    expect(config.webhook).toMatchObject({
      headerName: 'X-Secret',
      headerSecret: { keyVaultSecret: 'webhook-header-secret' },
    });
    expect(
      problemsOf({ ...valid, WEBHOOK_HEADER_NAME: 'X-Secret', WEBHOOK_HEADER_SECRET_SECRET_NAME: 'h' }),
    ).toEqual(['KEY_VAULT_URI: required to read WEBHOOK_HEADER_SECRET_SECRET_NAME from Key Vault']);
  });

  it.each([
    ['AZURE_DEVOPS_ORG_URL', 'http://dev.azure.com/contoso'],
    ['AZURE_DEVOPS_ORG_URL', 'http://10.0.0.5/tfs/DefaultCollection'],
    ['AZURE_DEVOPS_ORG_URL', 'http://localhost.attacker.example/contoso'],
    ['AZURE_DEVOPS_ORG_URL', 'http://128.0.0.1/contoso'],
    ['KEY_VAULT_URI', 'http://kv-ado.vault.azure.net'],
    ['OPENAI_BASE_URL', 'http://llm-gateway.contoso.com/v1'],
  ])('refuses http for %s, which receives a credential (%s)', (name, url) => {
    expect(problemsOf({ ...valid, [name]: url })).toEqual([
      `${name}: must be an https URL (http only for localhost, 127.0.0.0/8 or [::1]): a credential is sent to it`,
    ]);
  });

  it.each([
    'https://dev.azure.com/contoso',
    'http://localhost:8080/contoso',
    'http://127.0.0.1:8080/contoso',
    'http://127.45.6.7/contoso',
    'http://[::1]:8080/contoso',
  ])('accepts %s as AZURE_DEVOPS_ORG_URL', (url) => {
    expect(parseConfig({ ...valid, AZURE_DEVOPS_ORG_URL: url }).azureDevOps.orgUrl).toBe(url);
  });

  it('reads secrets from Key Vault when a secret name is given instead of a value', () => {
    const {
      AZURE_DEVOPS_BOT_TOKEN: _token,
      OPENAI_API_KEYS: _keys,
      WEBHOOK_PASSWORD: _password,
      ...rest
    } = valid;
    const inAzure = {
      ...rest,
      KEY_VAULT_URI: 'https://kv-ado.vault.azure.net/',
      AZURE_CLIENT_ID: 'identity-client-id',
      AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME: 'azure-devops-pat',
      OPENAI_API_KEYS_SECRET_NAME: 'openai-api-keys',
      WEBHOOK_PASSWORD_SECRET_NAME: 'webhook-password',
      WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME: 'webhook-previous-password',
    };
    const config = parseConfig(inAzure);
    expect(parseKeyVaultConfig(inAzure)).toEqual({
      uri: 'https://kv-ado.vault.azure.net',
      clientId: 'identity-client-id',
    });
    expect(config.azureDevOps.token).toEqual({ keyVaultSecret: 'azure-devops-pat' });
    expect(config.llm.secrets.apiKeys).toEqual({ keyVaultSecret: 'openai-api-keys' });
    expect(config.webhook.password).toEqual({ keyVaultSecret: 'webhook-password' });
    expect(config.webhook.previousPassword).toEqual({ keyVaultSecret: 'webhook-previous-password' });

    const { KEY_VAULT_URI: _uri, ...withoutVault } = inAzure;
    expect(problemsOf(withoutVault)).toContain(
      'KEY_VAULT_URI: required to read AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME from Key Vault',
    );
    expect(problemsOf({ ...inAzure, AZURE_DEVOPS_BOT_TOKEN: 'pat' })).toEqual([
      'AZURE_DEVOPS_BOT_TOKEN and AZURE_DEVOPS_BOT_TOKEN_SECRET_NAME: set one, not both',
    ]);
  });

  it('accepts an identity-based queue connection and rejects a bad queue name', () => {
    const { AzureWebJobsStorage: _storage, ...rest } = valid;
    const config = parseConfig({
      ...rest,
      AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
      AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net',
      AzureWebJobsStorage__clientId: 'client-id',
    });
    expect(config.storage).toEqual({
      queueServiceUri: 'https://acct.queue.core.windows.net',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      clientId: 'client-id',
    });
    expect(problemsOf({ ...valid, REVIEW_QUEUE_NAME: 'Review_Jobs' })[0]).toMatch(/^REVIEW_QUEUE_NAME/);
  });

  it('takes a blank setting for an unset one, and trims the others', () => {
    const config = parseConfig({
      ...valid,
      WEBHOOK_AUTH_DISABLED: ' ',
      REVIEW_MAX_FILES: '',
      REVIEW_QUEUE_NAME: '  ',
      REVIEW_STATUS_NAME: '',
      OPENAI_ORG_ID: '\t',
      WEBHOOK_USERNAME: ' ado ',
    });
    expect(config.webhook).toMatchObject({ disabled: false, username: 'ado' });
    expect(config.review).toMatchObject({
      maxFiles: 300,
      statusContext: { genre: 'ado-reviewer', name: 'review' },
    });
    expect(config.queue).toEqual({ name: 'review-jobs' });
    expect(config.llm).toMatchObject({ provider: 'openai', organization: undefined });
    expect(
      parseKeyVaultConfig({ KEY_VAULT_URI: 'https://kv-ado.vault.azure.net', AZURE_CLIENT_ID: ' ' }),
    ).toEqual({
      uri: 'https://kv-ado.vault.azure.net',
      clientId: undefined,
    });
    expect(parseKeyVaultConfig({ KEY_VAULT_URI: '' })).toBeUndefined();
  });

  it('never includes setting values in its messages', () => {
    const message = (() => {
      try {
        parseConfig({ ...valid, LLM_TIMEOUT: '-1', OPENAI_API_KEYS: '' });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/LLM_TIMEOUT/);
    expect(message).not.toMatch(/secret|pat\b/);
  });
});

describe('local.settings.json.example', () => {
  it('documents every setting the config module reads', () => {
    const example = JSON.parse(
      readFileSync(path.join(__dirname, '../../local.settings.json.example'), 'utf8'),
    ) as {
      Values: Record<string, string>;
    };
    expect(
      settingNames.filter((name) => !(name in example.Values) && !name.startsWith('AzureWebJobsStorage__')),
    ).toEqual([]);
  });
});
