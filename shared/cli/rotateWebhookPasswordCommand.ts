import { randomBytes, randomUUID } from 'node:crypto';
import type { SecretClient } from '@azure/keyvault-secrets';
import { z } from 'zod';
import { MIN_WEBHOOK_SECRET_LENGTH } from '../config/fields';
import { errorName } from '../errors/errorMessage';
import { getProxyFetch } from '../http/outboundProxy';
import { getAzureCredential } from '../identity/azureCredential';
import { loadOnFirstUse } from '../lazy/loadOnFirstUse';
import { REREAD_INTERVAL_MS } from '../secrets/secretStore';
import type { ServiceHooksClient } from '../service-hooks/serviceHooksClient';
import { planPasswordChange } from '../service-hooks/subscriptionPlanner';
import { commandErrorMessage } from './commandErrorMessage';
import { answerHelpOrProblems } from './commandLine';
import {
  inEachOrganization,
  literalSecrets,
  type OrganizationOutput,
  type OrganizationsOutput,
} from './inEachOrganization';
import { parseRotateInvocation, ROTATE_USAGE, type RotateInvocation } from './rotateWebhookPasswordOptions';

/**
 * `ado-reviewer rotate-webhook-password`: the webhook password rotation of docs/deployment.md in one command.
 *
 * Where a run stands is kept in Key Vault, as tags on the new password's version (the rotation's id, its state and
 * the end of its grace period) and the rotation id on the previous password's version: a run that finds a rotation
 * not finished carries it on instead of starting another, and the subscriptions it already updated (their marker
 * holds the new password's fingerprint) are left as they are. With several organizations (--all-organizations) the
 * state moves past "written" only once every organization's subscriptions carry the new password, so the previous
 * one is never disabled while an organization still sends it. Exit 0 when done, 1 on a failure (run again to carry
 * on), 2 on a bad invocation or unknown project.
 */

type Io = { env: NodeJS.ProcessEnv; out: NodeJS.WritableStream; err: NodeJS.WritableStream };

interface RotatePorts {
  secretClient(vaultUri: string): SecretClient;
  /** Read for --password-stdin. */
  stdin: NodeJS.ReadableStream;
  sleep(ms: number): Promise<void>;
}

const keyVaultSecrets = loadOnFirstUse<typeof import('@azure/keyvault-secrets')>('@azure/keyvault-secrets');

const defaultPorts = (env: NodeJS.ProcessEnv): RotatePorts => ({
  secretClient(vaultUri) {
    const { SecretClient } = keyVaultSecrets();
    return new SecretClient(vaultUri, getAzureCredential(env.AZURE_CLIENT_ID || undefined));
  },
  stdin: process.stdin,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

const ROTATION_TAG = 'ado-reviewer-rotation';
const STATE_TAG = 'ado-reviewer-rotation-state';
const GRACE_TAG = 'ado-reviewer-rotation-grace-until';
/** Set when a rotation was started with --all-organizations: no run for one organization may finish it. */
const ORGANIZATIONS_TAG = 'ado-reviewer-rotation-organizations';
/** written: both secrets stored; hooksUpdated: the subscriptions carry the new password; finished: previous disabled. */
const rotationTags = z.object({
  [ROTATION_TAG]: z.string().min(1),
  [STATE_TAG]: z.enum(['written', 'hooksUpdated', 'finished']),
  [GRACE_TAG]: z.iso.datetime().optional(),
  [ORGANIZATIONS_TAG]: z.literal('all').optional(),
});
type Rotation = {
  id: string;
  state: 'written' | 'hooksUpdated' | 'finished';
  graceUntil?: string;
  allOrganizations: boolean;
};
const tagsOf = (rotation: Rotation): Record<string, string> => ({
  [ROTATION_TAG]: rotation.id,
  [STATE_TAG]: rotation.state,
  ...(rotation.graceUntil === undefined ? {} : { [GRACE_TAG]: rotation.graceUntil }),
  ...(rotation.allOrganizations ? { [ORGANIZATIONS_TAG]: 'all' } : {}),
});

/** The event type of the probe: well-formed, authenticated, and one the app acknowledges without queueing. */
const PROBE_EVENT_TYPE = 'ado-reviewer.password-probe';
const PROBE_RETRY_MS = 1_000;

export async function runRotateWebhookPasswordCommand(
  args: string[],
  io: Io,
  ports: RotatePorts = defaultPorts(io.env),
): Promise<number> {
  const parsed = parseRotateInvocation(args, io.env);
  if (!('invocation' in parsed))
    return answerHelpOrProblems(parsed, 'rotate-webhook-password', ROTATE_USAGE, io);
  const { invocation } = parsed;
  // Whatever is printed passes through this: no password, PAT or token, even inside an error that echoes a request.
  const secrets = new Set(invocation.organizations.flatMap(literalSecrets));
  const redact = (text: string) =>
    [...secrets].reduce((redacted, secret) => redacted.split(secret).join('***'), text);
  const output: Output = {
    out: (text) => io.out.write(redact(`${text}\n`)),
    err: (text) => io.err.write(redact(`ado-reviewer rotate-webhook-password: ${text}\n`)),
    keepSecret: (secret) => secrets.add(secret),
  };
  for (const warning of invocation.warnings) output.err(`warning: ${warning}`);
  try {
    await rotate(invocation, ports, output);
    return 0;
  } catch (error) {
    output.err(commandErrorMessage(error));
    return error instanceof StoppedError ? error.exitCode : 1;
  }
}

type Output = Omit<OrganizationsOutput, 'labelled'>;

/** What stops the rotation, with its exit code (any other error: 1). */
class StoppedError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const usageError = (message: string) => new StoppedError(message, 2);

async function rotate(invocation: RotateInvocation, ports: RotatePorts, output: Output): Promise<void> {
  const { out: say, keepSecret } = output;
  const vault = ports.secretClient(invocation.vaultUri);
  const { passwordSecret, previousPasswordSecret } = invocation;
  const current = await vault.getSecret(passwordSecret);
  if (current.value === undefined) throw new Error(`Key Vault secret "${passwordSecret}" has no value`);
  keepSecret(current.value);
  const tagged = rotationTags.safeParse(current.properties.tags ?? {});
  let rotation: Rotation | undefined = tagged.success
    ? {
        id: tagged.data[ROTATION_TAG],
        state: tagged.data[STATE_TAG],
        graceUntil: tagged.data[GRACE_TAG],
        allOrganizations: tagged.data[ORGANIZATIONS_TAG] === 'all',
      }
    : undefined;
  let password = current.value;
  let version = current.properties.version as string;
  let writtenAt: number | undefined;
  const tagVersion = async (next: Rotation): Promise<Rotation> => {
    await vault.updateSecretProperties(passwordSecret, version, { tags: tagsOf(next) });
    return next;
  };

  if (rotation === undefined || rotation.state === 'finished') {
    password = invocation.passwordFromStdin
      ? await firstLine(ports.stdin)
      : randomBytes(32).toString('base64url');
    keepSecret(password);
    if (password.length < MIN_WEBHOOK_SECRET_LENGTH)
      throw usageError(`the password from stdin is shorter than ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
    if (password === current.value) throw usageError('the password from stdin is the current one');
    const id = randomUUID();
    // Previous first: interrupted in between, the app still accepts exactly what it accepted before.
    await vault.setSecret(previousPasswordSecret, current.value, { tags: { [ROTATION_TAG]: id } });
    rotation = { id, state: 'written', allOrganizations: invocation.allOrganizations };
    const written = await vault.setSecret(passwordSecret, password, { tags: tagsOf(rotation) });
    writtenAt = Date.now();
    version = written.properties.version as string;
    say(
      `stored the current password as "${previousPasswordSecret}" and a new one as "${passwordSecret}" (rotation ${id})`,
    );
  } else if (rotation.allOrganizations && !invocation.allOrganizations) {
    throw usageError(
      `rotation ${rotation.id} was started with --all-organizations: carry it on with --all-organizations, ` +
        'so that no organization keeps the previous password when it is disabled',
    );
  } else {
    say(`carrying on rotation ${rotation.id} (${rotation.state})`);
  }

  if (rotation.state === 'written') {
    await probe(invocation, password, ports);
    say(`the app at ${invocation.probeUrl.href} accepts the new password`);
    // Another instance may have read Key Vault just before the write: its first refusal re-reads only once the
    // re-read interval has passed since, so the subscriptions switch no sooner.
    if (writtenAt !== undefined) await ports.sleep(Math.max(0, writtenAt + REREAD_INTERVAL_MS - Date.now()));
  }

  if (rotation.state !== 'finished') {
    const credentials = { username: invocation.username, password };
    const { code, notDone } = await inEachOrganization(
      invocation.organizations,
      { ...output, labelled: invocation.allOrganizations },
      (client, organizationSay) => giveNewPassword(invocation, credentials, client, organizationSay),
    );
    if (code !== 0) {
      const where = invocation.allOrganizations
        ? `not done in ${notDone.length} of ${invocation.organizations.length} organizations (${notDone.join(', ')}); `
        : '';
      throw new StoppedError(
        `${where}the previous password stays valid: run the command again to carry on`,
        code,
      );
    }
  }

  if (rotation.state === 'written') {
    const graceUntil = new Date(Date.now() + invocation.graceMs).toISOString();
    rotation = await tagVersion({ ...rotation, state: 'hooksUpdated', graceUntil });
  }

  if (rotation.state === 'hooksUpdated') {
    const waitMs = invocation.finish ? 0 : Date.parse(rotation.graceUntil ?? '') - Date.now();
    if (waitMs > 0) {
      say(
        `the previous password stays valid until ${rotation.graceUntil} (run again with --finish to end it now)`,
      );
      await ports.sleep(waitMs);
    }
    await disablePrevious(vault, previousPasswordSecret, rotation.id);
    rotation = await tagVersion({ ...rotation, state: 'finished' });
    say(`disabled the previous password ("${previousPasswordSecret}"); rotation ${rotation.id} is finished`);
  }
}

/** One organization's subscriptions given the new password; those already carrying it are left as they are. */
async function giveNewPassword(
  invocation: RotateInvocation,
  credentials: { username: string; password: string },
  client: ServiceHooksClient,
  say: OrganizationOutput,
): Promise<void> {
  const projects = await client.findProjects(invocation.projects);
  const subscriptions = await client.listWebHookSubscriptions();
  const plan = await planPasswordChange(
    { webhookUrl: invocation.webhookUrl, projects, subscriptions },
    credentials,
  );
  for (const change of plan.changes) {
    await change.apply?.(client);
    say.out(`${change.outcome} ${change.eventType} ${change.project.name}`);
  }
  for (const warning of plan.warnings) say.err(`warning: ${warning}`);
  if (plan.changes.length === 0) say.out('no ado-reviewer subscriptions found');
}

/** Disables the previous password's versions of this rotation (a resumed run may have written it twice). */
async function disablePrevious(vault: SecretClient, name: string, rotationId: string): Promise<void> {
  for await (const properties of vault.listPropertiesOfSecretVersions(name)) {
    if (properties.tags?.[ROTATION_TAG] === rotationId && properties.enabled !== false)
      await vault.updateSecretProperties(name, properties.version as string, { enabled: false });
  }
}

/** Until the app answers an authenticated probe 202, or the timeout. Each instance re-reads at its first refusal. */
async function probe(invocation: RotateInvocation, password: string, ports: RotatePorts): Promise<void> {
  const deadline = Date.now() + invocation.timeoutMs;
  const authorization = `Basic ${Buffer.from(`${invocation.username}:${password}`).toString('base64')}`;
  let last = 'no answer';
  for (;;) {
    try {
      const response = await getProxyFetch()(invocation.probeUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { Authorization: authorization, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          id: randomUUID(),
          eventType: PROBE_EVENT_TYPE,
          publisherId: 'ado-reviewer',
          resource: {},
          createdDate: new Date().toISOString(),
        }),
        signal: AbortSignal.timeout(Math.max(1_000, Math.min(30_000, deadline - Date.now()))),
      });
      await response.body?.cancel();
      if (response.status === 202) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = errorName(error);
    }
    if (Date.now() + PROBE_RETRY_MS > deadline)
      throw new Error(
        `the app at ${invocation.probeUrl.href} did not accept the new password within ` +
          `${invocation.timeoutMs / 1000} s (last answer: ${last}); both passwords are in Key Vault, no ` +
          'subscription was changed: run the command again to carry on',
      );
    await ports.sleep(PROBE_RETRY_MS);
  }
}

async function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0].trim();
}
