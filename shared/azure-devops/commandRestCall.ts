import { errorMessage } from '../errors/errorMessage';
import { getProxyFetch } from '../http/outboundProxy';
import type { AzureDevOpsCredential } from './azureDevOpsCredential';

/**
 * One Azure DevOps REST call for the command-line clients (service hooks, branch policies), which run with an
 * administrator's PAT or the app's credential outside the review's request wrapper: api-version 7.1, a timeout, the
 * proxy settings, one more try when the credential is refused and has a new value, and errors that say what failed
 * without the token.
 */

const API_VERSION = '7.1';
const REQUEST_TIMEOUT_MS = 60_000;

export interface CommandRestCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the organization URL. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

interface CommandConnection {
  orgUrl: string;
  credential: AzureDevOpsCredential;
  /** What to say when the credential is refused. */
  refusal: (status: number) => string;
}

/** Azure DevOps did not accept the credential (401, or a sign-in page). */
class RefusedCredentialError extends Error {}

function serviceMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not an Azure DevOps error body: show the start of whatever it is.
  }
  return text.slice(0, 200);
}

export async function callAzureDevOpsRest(
  connection: CommandConnection,
  call: CommandRestCall,
): Promise<{ json: unknown; headers: Headers }> {
  const sent = await connection.credential.authorization();
  try {
    return await send(connection, sent, call);
  } catch (error) {
    // A refused request did nothing, so even a write may go again: once, with a new token or a re-read PAT.
    if (!(error instanceof RefusedCredentialError) || !(await connection.credential.refused(sent)))
      throw error;
    return send(connection, await connection.credential.authorization(), call);
  }
}

async function send(
  connection: CommandConnection,
  authorization: string,
  { method, path, query, body }: CommandRestCall,
): Promise<{ json: unknown; headers: Headers }> {
  const url = new URL(`${connection.orgUrl}/${path}`);
  for (const [name, value] of Object.entries(query ?? {}))
    if (value !== undefined) url.searchParams.set(name, value);
  url.searchParams.set('api-version', API_VERSION);
  const what = `${method} ${url.pathname}`;
  let response: Response;
  try {
    response = await getProxyFetch()(url, {
      method,
      redirect: 'manual',
      headers: {
        Authorization: authorization,
        Accept: 'application/json',
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    // fetch's own message is "fetch failed": the cause says what (not always this realm's Error: Node's own).
    const { cause } = error as { cause?: { message?: unknown } };
    const reason = typeof cause?.message === 'string' ? cause.message : errorMessage(error);
    throw new Error(`${what}: ${reason}`);
  }
  const text = await response.text();
  // A sign-in redirect or page (3xx, 203) is how Azure DevOps refuses a token it does not know, like a 401.
  if (response.status === 401 || response.status === 203 || (response.status >= 300 && response.status < 400))
    throw new RefusedCredentialError(`${what}: ${connection.refusal(response.status)}`);
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status}: ${serviceMessage(text)}`);
  if (text === '') return { json: undefined, headers: response.headers };
  try {
    return { json: JSON.parse(text), headers: response.headers };
  } catch {
    throw new Error(`${what}: the answer is not JSON; is --org an Azure DevOps organization URL?`);
  }
}
