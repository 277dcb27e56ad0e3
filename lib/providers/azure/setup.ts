/**
 * What every Azure driver (compute, network, dns) is made of: the cloud's configuration, the test seams,
 * and from them one AzureClients with our backoff, the locations the cloud covers and the LRO poll.
 */
import { type BackoffDeps, type BackoffOptions, DEFAULT_BACKOFF } from '../backoff.js';
import { AzureClients } from './client.js';
import { type AzureCredentials, credentialSecrets } from './credentials.js';

export interface AzureCloudConfig {
  cloudId: string;
  /** Azure locations (westeurope, ...): resources elsewhere are left out. Empty: every location. */
  regions: string[];
  credentials: AzureCredentials;
  endpoint?: string;
}

export interface AzureDriverDeps extends BackoffDeps {
  /** How often a long-running operation is polled; ARM suggests ~30 s, we ask sooner and tests at once. */
  pollIntervalMs?: number;
  /** A CA (PEM) to trust besides the public ones: the cloud's settings.endpointCa (a private CA, a fake's). */
  tlsCa?: string;
  requestTimeoutMs?: number;
}

export interface AzureSetup {
  azure: AzureClients;
  /** Lowercase, without repeats. */
  regions: string[];
  poll: { updateIntervalInMs: number };
  now: () => Date;
  /** Whether a resource's location is one of the cloud's (every location when none is configured). */
  inRegions: (location: string | undefined) => boolean;
}

export function azureSetup(config: AzureCloudConfig, deps: AzureDriverDeps = {}): AzureSetup {
  const regions = [...new Set(config.regions.map((r) => r.toLowerCase()))];
  const backoff: BackoffOptions = {
    ...DEFAULT_BACKOFF,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.maxAttempts ? { maxAttempts: deps.maxAttempts } : {}),
  };
  const azure = new AzureClients({
    credentials: config.credentials,
    ...(config.endpoint ? { endpoint: config.endpoint.replace(/\/+$/, '') } : {}),
    ...(deps.tlsCa ? { tlsCa: deps.tlsCa } : {}),
    ...(deps.requestTimeoutMs ? { requestTimeoutMs: deps.requestTimeoutMs } : {}),
    backoff,
    secrets: credentialSecrets(config.credentials),
  });
  return {
    azure,
    regions,
    poll: { updateIntervalInMs: deps.pollIntervalMs ?? 5_000 },
    now: deps.now ?? (() => new Date()),
    inRegions: (location) => regions.length === 0 || regions.includes((location ?? '').toLowerCase()),
  };
}
