/**
 * infra/hooks/set-secrets.sh, the azd postprovision hook that stores the secrets in Key Vault, run by `sh` against
 * a stand-in `az` (a script that keeps secrets as files and logs its command lines). What matters: values reach
 * Key Vault intact, never appear in the output or on a command line, existing secrets are kept, a missing required
 * secret fails the hook, and the webhook password is generated when none is given and refused when too short.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const hook = path.resolve(__dirname, '../../infra/hooks/set-secrets.sh');

/**
 * Stand-in for the Azure CLI's `az keyvault secret show|set`, storing each secret in $FAKE_AZ_STORE/<name>. With a
 * file $FAKE_AZ_STORE/private-only it answers every call as a vault without public network access does.
 */
const fakeAz = `#!/bin/sh
printf '%s\\n' "$*" >>"$FAKE_AZ_STORE/calls.log"
if [ -f "$FAKE_AZ_STORE/private-only" ]; then
  echo "(Forbidden) Public network access is disabled and request is not from a trusted service nor via an approved private link." >&2
  echo "Code: Forbidden" >&2
  echo "Inner error: {\\"code\\": \\"ForbiddenByConnection\\"}" >&2
  exit 1
fi
verb="$1 $2 $3"; shift 3
name=""; file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --file) file="$2"; shift 2 ;;
    *) shift ;;
  esac
done
case "$verb" in
  "keyvault secret show")
    [ -f "$FAKE_AZ_STORE/$name" ] && exit 0
    echo "(SecretNotFound) A secret with (name/id) $name was not found in this key vault." >&2; exit 3 ;;
  "keyvault secret set")
    refusals=$(cat "$FAKE_AZ_STORE/refusals" 2>/dev/null || echo 0)
    if [ "$refusals" -gt 0 ]; then
      echo $((refusals - 1)) >"$FAKE_AZ_STORE/refusals"
      echo "(Forbidden) Caller is not authorized to perform action on resource." >&2; exit 1
    fi
    cp "$file" "$FAKE_AZ_STORE/$name" ;;
  *) echo "unexpected az call: $verb" >&2; exit 2 ;;
esac
`;

const secretNames =
  'AZURE_DEVOPS_BOT_TOKEN=azure-devops-bot-token OAUTH2_CLIENT_SECRET=oauth2-gateway-client-secret ' +
  'OPENAI_API_KEYS=openai-api-keys WEBHOOK_PASSWORD=webhook-password ' +
  'WEBHOOK_PREVIOUS_PASSWORD=webhook-previous-password';
const requiredSecrets = 'AZURE_DEVOPS_BOT_TOKEN OPENAI_API_KEYS WEBHOOK_PASSWORD';

interface HookRun {
  code: number;
  output: string;
  calls: string;
}

describe('infra/hooks/set-secrets.sh', () => {
  let dir: string;
  let store: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ado-reviewer-set-secrets-'));
    store = path.join(dir, 'store');
    mkdirSync(store);
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin/az'), fakeAz);
    chmodSync(path.join(dir, 'bin/az'), 0o755);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function runHook(values: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<HookRun> {
    const env = {
      PATH: `${path.join(dir, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
      TMPDIR: dir,
      FAKE_AZ_STORE: store,
      AZURE_KEY_VAULT_NAME: 'kv-test',
      KEY_VAULT_SECRET_NAMES: secretNames,
      KEY_VAULT_REQUIRED_SECRETS: requiredSecrets,
      SET_SECRETS_RETRY_SECONDS: '0',
      ...extraEnv,
      ...values,
    };
    return new Promise((resolve) => {
      // Pipes, not a terminal: the hook must not prompt.
      execFile('sh', [hook], { env }, (error, stdout, stderr) => {
        const callsFile = path.join(store, 'calls.log');
        resolve({
          code: error ? Number(error.code) : 0,
          output: `${stdout}${stderr}`,
          calls: existsSync(callsFile) ? readFileSync(callsFile, 'utf8') : '',
        });
      });
    });
  }

  const stored = (name: string) => readFileSync(path.join(store, name), 'utf8');

  it('stores the supplied values exactly, without printing them or passing them as arguments', async () => {
    const values = {
      AZURE_DEVOPS_BOT_TOKEN: 'pat with spaces $HOME `x` "quoted" \\back',
      OPENAI_API_KEYS: 'sk-one,sk-two',
      WEBHOOK_PASSWORD: "it's-a-secret, long enough",
      OAUTH2_CLIENT_SECRET: 'client~secret',
    };
    const result = await runHook(values);

    expect(result.code).toBe(0);
    expect(stored('azure-devops-bot-token')).toBe(values.AZURE_DEVOPS_BOT_TOKEN);
    expect(stored('openai-api-keys')).toBe(values.OPENAI_API_KEYS);
    expect(stored('webhook-password')).toBe(values.WEBHOOK_PASSWORD);
    expect(stored('oauth2-gateway-client-secret')).toBe(values.OAUTH2_CLIENT_SECRET);
    expect(existsSync(path.join(store, 'webhook-previous-password'))).toBe(false);
    for (const value of Object.values(values)) {
      expect(result.output).not.toContain(value);
      expect(result.calls).not.toContain(value);
    }
    expect(result.calls).toMatch(/keyvault secret set --vault-name kv-test --name webhook-password --file /);
    expect(result.output).toContain('WEBHOOK_PASSWORD: stored in Key Vault as webhook-password.');
  });

  it('keeps secrets Key Vault already holds when no new value is supplied', async () => {
    writeFileSync(path.join(store, 'azure-devops-bot-token'), 'old-pat');
    writeFileSync(path.join(store, 'openai-api-keys'), 'old-keys');
    writeFileSync(path.join(store, 'webhook-password'), 'old-password');

    const result = await runHook({ WEBHOOK_PASSWORD: 'new-password-long-enough' });

    expect(result.code).toBe(0);
    expect(stored('azure-devops-bot-token')).toBe('old-pat');
    expect(stored('webhook-password')).toBe('new-password-long-enough');
    expect(result.calls).not.toMatch(/secret set .*--name azure-devops-bot-token/);
    expect(result.output).toContain('AZURE_DEVOPS_BOT_TOKEN: kept the value already in Key Vault');
  });

  it('fails and names the required secrets nothing supplied when no terminal can prompt', async () => {
    const result = await runHook({ OPENAI_API_KEYS: 'sk-only' });

    expect(result.code).toBe(1);
    expect(result.output).toContain('Missing required secrets: AZURE_DEVOPS_BOT_TOKEN\n');
    expect(stored('openai-api-keys')).toBe('sk-only');
  });

  it('takes the required secrets from the deployment, which names them per model provider', async () => {
    const result = await runHook(
      { AZURE_DEVOPS_BOT_TOKEN: 'pat' },
      { KEY_VAULT_REQUIRED_SECRETS: 'AZURE_DEVOPS_BOT_TOKEN OAUTH2_CLIENT_SECRET WEBHOOK_PASSWORD' },
    );

    expect(result.code).toBe(1);
    expect(result.output).toContain('Missing required secrets: OAUTH2_CLIENT_SECRET\n');
    expect(existsSync(path.join(store, 'openai-api-keys'))).toBe(false);
  });

  it('generates a random webhook password when none is supplied or stored, and keeps it afterwards', async () => {
    const values = { AZURE_DEVOPS_BOT_TOKEN: 'pat', OPENAI_API_KEYS: 'keys' };
    const first = await runHook(values);

    expect(first.code).toBe(0);
    const generated = stored('webhook-password');
    expect(generated).toMatch(/^[0-9a-f]{64}$/);
    expect(first.output).not.toContain(generated);
    expect(first.calls).not.toContain(generated);
    expect(first.output).toContain(
      'WEBHOOK_PASSWORD: generated and stored in Key Vault as webhook-password.',
    );
    expect(first.output).toContain('az keyvault secret show --vault-name kv-test --name webhook-password');

    const second = await runHook(values);
    expect(second.code).toBe(0);
    expect(stored('webhook-password')).toBe(generated);

    rmSync(path.join(store, 'webhook-password'));
    await runHook(values);
    expect(stored('webhook-password')).toMatch(/^[0-9a-f]{64}$/);
    expect(stored('webhook-password')).not.toBe(generated);
  });

  it('refuses a webhook password shorter than 16 characters before storing anything', async () => {
    const values = { AZURE_DEVOPS_BOT_TOKEN: 'pat', OPENAI_API_KEYS: 'keys' };
    const short = await runHook({ ...values, WEBHOOK_PASSWORD: 'fifteen-chars!!' });

    expect(short.code).toBe(1);
    expect(short.output).toContain('WEBHOOK_PASSWORD: refused, shorter than 16 characters.');
    expect(short.output).not.toContain('fifteen-chars!!');
    expect(short.calls).toBe('');

    const longEnough = await runHook({ ...values, WEBHOOK_PASSWORD: 'sixteen-chars!!!' });
    expect(longEnough.code).toBe(0);
    expect(stored('webhook-password')).toBe('sixteen-chars!!!');
  });

  it('waits while Key Vault refuses writes, then gives up with the error after the last attempt', async () => {
    const values = {
      AZURE_DEVOPS_BOT_TOKEN: 'pat',
      OPENAI_API_KEYS: 'keys',
      WEBHOOK_PASSWORD: 'password-long-enough',
    };
    writeFileSync(path.join(store, 'refusals'), '2');
    const patient = await runHook(values);
    expect(patient.code).toBe(0);
    expect(stored('azure-devops-bot-token')).toBe('pat');
    expect(patient.output).toContain('waiting');

    rmSync(path.join(store, 'azure-devops-bot-token'));
    writeFileSync(path.join(store, 'refusals'), '5');
    const impatient = await runHook(values, { SET_SECRETS_ATTEMPTS: '3' });
    expect(impatient.code).not.toBe(0);
    expect(impatient.output).toContain('(Forbidden) Caller is not authorized');
  });

  it('stops at the first refusal of a vault reachable only through its private endpoint, saying where to run', async () => {
    writeFileSync(path.join(store, 'private-only'), '');
    const values = { AZURE_DEVOPS_BOT_TOKEN: 'pat', OPENAI_API_KEYS: 'keys' };
    const result = await runHook(values, { PRIVATE_NETWORKING: 'true' });

    expect(result.code).toBe(1);
    expect(result.output).toContain(
      'Key Vault kv-test refused the request: it accepts connections only through its private endpoint',
    );
    expect(result.output).toContain('docs/deployment.md#private-networking');
    // No retries, and no webhook password generated over one the vault may already hold.
    expect(result.calls.trim().split('\n')).toHaveLength(1);
    expect(result.output).not.toContain('waiting');
    expect(result.output).not.toContain('generated');
    for (const value of Object.values(values)) expect(result.output).not.toContain(value);
  });
});
