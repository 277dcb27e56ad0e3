/** How the Cloud DNS library is set up: Google's host and scope without an endpoint, no hidden retries. */
import { describe, expect, it } from 'vitest';
import { DNS_SCOPE } from '../../../lib/providers/gcp/client.js';
import { createDnsClient, withDeadline } from '../../../lib/providers/gcp/dns-client.js';
import { credentials } from './fixtures.js';

describe('createDnsClient', () => {
  it("talks to dns.googleapis.com over HTTPS with a service-account JWT of Cloud DNS's scope", async () => {
    const { dns } = await createDnsClient(credentials, undefined, () => new Date());
    expect(dns.baseUrl).toBe('https://dns.googleapis.com/dns/v1');
    const jwt = (dns.authClient as unknown as { cachedCredential?: { scopes?: string[]; email?: string } })
      .cachedCredential;
    expect(jwt?.email).toBe(credentials.client_email);
    expect(jwt?.scopes).toEqual([DNS_SCOPE]);
  });

  it('sends every request to the endpoint given, with the library retrying nothing itself', async () => {
    const { dns } = await createDnsClient(credentials, 'http://127.0.0.1:9/', () => new Date());
    expect(dns.baseUrl).toBe('http://127.0.0.1:9/dns/v1');
    const [intercept] = dns.interceptors.map((i) => i.request);
    expect(intercept?.({ uri: '/managedZones' })).toMatchObject({ uri: '/managedZones', maxRetries: 0 });
  });
});

describe('withDeadline', () => {
  it('answers what the work answers in time, and a timeout error shaped like ETIMEDOUT otherwise', async () => {
    await expect(withDeadline(Promise.resolve(7), 50, 'x')).resolves.toBe(7);
    const never = new Promise<never>(() => {});
    await expect(withDeadline(never, 10, 'managedZones.list')).rejects.toMatchObject({
      code: 'ETIMEDOUT',
      message: expect.stringContaining('managedZones.list'),
    });
  });
});
