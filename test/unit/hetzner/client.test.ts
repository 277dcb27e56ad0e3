/** The Hetzner client over the shared REST client: auth, throttling, error words, malformed answers. */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/core/errors.js';
import {
  ProviderAuthError,
  ProviderRejectedError,
  ProviderThrottledError,
} from '../../../lib/providers/errors.js';
import { HetznerComputeDriver } from '../../../lib/providers/hetzner/compute.js';
import { seedServer } from '../../fakes/hetzner/compute-routes.js';
import { FAKE_TOKEN } from '../../fakes/hetzner/fake.js';
import { useHetznerFake } from './fixtures.js';

const { fake, make } = useHetznerFake(HetznerComputeDriver);

const answering = (status: number, body: unknown): typeof fetch =>
  (async () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    })) as typeof fetch;

describe('hetzner client', () => {
  it('checks the connection with one server read under the Bearer token', async () => {
    await make().driver.checkConnection();
    const [sent] = fake().sent('GET', '/servers');
    expect(sent?.query.get('per_page')).toBe('1');
  });

  it('answers ProviderAuthError for a token Hetzner rejects, without the token in the message', async () => {
    fake().failNext(1, 401, 'unauthorized');
    const err = await make()
      .driver.checkConnection()
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(err.message).toContain('401 unauthorized: unable to authenticate');
    expect(err.message).not.toContain(FAKE_TOKEN);
  });

  it('says a read-only token must be Read & Write when a change is forbidden', async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'off');
    fake().failNext(1, 403, 'forbidden');
    const err = await make()
      .driver.startMachine({ externalId: String(s.id), region: 'fsn1' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(err.message).toContain('must have Read & Write permission');
  });

  it('retries a 429 and waits at least the Retry-After Hetzner asked for', async () => {
    seedServer(fake().state, 'web', 'fsn1', 'running');
    fake().retryAfterSeconds = 3;
    fake().failNext(1, 429, 'rate_limit_exceeded');
    const { driver, world } = make();
    expect((await driver.listMachines()).map((m) => m.name)).toEqual(['web']);
    expect(world.sleeps).toHaveLength(1);
    expect(world.sleeps[0]).toBeGreaterThanOrEqual(3000);
  });

  it('backs off by itself at a 429 whose RateLimit-Reset is an hour away, as hcloud-go does', async () => {
    seedServer(fake().state, 'web', 'fsn1', 'running');
    const fetch = (async (url: URL | string, init?: RequestInit) => {
      if (fake().requests.length > 0) return globalThis.fetch(url, init);
      fake().requests.push({
        method: 'GET',
        path: '/servers',
        query: new URLSearchParams(),
        body: undefined,
      });
      const reset = String(Math.ceil(Date.now() / 1000) + 3600);
      return new Response(
        JSON.stringify({ error: { code: 'rate_limit_exceeded', message: 'limit reached' } }),
        {
          status: 429,
          headers: { 'RateLimit-Limit': '3600', 'RateLimit-Remaining': '0', 'RateLimit-Reset': reset },
        },
      );
    }) as typeof globalThis.fetch;
    const { driver, world } = make({ fetch });
    expect((await driver.listMachines()).map((m) => m.name)).toEqual(['web']);
    expect(world.sleeps).toHaveLength(1);
    expect(world.sleeps[0]).toBeLessThan(10_000);
  });

  it("refuses a change beyond the project's limits as rejected, not as a credential problem", async () => {
    fake().failNext(1, 403, 'resource_limit_exceeded');
    const err = await make()
      .driver.createMachine({ name: 'app', region: 'fsn1', image: 'debian-12', size: 'cx22' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
  });

  it('gives up with ProviderThrottledError after maxAttempts, saying how often it tried', async () => {
    fake().failNext(Number.POSITIVE_INFINITY, 429, 'rate_limit_exceeded');
    const err = await make({ maxAttempts: 3 })
      .driver.listMachines()
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect(err.message).toContain('gave up after 3 attempts');
    expect(fake().requests).toHaveLength(3);
  });

  it("redacts the token from Hetzner's words", async () => {
    const fetch = answering(422, {
      error: { code: 'invalid_input', message: `bad token ${FAKE_TOKEN}`, details: {} },
    });
    const err = await make({ fetch })
      .driver.listMachines()
      .catch((e) => e);
    expect(err.message).toContain('bad token [redacted]');
    expect(err.message).not.toContain(FAKE_TOKEN);
  });

  it('refuses an answer that is not the documented shape, naming the field', async () => {
    const fetch = answering(200, {
      servers: [{ id: 'one', name: 'x' }],
      meta: { pagination: { page: 1, next_page: null } },
    });
    const err = await make({ fetch })
      .driver.listMachines()
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(/unexpected body at servers\.0\.id/);
  });

  it('talks to the endpoint override with /v1 appended and nothing else', async () => {
    const urls: string[] = [];
    const recording = (async (url: URL | string) => {
      urls.push(String(url));
      return new Response(
        JSON.stringify({ servers: [], meta: { pagination: { page: 1, next_page: null } } }),
        {
          status: 200,
        },
      );
    }) as typeof fetch;
    await make({ fetch: recording }).driver.listMachines();
    expect(urls).toEqual([`${fake().url}/v1/servers?per_page=50`]);
  });
});
