import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig, settingNames } from '../shared/config';

const valid = {
  AZURE_DEVOPS_ORG_URL: 'https://dev.azure.com/contoso/',
  AZURE_DEVOPS_BOT_TOKEN: 'pat',
  OPENAI_API_KEYS: 'key-1, key-2',
  WEBHOOK_USERNAME: 'ado',
  WEBHOOK_PASSWORD: 'secret',
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
    expect(config.llm).toMatchObject({ provider: 'openai', timeoutMs: 120000, apiKeys: ['key-1', 'key-2'] });
    expect(config.webhook).toEqual({
      disabled: false,
      username: 'ado',
      passwords: ['secret'],
      headerName: undefined,
      headerSecret: undefined,
    });
    expect(config.queue).toEqual({ connection: { connectionString: 'UseDevelopmentStorage=true' }, name: 'review-jobs' });
  });

  it('names every missing or invalid setting at once', () => {
    const problems = problemsOf({ LLM_PROVIDER: 'llama', LLM_TIMEOUT: 'soon', AZURE_DEVOPS_ORG_URL: 'contoso' });
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

  it('accepts a previous password only with a current one, and pairs of header settings', () => {
    expect(parseConfig({ ...valid, WEBHOOK_PREVIOUS_PASSWORD: 'old' }).webhook.passwords).toEqual(['secret', 'old']);
    expect(problemsOf({ ...valid, WEBHOOK_HEADER_NAME: 'X-Secret' })).toEqual([
      'WEBHOOK_HEADER_NAME and WEBHOOK_HEADER_SECRET: set both or neither',
    ]);
  });

  it('accepts an identity-based queue connection and rejects a bad queue name', () => {
    const { AzureWebJobsStorage: _storage, ...rest } = valid;
    const config = parseConfig({
      ...rest,
      AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
      AzureWebJobsStorage__clientId: 'client-id',
    });
    expect(config.queue.connection).toEqual({ queueServiceUri: 'https://acct.queue.core.windows.net', clientId: 'client-id' });
    expect(problemsOf({ ...valid, REVIEW_QUEUE_NAME: 'Review_Jobs' })[0]).toMatch(/^REVIEW_QUEUE_NAME/);
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
    const example = JSON.parse(readFileSync(path.join(__dirname, '../local.settings.json.example'), 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(settingNames.filter((name) => !(name in example.Values) && !name.startsWith('AzureWebJobsStorage__'))).toEqual([]);
  });
});
