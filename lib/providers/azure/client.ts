/**
 * Talking to ARM for one cloud: the SDK clients are created on first use (the @azure/* packages are
 * imported dynamically, so the API bundle does not load them at startup), and every call is wrapped so
 * throttling is retried with our backoff and any failure becomes a provider error naming what was done.
 */
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { DnsManagementClient } from '@azure/arm-dns';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelineRequest, SendRequest } from '@azure/core-rest-pipeline';
import { type BackoffOptions, retryThrottled } from '../backoff.js';
import type { AzureCredentials } from './credentials.js';
import { isThrottlingError, mapAzureError, retryAfterMs } from './errors.js';

export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

/**
 * The SDK pipeline retries once (a dropped connection, a 5xx): throttling is retried by callWithBackoff
 * with the injected sleep, and two nested retry loops would multiply into minutes.
 */
export const SDK_MAX_RETRIES = 1;

export interface AzureClientOptions {
  credentials: AzureCredentials;
  /** Replaces both https://management.azure.com and the identity authority host (tests, sovereign clouds). */
  endpoint?: string;
  /** Extra CA (PEM) to trust, for a test server's self-signed certificate; the public CAs stay trusted otherwise. */
  tlsCa?: string;
  backoff: BackoffOptions;
  secrets: readonly string[];
  /** Per ARM request (an LRO's polls each count alone): a stuck connection fails the call, not the worker. */
  requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class AzureClients {
  private credential?: TokenCredential;
  private computeClient?: Promise<ComputeManagementClient>;
  private networkClient?: Promise<NetworkManagementClient>;
  private resourceClient?: Promise<ResourceManagementClient>;
  private dnsClient?: Promise<DnsManagementClient>;

  constructor(private readonly options: AzureClientOptions) {}

  private pipelineOptions() {
    return {
      retryOptions: { maxRetries: SDK_MAX_RETRIES },
      ...(this.options.tlsCa ? { tlsOptions: { ca: this.options.tlsCa } } : {}),
    };
  }

  private clientOptions() {
    const timeout = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return {
      ...this.pipelineOptions(),
      // The generated clients set no timeout of their own: every request gets ours unless it has one.
      additionalPolicies: [
        {
          position: 'perCall' as const,
          policy: {
            name: 'nimboRequestTimeout',
            sendRequest: (request: PipelineRequest, next: SendRequest) => {
              if (!request.timeout) request.timeout = timeout;
              return next(request);
            },
          },
        },
      ],
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
    };
  }

  private async tokenCredential(): Promise<TokenCredential> {
    if (!this.credential) {
      const { ClientSecretCredential } = await import('@azure/identity');
      const { tenantId, clientId, clientSecret } = this.options.credentials;
      this.credential = new ClientSecretCredential(tenantId, clientId, clientSecret, {
        ...this.pipelineOptions(),
        // With an overridden endpoint there is no Microsoft instance-discovery service to ask: MSAL
        // reads the tenant's OpenID configuration from the authority itself.
        ...(this.options.endpoint
          ? { authorityHost: this.options.endpoint, disableInstanceDiscovery: true }
          : {}),
      });
    }
    return this.credential;
  }

  compute(): Promise<ComputeManagementClient> {
    this.computeClient ??= (async () => {
      const { ComputeManagementClient } = await import('@azure/arm-compute');
      return new ComputeManagementClient(
        await this.tokenCredential(),
        this.options.credentials.subscriptionId,
        this.clientOptions(),
      );
    })();
    return this.computeClient;
  }

  network(): Promise<NetworkManagementClient> {
    this.networkClient ??= (async () => {
      const { NetworkManagementClient } = await import('@azure/arm-network');
      return new NetworkManagementClient(
        await this.tokenCredential(),
        this.options.credentials.subscriptionId,
        this.clientOptions(),
      );
    })();
    return this.networkClient;
  }

  resources(): Promise<ResourceManagementClient> {
    this.resourceClient ??= (async () => {
      const { ResourceManagementClient } = await import('@azure/arm-resources');
      return new ResourceManagementClient(
        await this.tokenCredential(),
        this.options.credentials.subscriptionId,
        this.clientOptions(),
      );
    })();
    return this.resourceClient;
  }

  /**
   * Azure DNS (Microsoft.Network/dnsZones), an older generated client: it builds its URLs from `$host`,
   * not from `endpoint`, so an overridden endpoint is given as both.
   */
  dns(): Promise<DnsManagementClient> {
    this.dnsClient ??= (async () => {
      const { DnsManagementClient } = await import('@azure/arm-dns');
      return new DnsManagementClient(await this.tokenCredential(), this.options.credentials.subscriptionId, {
        ...this.clientOptions(),
        ...(this.options.endpoint ? { $host: this.options.endpoint } : {}),
      });
    })();
    return this.dnsClient;
  }

  /** One ARM call (or LRO), retried when throttled; `context` ("start VM rg/web-1") goes into errors. */
  call<T>(context: string, fn: () => Promise<T>): Promise<T> {
    return callWithBackoff(`Azure ${context}`, fn, this.options.backoff, this.options.secrets);
  }
}

/**
 * Run fn, retrying throttling only (never a failed mutation that may have run), waiting the larger of
 * the jittered backoff and ARM's Retry-After; map whatever fails at the end.
 */
export function callWithBackoff<T>(
  context: string,
  fn: () => Promise<T>,
  options: BackoffOptions,
  secrets: readonly string[],
): Promise<T> {
  return retryThrottled(fn, options, {
    isThrottled: isThrottlingError,
    minWaitMs: retryAfterMs,
    fail: (err, attempts) => mapAzureError(err, context, { secrets, attempts }),
  });
}

/** Every item of an SDK paged iterator (it follows nextLink), as one throttle-retried call. */
export async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iter) out.push(item);
  return out;
}
