/** DNS zones and records through the API, on a simulated cloud: the real routes, services, sim and MongoDB. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('DNS zones and records', () => {
  const t = useTestDatabase('dns');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let cloudId: string;
  let zoneId: string;

  const get = (path: string, token = owner) => api.request('GET', path, { token });
  const post = (path: string, body?: unknown, token = owner) =>
    api.request('POST', path, { token, ...(body ? { body } : {}) });
  const patch = (path: string, body: unknown, token = owner) => api.request('PATCH', path, { token, body });
  const del = (path: string, token = owner) => api.request('DELETE', path, { token });
  const simZone = async () =>
    (await t.db.collection<AnyDoc>('sim_net').findOne({ kind: 'zone', 'value.name': 'example.com.' }))?.value;
  const records = async () => (await get(`/v1/zones/${zoneId}/records?limit=500`)).body.items;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    const res = await post('/v1/clouds', {
      provider: 'sim',
      name: 'dns-lab',
      settings: { machines: 4, seed: 2, transitionMs: 0 },
    });
    cloudId = res.body.cloud.id;
    await jobs.drain();
  });

  it('creates a public zone with its SOA and NS, and lists it', async () => {
    const res = await post(`/v1/clouds/${cloudId}/zones`, { name: 'Example.com' });
    expect(res.status).toBe(201);
    zoneId = res.body.zone.id;
    expect(res.headers.location).toBe(`/v1/zones/${zoneId}`);
    expect(res.body).toMatchObject({
      zone: { name: 'example.com.', private: false, externalId: expect.stringMatching(/^Z/) },
      change: { id: expect.any(String), status: 'INSYNC' },
    });
    const own = (await records()).map((r: { type: string; managed: boolean }) => [r.type, r.managed]);
    expect(own.sort()).toEqual([
      ['NS', false],
      ['SOA', false],
    ]);
    const list = await get(`/v1/clouds/${cloudId}/zones`);
    expect(list.body.items.map((z: { id: string }) => z.id)).toEqual([zoneId]);
    expect((await post(`/v1/clouds/${cloudId}/zones`, { name: 'example.com.' })).status).toBe(409);
  });

  it('creates records of every type, normalized, at the provider and in the inventory', async () => {
    const cases = [
      { name: 'www', type: 'A', values: ['192.0.2.10', '192.0.2.11'] },
      { name: 'www', type: 'AAAA', values: ['2001:DB8::10'] },
      { name: 'blog', type: 'CNAME', values: ['www.example.com'] },
      { name: '@', type: 'MX', values: ['10 mail.example.com', '20 backup.example.net'] },
      { name: '@', type: 'TXT', values: ['v=spf1 -all'] },
      { name: 'sub', type: 'NS', values: ['ns1.example.net'] },
      { name: '_sip._tcp', type: 'SRV', values: ['10 5 5060 sip.example.com'] },
      { name: '@', type: 'CAA', values: ['0 issue "ca.example.net"'] },
      { name: '*.apps', type: 'A', values: ['198.51.100.5'] },
    ];
    for (const c of cases) {
      const res = await post(`/v1/zones/${zoneId}/records`, { ...c, ttl: 120 });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const stored = await records();
    const byKey = Object.fromEntries(stored.map((r: AnyDoc) => [`${r.name} ${r.type}`, r.values]));
    expect(byKey).toMatchObject({
      'www.example.com. A': ['192.0.2.10', '192.0.2.11'],
      'www.example.com. AAAA': ['2001:db8::10'],
      'blog.example.com. CNAME': ['www.example.com.'],
      'example.com. MX': ['10 mail.example.com.', '20 backup.example.net.'],
      'example.com. TXT': ['"v=spf1 -all"'],
      '_sip._tcp.example.com. SRV': ['10 5 5060 sip.example.com.'],
      'example.com. CAA': ['0 issue "ca.example.net"'],
      '*.apps.example.com. A': ['198.51.100.5'],
    });
    const atProvider = (await simZone()).records.map((r: AnyDoc) => `${r.name} ${r.type}`);
    expect(atProvider).toContain('www.example.com. AAAA');
    expect(atProvider).toHaveLength(stored.length);
  });

  it.each([
    [{ name: 'bad', type: 'A', values: ['192.0.2.300'] }, 'values.0', /not an IPv4 address/],
    [{ name: 'bad', type: 'AAAA', values: ['192.0.2.1'] }, 'values.0', /not an IPv6 address/],
    [{ name: 'bad', type: 'MX', values: ['mail.example.com'] }, 'values.0', /"priority host"/],
    [{ name: 'bad', type: 'TXT', values: ['"open'] }, 'values.0', /not closed/],
    [
      { name: 'bad', type: 'CNAME', values: ['a.example.com', 'b.example.com'] },
      'values',
      /exactly one value/,
    ],
    [
      { name: 'www', type: 'CNAME', values: ['x.example.com'] },
      'type',
      /cannot share its name .* (A|AAAA) record/,
    ],
    [{ name: 'blog', type: 'TXT', values: ['hello'] }, 'type', /where a CNAME record exists/],
    [{ name: '@', type: 'CNAME', values: ['x.example.com'] }, 'type', /zone apex/],
    [{ name: 'www.other.org.', type: 'A', values: ['192.0.2.1'] }, 'name', /not in zone example\.com\./],
    [{ name: 'a..b', type: 'A', values: ['192.0.2.1'] }, 'name', /empty label/],
  ])('answers 422 for %j, naming %s, and changes nothing', async (body, path, message) => {
    const before = JSON.stringify(await simZone());
    const count = await t.db.collection<AnyDoc>('records').countDocuments({});
    const res = await post(`/v1/zones/${zoneId}/records`, body);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(message) })]),
    );
    expect(JSON.stringify(await simZone())).toBe(before);
    expect(await t.db.collection<AnyDoc>('records').countDocuments({})).toBe(count);
  });

  it('answers 409 for a record set that exists, and 400 for an unknown type', async () => {
    expect(
      (await post(`/v1/zones/${zoneId}/records`, { name: 'www', type: 'A', values: ['192.0.2.1'] })).status,
    ).toBe(409);
    expect(
      (await post(`/v1/zones/${zoneId}/records`, { name: 'x', type: 'PTR', values: ['a.example.'] })).status,
    ).toBe(400);
    // An empty name is not the apex by accident: the apex is "@".
    const empty = await post(`/v1/zones/${zoneId}/records`, { name: '', type: 'A', values: ['192.0.2.1'] });
    expect(empty.status).toBe(400);
  });

  it('updates and deletes a record set; the zone own SOA/NS cannot be touched', async () => {
    const all = await records();
    const www = all.find((r: AnyDoc) => r.name === 'www.example.com.' && r.type === 'A');
    const upd = await patch(`/v1/zones/${zoneId}/records/${www.id}`, { ttl: 30, values: ['203.0.113.9'] });
    expect(upd.status).toBe(200);
    expect(upd.body.record).toMatchObject({ id: www.id, ttl: 30, values: ['203.0.113.9'] });
    expect((await patch(`/v1/zones/${zoneId}/records/${www.id}`, { values: ['nope'] })).status).toBe(422);
    const soa = all.find((r: AnyDoc) => r.type === 'SOA');
    expect((await del(`/v1/zones/${zoneId}/records/${soa.id}`)).status).toBe(422);
    const txt = all.find((r: AnyDoc) => r.type === 'TXT');
    const gone = await del(`/v1/zones/${zoneId}/records/${txt.id}`);
    expect(gone.status).toBe(200);
    expect(gone.body.record).toBeNull();
    expect((await simZone()).records.some((r: AnyDoc) => r.type === 'TXT')).toBe(false);
    const audit = await get(`/v1/audit?resourceId=${txt.id}&action=record.delete`);
    expect(audit.body.items[0]).toMatchObject({ result: 'success' });
  });

  it('waits for INSYNC in a job when asked', async () => {
    const res = await post(`/v1/zones/${zoneId}/records`, {
      name: 'later',
      type: 'TXT',
      values: ['sync me'],
      wait: true,
    });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/v1/jobs/${res.body.job.id}`);
    expect(res.body.record).toMatchObject({ name: 'later.example.com.' });
    await jobs.drain();
    const job = await get(`/v1/jobs/${res.body.job.id}`);
    expect(job.body).toMatchObject({ type: 'dns.sync', status: 'succeeded', result: { status: 'INSYNC' } });
  });

  it("points a record at a machine's public address", async () => {
    const machine = (await get(`/v1/machines?state=running&limit=1`)).body.items[0];
    const res = await post(`/v1/machines/${machine.id}/dns`, { zoneId, name: machine.name, ttl: 60 });
    expect(res.status).toBe(200);
    expect(res.body.record).toMatchObject({
      name: `${machine.name}.example.com.`,
      type: 'A',
      values: machine.publicIps,
    });
    const priv = await post(`/v1/machines/${machine.id}/dns`, {
      zoneId,
      name: `${machine.name}.int`,
      address: 'private',
    });
    expect(priv.body.record.values).toEqual(machine.privateIps);
    const v6 = await post(`/v1/machines/${machine.id}/dns`, { zoneId, name: 'v6', family: 'ipv6' });
    expect(v6.status).toBe(422);
    expect(v6.body.detail).toMatch(/has no public IPv6 address/);
  });

  it('refuses to delete a zone holding records (409) unless forced, then removes it and its records', async () => {
    const refused = await del(`/v1/zones/${zoneId}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/holds \d+ records other than SOA\/NS/);
    expect(await simZone()).toBeDefined();
    const forced = await del(`/v1/zones/${zoneId}?force=true`);
    expect(forced.status).toBe(200);
    expect(await simZone()).toBeUndefined();
    expect(await t.db.collection<AnyDoc>('records').countDocuments({ zoneId })).toBe(0);
    expect((await get(`/v1/zones/${zoneId}`)).status).toBe(404);
  });

  it('creates a private zone in one of the cloud networks, and refuses one without a VPC', async () => {
    const net = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'corp',
      cidr: '10.4.0.0/16',
      region: 'sim-eu-1',
    });
    const bare = await post(`/v1/clouds/${cloudId}/zones`, { name: 'corp.internal', private: true });
    expect(bare.status).toBe(422);
    const res = await post(`/v1/clouds/${cloudId}/zones`, {
      name: 'corp.internal',
      private: true,
      networkId: net.body.id,
    });
    expect(res.status).toBe(201);
    expect(res.body.zone).toMatchObject({
      private: true,
      vpcs: [{ region: 'sim-eu-1', vpcId: net.body.externalId }],
    });
  });

  it('polls zones and records with the cloud, marking what vanished missing', async () => {
    const zone = await post(`/v1/clouds/${cloudId}/zones`, { name: 'polled.example' });
    const record = await post(`/v1/zones/${zone.body.zone.id}/records`, {
      name: 'www',
      type: 'A',
      values: ['192.0.2.10'],
    });
    expect(record.status).toBe(201);
    await t.db
      .collection<AnyDoc>('sim_net')
      .deleteOne({ kind: 'zone', 'value.externalId': zone.body.zone.externalId });
    const poll = await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
    const job = await get(`/v1/jobs/${poll.body.job.id}`);
    expect(job.body.result.dns).toMatchObject({ zones: { disappeared: 1 } });
    const missing = await get(`/v1/clouds/${cloudId}/zones?missing=true`);
    expect(missing.body.items.map((z: { id: string }) => z.id)).toEqual([zone.body.zone.id]);
    // Its records went with it: none is left listed as live.
    const live = await t.db
      .collection<AnyDoc>('records')
      .countDocuments({ zoneId: zone.body.zone.id, missingSince: null });
    expect(live).toBe(0);
  });

  it("answers 404 for another org's zones, records and machines", async () => {
    const zone = await post(`/v1/clouds/${cloudId}/zones`, { name: 'mine.example' });
    const id = zone.body.zone.id;
    const other = await createTestOrg(t.db);
    expect((await get(`/v1/zones/${id}`, other.token)).status).toBe(404);
    expect((await get(`/v1/zones/${id}/records`, other.token)).status).toBe(404);
    expect((await get(`/v1/clouds/${cloudId}/zones`, other.token)).status).toBe(404);
    expect(
      (await post(`/v1/zones/${id}/records`, { name: 'x', type: 'A', values: ['192.0.2.1'] }, other.token))
        .status,
    ).toBe(404);
    expect((await del(`/v1/zones/${id}`, other.token)).status).toBe(404);
    const record = (await get(`/v1/zones/${id}/records`)).body.items[0];
    expect((await patch(`/v1/zones/${id}/records/${record.id}`, { ttl: 5 }, other.token)).status).toBe(404);
    const machine = (await get('/v1/machines?limit=1')).body.items[0];
    expect(
      (await post(`/v1/machines/${machine.id}/dns`, { zoneId: id, name: 'x' }, other.token)).status,
    ).toBe(404);
    // Their own machine cannot be pointed into our zone either.
    const theirCloud = await post(
      '/v1/clouds',
      { provider: 'sim', name: 'theirs', settings: { machines: 1 } },
      other.token,
    );
    await jobs.drain();
    const theirMachine = (await get(`/v1/machines?cloud=${theirCloud.body.cloud.id}`, other.token)).body
      .items[0];
    expect(
      (await post(`/v1/machines/${theirMachine.id}/dns`, { zoneId: id, name: 'x' }, other.token)).status,
    ).toBe(404);
  });
});
