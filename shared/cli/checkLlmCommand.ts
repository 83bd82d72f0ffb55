import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, literalSecretValues, llmEndpointHost, parseLocalReviewConfig } from '../config';
import { errorMessage } from '../errors/errorMessage';
import type { ModelUsage } from '../llm/chatModel';
import { createChatModel } from '../llm/createChatModel';
import { modelTiers, type ModelTier } from '../model-tiers/modelTiers';
import { getAzureCredential } from '../identity/azureCredential';
import { createSecretReader } from '../secrets/readSecret';
import { createKeyVaultSecretStore, type SecretStore } from '../secrets/secretStore';

/**
 * `ado-reviewer check-llm`: one tiny structured request per tier with the model settings of the environment, and
 * what came of it — the model or deployment that answered, latency and token counts, or why it failed.
 */

type Io = {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Where `*_SECRET_NAME` secrets are read; by default the vault KEY_VAULT_URI names, as the app reads it. */
  secretStore?: SecretStore;
};

const CHECK_LLM_USAGE =
  'usage: ado-reviewer check-llm [--tier light|reasoning|heavy]\n' +
  '  Sends one small structured request per model tier (or only --tier) with the model settings of the\n' +
  '  environment (LLM_PROVIDER and its settings; secrets literally, or as *_SECRET_NAME with KEY_VAULT_URI, read\n' +
  '  with your Azure sign-in) and prints, per tier,\n' +
  '  the model or deployment that answered, the latency and the token counts, or why it failed.\n' +
  '  Exit 0 when every tier answered, 1 otherwise, 2 on invalid settings.\n';

const pingSchema = z.object({ ok: z.boolean() });
const ping = {
  system: 'You are a health check. Answer with {"ok": true}.',
  user: 'Are you there?',
  schema: pingSchema,
  schemaName: 'health_check',
};

const tokens = (count: number | undefined) => (count === undefined ? 'n/a' : String(count));

function usageLine(usage: ModelUsage): string {
  const reasoning = usage.reasoningTokens ? ` (reasoning ${usage.reasoningTokens})` : '';
  return (
    `${usage.model}  ${usage.latencyMs} ms  ` +
    `tokens in ${tokens(usage.inputTokens)}, out ${tokens(usage.outputTokens)}${reasoning}`
  );
}

export async function runCheckLlmCommand(args: string[], io: Io): Promise<number> {
  let tier: string | undefined;
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      options: { tier: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      io.out.write(CHECK_LLM_USAGE);
      return 0;
    }
    tier = values.tier;
  } catch (error) {
    io.err.write(`ado-reviewer check-llm: ${errorMessage(error)}\n${CHECK_LLM_USAGE}`);
    return 2;
  }
  if (tier !== undefined && !modelTiers.includes(tier as ModelTier)) {
    io.err.write(
      `ado-reviewer check-llm: --tier must be one of ${modelTiers.join(', ')}\n${CHECK_LLM_USAGE}`,
    );
    return 2;
  }

  let llm;
  let keyVault;
  try {
    ({ llm, keyVault } = parseLocalReviewConfig(io.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err.write(`ado-reviewer check-llm: invalid configuration: ${error.problems.join('; ')}\n`);
    return 2;
  }
  const secrets = literalSecretValues(llm);
  const redacted = (message: string) =>
    secrets.reduce((text, secret) => text.split(secret).join('***'), message).replace(/\s*\n\s*/g, ' ');

  io.out.write(`provider ${llm.provider}, endpoint host ${llmEndpointHost(llm)}\n`);
  let usage: ModelUsage | undefined;
  let failed = 0;
  const store =
    io.secretStore ??
    (keyVault === undefined
      ? undefined
      : createKeyVaultSecretStore({
          vaultUri: keyVault.uri,
          credential: getAzureCredential(keyVault.clientId),
        }));
  let model;
  try {
    model = await createChatModel(llm, {
      readSecret: createSecretReader(store),
      onUsage: (figures) => (usage = figures),
    });
  } catch (error) {
    // A secret could not be read (Key Vault refused or unreachable, a name with no secret): say which, no value.
    io.err.write(`ado-reviewer check-llm: ${redacted(errorMessage(error))}\n`);
    return 1;
  }
  const tiers = tier === undefined ? modelTiers : [tier as ModelTier];
  const width = Math.max(...tiers.map((name) => name.length));
  for (const name of tiers) {
    usage = undefined;
    const tried = llm.tiers[name].map((choice) => choice.name).join(' → ');
    const startedAt = Date.now();
    try {
      await model.completeStructured({ ...ping, tier: name });
      io.out.write(
        `${name.padEnd(width)}  ok      ${usage ? usageLine(usage) : `${Date.now() - startedAt} ms`}\n`,
      );
    } catch (error) {
      failed++;
      const reason = redacted(errorMessage(error));
      io.out.write(
        `${name.padEnd(width)}  failed  ${tried || '(no model)'}  ${Date.now() - startedAt} ms: ${reason}\n`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}
