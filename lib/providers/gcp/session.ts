/**
 * What every GCP driver shares: the cloud's config checked, the backoff built from the test
 * seams, the credentials' secrets, and one lazily loaded set of clients (a failed load is retried by the
 * next call, not cached). A driver holds one session and calls through it.
 */
import { ConfigurationError } from '../../core/errors.js';
import { type BackoffDeps, type BackoffOptions, DEFAULT_BACKOFF } from '../backoff.js';
import { callWithBackoff } from './client.js';
import { credentialSecrets, type GcpCredentials } from './credentials.js';

export interface GcpCloudConfig {
  cloudId: string;
  /** GCP regions, e.g. europe-west1. */
  regions: string[];
  credentials: GcpCredentials;
  /** Overrides Google's hosts (compute/v1 and dns/v1 under one URL) and the token URI (`${endpoint}/token`). */
  endpoint?: string;
}

export interface GcpDriverDeps extends BackoffDeps {
  /** How many times an operation is waited on (each wait blocks up to ~2 minutes at Google). */
  maxOperationWaits?: number;
  /** How long one HTTP call may take before it is a ProviderTimeoutError (30 s; an operation wait 130 s). */
  callTimeoutMs?: number;
}

/** Every GCP driver's config and test seams (compute, network, dns). */
export type GcpDriverConfig = GcpCloudConfig;
export type GcpSessionDeps = GcpDriverDeps;

/** gax's own retries are off (`retry: null`): throttling is retried by callWithBackoff, with the injected sleep. */
const CALL_TIMEOUT_MS = 30_000;
/** An operation wait blocks up to two minutes at Google before answering RUNNING. */
const WAIT_TIMEOUT_MS = 130_000;

export class GcpSession<Clients> {
  readonly project: string;
  readonly regions: readonly string[];
  readonly now: () => Date;
  readonly secrets: readonly string[];
  readonly maxWaits: number;
  readonly backoff: BackoffOptions;
  readonly callOptions: { retry: null; timeout: number };
  readonly waitOptions: { retry: null; timeout: number };
  /** The async iterators follow nextPageToken themselves; saying so silences gax's AutopaginateTrueWarning. */
  readonly pagedOptions: { retry: null; timeout: number; autoPaginate: false };
  private loading: Promise<Clients> | undefined;

  constructor(
    readonly config: GcpDriverConfig,
    deps: GcpSessionDeps,
    private readonly load: (config: GcpDriverConfig, now: () => Date) => Promise<Clients>,
    /** How errors name the API: GCE (Compute Engine) or Cloud DNS. */
    readonly service = 'GCE',
  ) {
    this.regions = [...new Set(config.regions)];
    if (this.regions.length === 0) {
      throw new ConfigurationError(`GCP cloud ${config.cloudId} has no regions configured`);
    }
    this.project = config.credentials.project_id;
    this.now = deps.now ?? (() => new Date());
    this.secrets = credentialSecrets(config.credentials);
    this.maxWaits = deps.maxOperationWaits ?? 30;
    const timeout = deps.callTimeoutMs;
    this.callOptions = { retry: null, timeout: timeout ?? CALL_TIMEOUT_MS };
    this.waitOptions = { retry: null, timeout: timeout ?? WAIT_TIMEOUT_MS };
    this.pagedOptions = { retry: null, timeout: timeout ?? CALL_TIMEOUT_MS, autoPaginate: false };
    const { sleep, random, maxAttempts } = deps;
    this.backoff = {
      ...DEFAULT_BACKOFF,
      ...(sleep ? { sleep } : {}),
      ...(random ? { random } : {}),
      ...(maxAttempts ? { maxAttempts } : {}),
    };
  }

  clients(): Promise<Clients> {
    if (this.loading) return this.loading;
    const loading = this.load(this.config, this.now);
    this.loading = loading;
    loading.catch(() => {
      if (this.loading === loading) this.loading = undefined;
    });
    return loading;
  }

  /** One call, throttling retried with backoff, any failure mapped with `context` and secrets redacted. */
  async call<T>(context: string, fn: (clients: Clients) => Promise<T>): Promise<T> {
    const clients = await this.clients();
    return callWithBackoff(context, () => fn(clients), this.backoff, this.secrets, this.service);
  }
}
