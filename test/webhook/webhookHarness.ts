import { HttpRequest, InvocationContext } from '@azure/functions';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JobQueue } from '../../shared/queue/jobQueue';
import { encodeReviewJob, type ReviewJob } from '../../shared/queue/reviewJob';

/** What the hardening tests share: the real deliveries, requests as the host builds them, an in-memory queue. */

export const ORG = 'https://dev.azure.com/ttchong';
export const USER = 'azure-devops';
export const PASSWORD = 'hardening-password-7f3a';
export const PREVIOUS_PASSWORD = 'hardening-previous-19c2';
export const HEADER_NAME = 'X-Ado-Reviewer-Secret';
export const HEADER_SECRET = 'hardening-header-secret-55d1';

const samplesDir = path.join(__dirname, '../fixtures/service-hooks');
export const samples = readdirSync(samplesDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => readFileSync(path.join(samplesDir, file), 'utf8'));
/** A delivery of this organization that is queued: PR created, active. */
export const createdSample = readFileSync(
  path.join(samplesDir, 'zulip__git.pullrequest.created__opened.json'),
  'utf8',
);

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
export const goodHeaders = {
  authorization: basic(USER, PASSWORD),
  [HEADER_NAME.toLowerCase()]: HEADER_SECRET,
};

export function webhookEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AZURE_DEVOPS_ORG_URL: ORG,
    AZURE_DEVOPS_BOT_TOKEN: 'pat-never-logged',
    OPENAI_API_KEYS: 'sk-never-logged',
    WEBHOOK_USERNAME: USER,
    WEBHOOK_PASSWORD: PASSWORD,
    WEBHOOK_PREVIOUS_PASSWORD: PREVIOUS_PASSWORD,
    WEBHOOK_HEADER_NAME: HEADER_NAME,
    WEBHOOK_HEADER_SECRET: HEADER_SECRET,
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    REVIEW_QUEUE_NAME: 'hardening-jobs',
    ...extra,
  };
}

/**
 * The webhook's settings (webhookEnvironment) in process.env, its credentials read from the Key Vault at `vaultUri`
 * under the given secret names instead of given literally: the literal ones are taken out of the environment, and
 * with no header secret, the header's name too.
 */
export function useKeyVaultWebhookSettings(
  vaultUri: string,
  secretNames: { password: string; previousPassword: string; headerSecret?: string },
): void {
  const environment = webhookEnvironment({
    KEY_VAULT_URI: vaultUri,
    WEBHOOK_PASSWORD_SECRET_NAME: secretNames.password,
    WEBHOOK_PREVIOUS_PASSWORD_SECRET_NAME: secretNames.previousPassword,
    ...(secretNames.headerSecret === undefined
      ? {}
      : { WEBHOOK_HEADER_SECRET_SECRET_NAME: secretNames.headerSecret }),
  });
  const literal = ['WEBHOOK_PASSWORD', 'WEBHOOK_PREVIOUS_PASSWORD', 'WEBHOOK_HEADER_SECRET'];
  if (secretNames.headerSecret === undefined) literal.push('WEBHOOK_HEADER_NAME');
  for (const name of literal) {
    delete environment[name];
    delete process.env[name];
  }
  Object.assign(process.env, environment);
}

export function webhookRequest(body: string | Uint8Array, headers: Record<string, string>): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1/azure_webhooks',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? { string: body } : { bytes: body },
  });
}

export interface LoggedContext {
  context: InvocationContext;
  lines: string[];
}

export function loggedContext(): LoggedContext {
  const lines: string[] = [];
  const context = new InvocationContext({
    functionName: 'webhook',
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(' ')}`),
  });
  return { context, lines };
}

/** The JobQueue port in memory: the encoded messages, as the Storage queue would hold them; `down` fails sends. */
export class InMemoryJobQueue implements JobQueue {
  readonly messages: string[] = [];
  down = false;

  async send(job: ReviewJob): Promise<void> {
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10001'), { code: 'ECONNREFUSED' });
    this.messages.push(encodeReviewJob(job));
  }

  async checkReachable(): Promise<void> {
    if (this.down) throw new Error('queue down');
  }
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
