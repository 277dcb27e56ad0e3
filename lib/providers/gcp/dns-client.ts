/**
 * The official @google-cloud/dns library, loaded on first use, signed by the same kind of auth client
 * as Compute Engine (createAuth) with Cloud DNS's scope. Two things are set past its options, because
 * the library (5.x, on @google-cloud/common) offers no option for them:
 * - with an endpoint, `baseUrl`: the library builds `https://${apiEndpoint}/dns/v1` itself, and a
 *   loopback fake speaks plain HTTP;
 * - `maxRetries: 0` on every request (a request interceptor): the library would otherwise retry 429s
 *   and 5xx three times with its own real sleeps (its autoRetry option is not passed through), hiding
 *   throttling from callWithBackoff and its injected sleep. Connection failures it still retries itself.
 * Its `timeout` option does nothing (teeny-request hands it to node-fetch 3, which dropped `timeout`),
 * so every call is bounded by withDeadline instead.
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
  if (endpoint) dns.baseUrl = `${endpoint.replace(/\/$/, '')}/dns/v1`;
  const noRetries = { request: <T extends object>(reqOpts: T) => Object.assign(reqOpts, { maxRetries: 0 }) };
  dns.interceptors.push(noRetries as (typeof dns.interceptors)[number]);
  return { dns };
}

/**
 * `work`, or a timeout error shaped like Node's (code ETIMEDOUT, so mapGcpError makes it a
 * ProviderTimeoutError) once `ms` have passed. The request itself is not aborted: the library offers no
 * way to; its answer, when it comes, is dropped.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, context: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(Object.assign(new Error(`no answer within ${ms} ms (${context})`), { code: 'ETIMEDOUT' }));
    }, ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
