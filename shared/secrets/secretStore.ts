import type { TokenCredential } from '@azure/identity';
import type { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';
import { getKeyVaultConfig } from '../config';
import { errorName } from '../errors/errorMessage';
import { getAzureCredential } from '../identity/azureCredential';
import { loadOnFirstUse } from '../lazy/loadOnFirstUse';

/**
 * A secret as Key Vault holds it. Key Vault serves a secret's value outside its validity window (`notBefore`,
 * `expiresOn`) too; honouring the window is the reader's job, so the store reports where the secret stands.
 */
type SecretReading =
  | { state: 'valid'; value: string; expiresOn?: Date }
  /** Missing or disabled. */
  | { state: 'missing' }
  | { state: 'expired'; expiresOn: Date }
  | { state: 'notYetValid'; notBefore: Date };

export interface SecretStore {
  /** The secret's current value; undefined when it does not exist, is disabled, expired or not yet valid. */
  get(name: string): Promise<string | undefined>;
  /** The secret's value with where it stands in its validity window, judged now (a cached value can expire). */
  read(name: string): Promise<SecretReading>;
  /** Drops the cached value(s) so the next get fetches again (after a SecretNewVersionCreated event). */
  invalidate(name?: string): void;
  /** The count of Key Vault reads started so far: a read that starts later is `after` this mark. */
  mark(): number;
  /**
   * The secret as a read that is fresh enough holds it, for a caller whose value was just refused: `{ after }` asks
   * for a read started after that mark, `'recent'` for one started within the re-read interval. The value held is
   * returned when it qualifies; otherwise Key Vault is read again, one read in flight per name, and no sooner than
   * the re-read interval after the previous read of that name: an earlier caller waits for it, and every caller
   * waiting shares it (so a stream of wrong passwords costs one read per interval, not one per request).
   */
  reread(name: string, freshness: Freshness): Promise<SecretReading>;
}

/** A read started after a mark, or one started within the re-read interval. */
type Freshness = { after: number } | 'recent';

export interface KeyVaultSecretStoreOptions {
  /** `https://<vault>.vault.azure.net` */
  vaultUri: string;
  credential: TokenCredential;
  /** How long a value is served from memory; default 5 minutes. */
  ttlMs?: number;
  /** The least time between two reads of one secret asked for by `reread`; default REREAD_INTERVAL_MS. */
  rereadIntervalMs?: number;
  now?: () => number;
  clientOptions?: SecretClientOptions;
}

const DEFAULT_TTL_MS = 5 * 60 * 1000;
/** See `reread`: short enough that a refused new value waits little, long enough that refusals cost Key Vault nothing. */
export const REREAD_INTERVAL_MS = 5_000;
/**
 * A missing or disabled secret is remembered briefly: optional secrets (the previous webhook password) are read on
 * every delivery, and asking Key Vault each time would cost a round trip per request for nothing.
 */
const MISSING_TTL_MS = 30 * 1000;
/**
 * Secrets are read on the webhook's path, which must answer Azure DevOps within seconds (a 503 it retries beats a
 * timeout): a few short tries, each cut off after TRY_TIMEOUT_MS, and the whole read after READ_DEADLINE_MS, rather
 * than the SDK's default back-off of up to a minute (or longer, when a 429 names a long Retry-After).
 */
const retryOptions = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 };
const TRY_TIMEOUT_MS = 1_500;
export const READ_DEADLINE_MS = 4_000;

/** What Key Vault answered, kept as is so that validity is judged at each read. */
interface FetchedSecret {
  value: string;
  expiresOn?: Date;
  notBefore?: Date;
}

/** `mark` orders reads (see SecretStore.mark); `startedAt` is when the read began, on the store's clock. */
type CacheEntry = { mark: number; startedAt: number } & (
  | { state: 'fetching'; value: Promise<FetchedSecret | undefined> }
  | { state: 'fetched'; value: FetchedSecret | undefined; expiresAt: number }
);

/** The SDK's RestError (from @azure/core-rest-pipeline, which the app does not depend on directly). */
interface RestError extends Error {
  code?: string;
  statusCode?: number;
  details?: { error?: { innerError?: { code?: string } } };
}

const isRestError = (error: unknown): error is RestError =>
  error instanceof Error && error.name === 'RestError';

/** 404, or 403 with the inner error code SecretDisabled: what Key Vault answers for a missing or disabled secret. */
function isMissingOrDisabled(error: RestError): boolean {
  return (
    error.statusCode === 404 ||
    (error.statusCode === 403 && error.details?.error?.innerError?.code === 'SecretDisabled')
  );
}

/** Loaded only when a vault is configured: local runs with literal values keep the webhook's start-up lean. */
const keyVaultSecrets = loadOnFirstUse<typeof import('@azure/keyvault-secrets')>('@azure/keyvault-secrets');

/** Secrets read from Key Vault, cached in memory, one request per name at a time. */
export const createKeyVaultSecretStore = (options: KeyVaultSecretStoreOptions): SecretStore =>
  new KeyVaultSecretStore(options);

class KeyVaultSecretStore implements SecretStore {
  private readonly client: SecretClient;
  private readonly vaultUri: string;
  private readonly ttlMs: number;
  private readonly missingTtlMs: number;
  private readonly now: () => number;
  private readonly rereadIntervalMs: number;
  private readonly entries = new Map<string, CacheEntry>();
  /** When each secret was last read, whether or not its entry is still held (an invalidate drops entries). */
  private readonly lastReadAt = new Map<string, number>();
  /** A re-read waiting for the interval to pass, shared by every caller that asks meanwhile. */
  private readonly scheduled = new Map<string, Promise<FetchedSecret | undefined>>();
  private reads = 0;

  constructor(options: KeyVaultSecretStoreOptions) {
    const { SecretClient } = keyVaultSecrets();
    this.client = new SecretClient(options.vaultUri, options.credential, {
      retryOptions,
      ...options.clientOptions,
    });
    this.vaultUri = options.vaultUri;
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.missingTtlMs = Math.min(this.ttlMs, MISSING_TTL_MS);
    this.now = options.now ?? Date.now;
    this.rereadIntervalMs = options.rereadIntervalMs ?? REREAD_INTERVAL_MS;
  }

  async get(name: string): Promise<string | undefined> {
    const read = this.reading(await this.fetchCached(name));
    return read.state === 'valid' ? read.value : undefined;
  }

  async read(name: string): Promise<SecretReading> {
    return this.reading(await this.fetchCached(name));
  }

  invalidate(name?: string): void {
    if (name === undefined) this.entries.clear();
    else this.entries.delete(name);
  }

  mark(): number {
    return this.reads;
  }

  async reread(name: string, freshness: Freshness): Promise<SecretReading> {
    return this.reading(await this.refetch(name, freshness));
  }

  private async fetchSecret(name: string): Promise<FetchedSecret | undefined> {
    try {
      const secret = await this.client.getSecret(name, {
        requestOptions: { timeout: TRY_TIMEOUT_MS },
        abortSignal: AbortSignal.timeout(READ_DEADLINE_MS),
      });
      if (secret.value === undefined) return undefined;
      const { expiresOn, notBefore } = secret.properties;
      return { value: secret.value, expiresOn, notBefore };
    } catch (error) {
      if (isRestError(error) && isMissingOrDisabled(error)) return undefined;
      // Name the secret and the kind of failure only; the details (never a value) stay in the cause.
      const reason = isRestError(error)
        ? `${error.code ?? 'no error code'}, HTTP ${error.statusCode ?? 'no response'}`
        : errorName(error);
      throw new Error(`Could not read Key Vault secret "${name}" from ${this.vaultUri} (${reason})`, {
        cause: error,
      });
    }
  }

  private fetchCached(name: string): Promise<FetchedSecret | undefined> {
    const entry = this.entries.get(name);
    if (entry?.state === 'fetching') return entry.value;
    if (entry?.state === 'fetched' && this.now() < entry.expiresAt) return Promise.resolve(entry.value);

    // Only the entry this fetch created may record its outcome: after an invalidate (or a newer fetch) the map
    // holds something else, and this fetch's answer may predate the new version.
    const started = { mark: ++this.reads, startedAt: this.now() };
    this.lastReadAt.set(name, started.startedAt);
    const fetching: CacheEntry = {
      ...started,
      state: 'fetching',
      value: this.fetchSecret(name).then(
        (value) => {
          if (this.entries.get(name) === fetching) {
            const ttl = value === undefined ? this.missingTtlMs : this.ttlMs;
            this.entries.set(name, { ...started, state: 'fetched', value, expiresAt: this.now() + ttl });
          }
          return value;
        },
        (error: unknown) => {
          if (this.entries.get(name) === fetching) this.entries.delete(name);
          throw error;
        },
      ),
    };
    this.entries.set(name, fetching);
    return fetching.value;
  }

  private freshEnough(entry: CacheEntry | undefined, freshness: Freshness): entry is CacheEntry {
    if (entry === undefined) return false;
    return freshness === 'recent'
      ? entry.startedAt >= this.now() - this.rereadIntervalMs
      : entry.mark > freshness.after;
  }

  private fetchAgain(name: string): Promise<FetchedSecret | undefined> {
    this.entries.delete(name);
    return this.fetchCached(name);
  }

  private refetch(name: string, freshness: Freshness): Promise<FetchedSecret | undefined> {
    const entry = this.entries.get(name);
    if (this.freshEnough(entry, freshness))
      return entry.state === 'fetching' ? entry.value : Promise.resolve(entry.value);
    const waiting = this.scheduled.get(name);
    if (waiting !== undefined) return waiting;
    const waitMs = (this.lastReadAt.get(name) ?? -Infinity) + this.rereadIntervalMs - this.now();
    if (waitMs <= 0) return this.fetchAgain(name);
    const next = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref()).then(() => {
      this.scheduled.delete(name);
      return this.fetchAgain(name);
    });
    this.scheduled.set(name, next);
    return next;
  }

  private reading(fetched: FetchedSecret | undefined): SecretReading {
    if (fetched === undefined) return { state: 'missing' };
    const { value, expiresOn, notBefore } = fetched;
    if (notBefore !== undefined && this.now() < notBefore.getTime())
      return { state: 'notYetValid', notBefore };
    if (expiresOn !== undefined && this.now() >= expiresOn.getTime()) return { state: 'expired', expiresOn };
    return { state: 'valid', value, expiresOn };
  }
}

let processStore: { store: SecretStore | undefined } | undefined;

/**
 * The store shared by everything in this process (the functions and the review), built on first use from the Key
 * Vault settings; undefined when no vault is configured.
 */
export function getProcessSecretStore(): SecretStore | undefined {
  if (processStore === undefined) {
    const vault = getKeyVaultConfig();
    processStore = {
      store:
        vault === undefined
          ? undefined
          : createKeyVaultSecretStore({
              vaultUri: vault.uri,
              credential: getAzureCredential(vault.clientId),
            }),
    };
  }
  return processStore.store;
}
