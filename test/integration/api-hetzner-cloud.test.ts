/**
 * A Hetzner Cloud cloud through the API, against the Cloud API fake on 127.0.0.1 (test/fakes/hetzner)
 * reached through settings.endpoint: routes, services, sealing, MongoDB, jobs and the driver are real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { seedServer } from '../fakes/hetzner/compute-routes.js';
import { FAKE_TOKEN, HetznerFake } from '../fakes/hetzner/fake.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('a Hetzner Cloud cloud', () => {
  const t = useTestDatabase('hetzner');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let fake: HetznerFake;
  let owner: string;
  let cloudId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    fake = await HetznerFake.start();
    // Actions are done at their first read, so no job waits on a poll interval.
    fake.state.actionReads = 0;
    seedServer(fake.state, 'web-1', 'fsn1', 'running').labels = { env: 'prod' };
    seedServer(fake.state, 'web-2', 'hel1', 'off');
    seedServer(fake.state, 'elsewhere', 'ash', 'running');
  });
  afterAll(() => fake.close());

  const body = (name: string, token = FAKE_TOKEN) => ({
    provider: 'hetzner',
    name,
    regions: ['fsn1', 'hel1'],
    credentials: { token },
    settings: { endpoint: fake.url },
  });
  const post = (path: string, b?: unknown) => api.request('POST', path, { token: owner, body: b });
  const get = (path: string) => api.request('GET', path, { token: owner });

  async function machines() {
    return (await get(`/v1/machines?cloud=${cloudId}&sort=name`)).body.items as Array<Record<string, any>>;
  }

  it('is added after a connection check, with a sealed token no reply shows, and inventories its locations with their prices', async () => {
    const res = await post('/v1/clouds', body('hz'));
    expect(res.status).toBe(201);
    cloudId = res.body.cloud.id;
    expect(res.body.cloud.credentials).toEqual({ type: 'apiToken' });
    const stored = await t.db.collection<AnyDoc>('clouds').findOne({ _id: cloudId });
    for (const text of [JSON.stringify(res.body), JSON.stringify(stored)])
      expect(text).not.toContain(FAKE_TOKEN);

    await jobs.drain();
    const listed = await machines();
    expect(listed.map((m) => m.name)).toEqual(['web-1', 'web-2']);
    expect(listed[0]).toMatchObject({
      provider: 'hetzner',
      state: 'running',
      region: 'fsn1',
      size: 'cx22',
      tags: { env: 'prod' },
      hourlyCost: 0.006,
      extra: { currency: 'EUR', priceMonthly: 0.006 * 672 },
      actions: { stop: true, resize: false, rename: true },
    });
  });

  it('lists sizes with hourly and monthly-capped prices per location, in EUR', async () => {
    const sizes = (await get(`/v1/clouds/${cloudId}/sizes`)).body.items;
    expect(sizes.find((s: { id: string }) => s.id === 'cx22')).toMatchObject({
      cpus: 2,
      memoryMiB: 4096,
      hourlyPrice: 0.006,
      monthlyPrice: 0.006 * 672,
      currency: 'EUR',
      regionPrices: { fsn1: { hourly: 0.006 }, hel1: { hourly: 0.006 } },
    });
  });

  it('forces a stop with a poweroff through a job, and the next poll sees the server off', async () => {
    const web1 = (await machines()).find((m) => m.name === 'web-1')!;
    const res = await post(`/v1/machines/${web1.id}/actions/stop`, { force: true });
    expect(res.status).toBe(202);
    await jobs.drain();
    expect((await get(`/v1/jobs/${res.body.job.id}`)).body.status).toBe('succeeded');
    expect(fake.sent('POST', `/servers/${web1.externalId}/actions/poweroff`)).toHaveLength(1);
    expect(fake.sent('POST', `/servers/${web1.externalId}/actions/shutdown`)).toHaveLength(0);
    await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
    expect((await machines()).find((m) => m.name === 'web-1')).toMatchObject({ state: 'stopped' });
  });

  it('refuses a token Hetzner rejects with 422, without the token in the reply, and saves nothing', async () => {
    const wrong = 'x'.repeat(64);
    fake.failNext(1, 401, 'unauthorized');
    const res = await post('/v1/clouds', body('wrong', wrong));
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).not.toContain(wrong);
    expect(await t.db.collection('clouds').countDocuments({ name: 'wrong' })).toBe(0);
  });

  it('answers 400 naming credentials.token for a malformed token, without calling Hetzner', async () => {
    const before = fake.requests.length;
    const res = await post('/v1/clouds', body('malformed', 'short'));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toContain('credentials.token');
    expect(fake.requests.length).toBe(before);
  });

  it("creates a global network and a subnet in its locations' network zone; another zone is a 422 before any call", async () => {
    const made = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'prod',
      cidr: '10.0.0.0/16',
      region: 'global',
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'prod', region: 'global', cidr: '10.0.0.0/16' });
    const before = fake.requests.length;
    const wrongZone = await post(`/v1/networks/${made.body.id}/subnets`, {
      name: 'web',
      cidr: '10.0.1.0/24',
      region: 'fsn1',
    });
    expect(wrongZone.status).toBe(422);
    expect(wrongZone.body.errors[0]).toMatchObject({
      path: 'region',
      message: expect.stringContaining('eu-central'),
    });
    expect(fake.requests.length).toBe(before);
    const subnet = await post(`/v1/networks/${made.body.id}/subnets`, {
      name: 'web',
      cidr: '10.0.1.0/24',
      region: 'eu-central',
    });
    expect(subnet.status).toBe(201);
    expect(subnet.body).toMatchObject({ name: 'web', region: 'eu-central', availabilityZone: '' });
    const network = fake.state.networks.get(Number(made.body.externalId));
    expect(network?.subnets.map((s) => s.ip_range)).toEqual(['10.0.1.0/24']);
  });

  it('keeps a DNS zone and its records through the same token', async () => {
    const zone = await post(`/v1/clouds/${cloudId}/zones`, { name: 'example.com' });
    expect(zone.status).toBe(201);
    const record = await post(`/v1/zones/${zone.body.zone.id}/records`, {
      name: 'www',
      type: 'A',
      ttl: 300,
      values: ['127.0.0.8'],
    });
    expect(record.status).toBe(201);
    const held = [...fake.state.zones.values()].find((z) => z.name === 'example.com');
    expect(held?.rrsets.get('www/A')?.records).toEqual([{ value: '127.0.0.8' }]);
  });
});
