/**
 * A DigitalOcean cloud through the API, against the v2 API fake on 127.0.0.1 (test/fakes/digitalocean)
 * reached through settings.endpoint: routes, services, sealing, MongoDB, jobs and the driver are real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { seedDroplet } from '../fakes/digitalocean/droplet-routes.js';
import { DigitalOceanFake, TOKEN } from '../fakes/digitalocean/fake.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('a DigitalOcean cloud', () => {
  const t = useTestDatabase('digitalocean');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let fake: DigitalOceanFake;
  let owner: string;
  let cloudId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    fake = await DigitalOceanFake.start();
    // Actions are done at their first read, so no job waits on a poll interval.
    fake.actionPolls = 0;
    seedDroplet(fake, { name: 'web-1', region: 'fra1', tags: ['env:prod', 'frontend'] });
    seedDroplet(fake, { name: 'web-2', region: 'ams3', status: 'off' });
    seedDroplet(fake, { name: 'elsewhere', region: 'nyc3' });
  });
  afterAll(() => fake.close());

  const body = (name: string, token = TOKEN) => ({
    provider: 'digitalocean',
    name,
    regions: ['fra1', 'ams3'],
    credentials: { token },
    settings: { endpoint: fake.url },
  });
  const post = (path: string, b?: unknown) => api.request('POST', path, { token: owner, body: b });
  const get = (path: string) => api.request('GET', path, { token: owner });
  async function machines() {
    return (await get(`/v1/machines?cloud=${cloudId}&sort=name`)).body.items as Array<Record<string, any>>;
  }

  it('is added after a connection check, with a sealed token no reply shows, and inventories its regions with their prices', async () => {
    const res = await post('/v1/clouds', body('do'));
    expect(res.status).toBe(201);
    cloudId = res.body.cloud.id;
    expect(res.body.cloud.credentials).toEqual({ type: 'apiToken' });
    const stored = await t.db.collection<AnyDoc>('clouds').findOne({ _id: cloudId });
    for (const text of [JSON.stringify(res.body), JSON.stringify(stored)]) expect(text).not.toContain(TOKEN);
    await jobs.drain();
    const listed = await machines();
    expect(listed.map((m) => m.name)).toEqual(['web-1', 'web-2']);
    expect(listed[0]).toMatchObject({
      provider: 'digitalocean',
      state: 'running',
      region: 'fra1',
      size: 's-1vcpu-1gb',
      tags: { env: 'prod', frontend: '' },
      hourlyCost: 0.00893,
      extra: { currency: 'USD', priceMonthly: 6, vpcId: fake.defaultVpc('fra1')!.id },
      actions: { stop: true, resize: false, rename: true },
    });
    expect(listed[1]).toMatchObject({ state: 'stopped', actions: { start: true, resize: true } });
  });

  it('lists sizes with their hourly price and the monthly cap, in USD', async () => {
    const sizes = (await get(`/v1/clouds/${cloudId}/sizes`)).body.items;
    expect(sizes.find((s: { id: string }) => s.id === 's-1vcpu-1gb')).toMatchObject({
      cpus: 1,
      memoryMiB: 1024,
      hourlyPrice: 0.00893,
      monthlyPrice: 6,
      currency: 'USD',
    });
  });

  it('power-cycles a droplet for a forced reboot, through a job', async () => {
    const web1 = (await machines()).find((m) => m.name === 'web-1')!;
    const res = await post(`/v1/machines/${web1.id}/actions/reboot`, { force: true });
    expect(res.status).toBe(202);
    await jobs.drain();
    expect((await get(`/v1/jobs/${res.body.job.id}`)).body.status).toBe('succeeded');
    const sent = fake.requests.filter(
      (r) => r.method === 'POST' && r.path === `/v2/droplets/${web1.externalId}/actions`,
    );
    expect(sent.map((r) => (r.body as { type: string }).type)).toEqual(['power_cycle']);
  });

  it('refuses a token DigitalOcean rejects with 422 and saves nothing; a malformed one is a 400 without a call', async () => {
    const wrong = `dop_v1_${'f'.repeat(64)}`;
    fake.failNext(1, 401);
    const res = await post('/v1/clouds', body('wrong', wrong));
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).not.toContain(wrong);
    expect(await t.db.collection('clouds').countDocuments({ name: 'wrong' })).toBe(0);
    const before = fake.requests.length;
    const bad = await post('/v1/clouds', body('malformed', 'not-a-token'));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain('credentials.token');
    expect(fake.requests.length).toBe(before);
  });

  it('keeps VPCs as networks without subnets: a subnet is a 422, a VPC with droplets a 409, before any call', async () => {
    const made = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'prod',
      cidr: '10.20.0.0/20',
      region: 'fra1',
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'prod', region: 'fra1', cidr: '10.20.0.0/20' });
    const before = fake.requests.length;
    const subnet = await post(`/v1/networks/${made.body.id}/subnets`, { name: 'web', cidr: '10.20.1.0/24' });
    expect(subnet.status).toBe(422);
    expect(subnet.body.errors[0].message).toMatch(/no subnets/);
    await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
    const defaults = (await get(`/v1/clouds/${cloudId}/networks?region=fra1`)).body.items.find(
      (n: { isDefault: boolean }) => n.isDefault,
    );
    const busy = await api.request('DELETE', `/v1/networks/${defaults.id}`, { token: owner });
    expect(busy.status).toBe(409);
    expect(fake.requests.filter((r) => r.method === 'DELETE').length).toBe(0);
    expect(fake.requests.length).toBeGreaterThan(before);
    const gone = await api.request('DELETE', `/v1/networks/${made.body.id}`, { token: owner });
    expect(gone.status).toBe(204);
    expect(fake.vpcs.has(made.body.externalId)).toBe(false);
  });

  it('keeps a domain and its records as a DNS zone', async () => {
    const zone = await post(`/v1/clouds/${cloudId}/zones`, { name: 'example.com' });
    expect(zone.status).toBe(201);
    const record = await post(`/v1/zones/${zone.body.zone.id}/records`, {
      name: 'www',
      type: 'A',
      ttl: 300,
      values: ['127.0.0.9'],
    });
    expect(record.status).toBe(201);
    const held = fake.domains.get('example.com');
    expect(held?.records.filter((r) => r.type === 'A').map((r) => [r.name, r.data])).toEqual([
      ['www', '127.0.0.9'],
    ]);
  });
});
