import { ConfigError, parseConfig } from '../../shared/config';
import { AZURE_TIER_ORDER } from '../../shared/config/llmSettings';
import { isReasoningModelName } from '../../shared/model-tiers/modelTiers';

const base = {
  AZURE_DEVOPS_ORG_URL: 'https://dev.azure.com/contoso',
  AZURE_DEVOPS_BOT_TOKEN: 'pat',
  WEBHOOK_AUTH_DISABLED: 'true',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const names = (choices: { name: string }[]) => choices.map((choice) => choice.name);

describe('the tier map', () => {
  it('openai: documented defaults, OPENAI_MODEL for every tier not named, the family from the name', () => {
    const defaults = parseConfig({ ...base, OPENAI_API_KEYS: 'k' }).llm;
    expect(defaults.tiers).toEqual({
      light: [{ name: 'gpt-4.1-mini', reasoning: false }],
      reasoning: [{ name: 'o4-mini', reasoning: true }],
      heavy: [{ name: 'o3', reasoning: true }],
    });
    const legacy = parseConfig({
      ...base,
      OPENAI_API_KEYS: 'k',
      OPENAI_MODEL: 'gpt-4o',
      OPENAI_HEAVY_MODEL: 'gpt-5',
    }).llm.tiers;
    expect(legacy).toEqual({
      light: [{ name: 'gpt-4o', reasoning: false }],
      reasoning: [{ name: 'gpt-4o', reasoning: false }],
      heavy: [{ name: 'gpt-5', reasoning: true }],
    });
    expect(['o1', 'o3-mini', 'o4-mini', 'gpt-5-mini', 'GPT-5'].every(isReasoningModelName)).toBe(true);
    expect(
      ['gpt-4.1', 'gpt-4o-mini', 'gpt-5-chat-latest', 'llama-3', 'foo-o3'].some(isReasoningModelName),
    ).toBe(false);
  });

  it('azure-openai: each tier its own deployments, then gpt-4.1, then the nearest tiers; the family from the setting', () => {
    const config = parseConfig({
      ...base,
      LLM_PROVIDER: 'azure-openai',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com/',
      AZURE_GPT41MINI_DEPLOYMENT_NAME: 'mini',
      AZURE_O3_DEPLOYMENT_NAME: 'big-thinker',
      AZURE_O1_DEPLOYMENT_NAME: 'old-thinker',
      AZURE_GPT41_DEPLOYMENT_NAME: 'general',
    }).llm;
    expect(config).toMatchObject({ provider: 'azure-openai', endpoint: 'https://contoso.openai.azure.com' });
    expect(names(config.tiers.light)).toEqual(['mini', 'general', 'big-thinker', 'old-thinker']);
    // No o4-mini or o3-mini deployment: reasoning starts at the general fallback.
    expect(names(config.tiers.reasoning)).toEqual(['general', 'big-thinker', 'old-thinker', 'mini']);
    expect(config.tiers.heavy).toEqual([
      { name: 'big-thinker', reasoning: true },
      { name: 'old-thinker', reasoning: true },
      { name: 'general', reasoning: false },
      { name: 'mini', reasoning: false },
    ]);
    for (const order of Object.values(AZURE_TIER_ORDER)) expect(new Set(order).size).toBe(7);
  });

  it('azure-openai: one deployment named in two settings is tried once', () => {
    const { tiers } = parseConfig({
      ...base,
      LLM_PROVIDER: 'azure-openai',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com',
      AZURE_O4MINI_DEPLOYMENT_NAME: 'thinker',
      AZURE_O3_DEPLOYMENT_NAME: 'thinker',
    }).llm;
    expect(tiers.heavy).toEqual([{ name: 'thinker', reasoning: true }]);
  });

  it('bedrock-anthropic: Haiku for light, Sonnet for the others, ids as given', () => {
    const config = parseConfig({
      ...base,
      LLM_PROVIDER: 'bedrock-anthropic',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1',
      BEDROCK_HEAVY_MODEL: 'arn:aws:bedrock:eu-west-1:1:inference-profile/eu.anthropic.claude-opus-4-v1:0',
    }).llm;
    expect(names(config.tiers.light)[0]).toMatch(/haiku/);
    expect(names(config.tiers.reasoning)[0]).toMatch(/sonnet/);
    expect(names(config.tiers.heavy)).toEqual([
      'arn:aws:bedrock:eu-west-1:1:inference-profile/eu.anthropic.claude-opus-4-v1:0',
    ]);
    expect(config.secrets).toEqual({ awsSecretAccessKey: { value: 'secret' } });
  });
});

describe('the model settings rules', () => {
  it('names what each provider requires', () => {
    expect(problemsOf({})).toEqual([
      'OPENAI_API_KEYS: is required (or OPENAI_API_KEYS_SECRET_NAME with KEY_VAULT_URI), unless OAUTH2_ENDPOINT is set',
    ]);
    expect(problemsOf({ LLM_PROVIDER: 'azure-openai' })).toEqual([
      'AZURE_OPENAI_ENDPOINT: is required with LLM_PROVIDER=azure-openai',
      expect.stringMatching(/^AZURE_\*_DEPLOYMENT_NAME: at least one deployment is required/),
    ]);
    expect(problemsOf({ LLM_PROVIDER: 'bedrock-anthropic' })).toEqual([
      'AWS_ACCESS_KEY_ID: is required with LLM_PROVIDER=bedrock-anthropic',
      'AWS_REGION: is required with LLM_PROVIDER=bedrock-anthropic',
      'AWS_SECRET_ACCESS_KEY: is required (or AWS_SECRET_ACCESS_KEY_SECRET_NAME with KEY_VAULT_URI) with ' +
        'LLM_PROVIDER=bedrock-anthropic',
    ]);
  });

  it('takes OAuth2 instead of API keys, with its settings together', () => {
    const oauth2 = { OAUTH2_ENDPOINT: 'https://login.contoso.com/token', OAUTH2_CLIENT_ID: 'reviewer' };
    expect(problemsOf({ ...oauth2, OAUTH2_CLIENT_SECRET: 's' })).toEqual([]);
    expect(problemsOf(oauth2)).toEqual([
      'OAUTH2_CLIENT_SECRET: is required (or OAUTH2_CLIENT_SECRET_SECRET_NAME with KEY_VAULT_URI) with OAUTH2_ENDPOINT',
    ]);
    expect(problemsOf({ ...oauth2, OAUTH2_CLIENT_SECRET: 's', OPENAI_API_KEYS: 'k' })).toEqual([
      'OPENAI_API_KEYS and OAUTH2_ENDPOINT: set one, not both (each is the bearer token)',
    ]);
    expect(problemsOf({ OPENAI_API_KEYS: 'k', OAUTH2_CLIENT_ID: 'reviewer' })).toEqual([
      'OAUTH2_ENDPOINT: is required when the other OAUTH2_* settings are set',
    ]);
  });

  it('reads each model secret as a value or a Key Vault secret name, not both', () => {
    const azure = {
      LLM_PROVIDER: 'azure-openai',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com',
      AZURE_O4MINI_DEPLOYMENT_NAME: 'o4-mini',
    };
    expect(
      problemsOf({ ...azure, AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_API_KEY_SECRET_NAME: 'n' }),
    ).toEqual(['AZURE_OPENAI_API_KEY and AZURE_OPENAI_API_KEY_SECRET_NAME: set one, not both']);
    expect(problemsOf({ ...azure, AZURE_OPENAI_API_KEY_SECRET_NAME: 'n' })).toEqual([
      'KEY_VAULT_URI: required to read AZURE_OPENAI_API_KEY_SECRET_NAME from Key Vault',
    ]);
    const config = parseConfig({
      ...base,
      ...azure,
      KEY_VAULT_URI: 'https://kv.vault.azure.net',
      AZURE_CLIENT_ID: 'identity',
      AZURE_OPENAI_API_KEY_SECRET_NAME: 'azure-openai-api-key',
    }).llm;
    expect(config).toMatchObject({
      managedIdentityClientId: 'identity',
      secrets: { azureApiKey: { keyVaultSecret: 'azure-openai-api-key' } },
    });
  });
});
