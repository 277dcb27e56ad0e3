/**
 * The official @google-cloud/dns library, loaded on first use, signed by the same kind of auth client
 * as Compute Engine (createAuth) with Cloud DNS's scope. Two things are set past its options, because
 * the library (5.x, on @google-cloud/common) offers no option for them:
 * - with an endpoint, `baseUrl`: the library builds `https://${apiEndpoint}/dns/v1` itself, and a
 *   loopback fake speaks plain HTTP;
 * - `maxRetries: 0` on every request (a request interceptor): the library would otherwise retry 429s
 *   and 5xx three times with its own real sleeps (its autoRetry option is not passed through), hiding
 *   throttling from callWithBackoff and its injected sleep. Connection failures it still retries itself.
 */
import type { DNS } from '@google-cloud/dns';
import { createAuth, DNS_SCOPE } from './client.js';
import type { GcpCredentials } from './credentials.js';

export interface CloudDnsClient {
  dns: DNS;
}

export async function createDnsClient(
  credentials: GcpCredentials,
  endpoint: string | undefined,
  now: () => Date,
  timeoutMs = 30_000,
): Promise<CloudDnsClient> {
  const [{ DNS: Client }, { authClient }] = await Promise.all([
    import('@google-cloud/dns'),
    createAuth(credentials, endpoint, now, DNS_SCOPE),
  ]);
  const dns = new Client({
    projectId: credentials.project_id,
    // The library's GoogleAuth wraps any AuthClient; its typings name their own copy of the class.
    authClient: authClient as unknown as NonNullable<ConstructorParameters<typeof Client>[0]>['authClient'],
    ...(endpoint ? { apiEndpoint: new URL(endpoint).host } : {}),
  });
  // Read by every request; DNSOptions does not type the `timeout` option.
  dns.timeout = timeoutMs;
  if (endpoint) dns.baseUrl = `${endpoint.replace(/\/$/, '')}/dns/v1`;
  const noRetries = { request: <T extends object>(reqOpts: T) => Object.assign(reqOpts, { maxRetries: 0 }) };
  dns.interceptors.push(noRetries as (typeof dns.interceptors)[number]);
  return { dns };
}
