/** Networks and subnets through the API, on a simulated cloud: the real routes, services, sim and MongoDB. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('networks and subnets', () => {
  const t = useTestDatabase('networks');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let viewer: string;
  let cloudId: string;
  let networkId: string;

  const get = (path: string, token = owner) => api.request('GET', path, { token });
  const post = (path: string, body?: unknown, token = owner) =>
    api.request('POST', path, { token, ...(body ? { body } : {}) });
  const del = (path: string, token = owner) => api.request('DELETE', path, { token });
  const count = (name: string) => t.db.collection<AnyDoc>(name).countDocuments({});

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    viewer = (await post('/v1/tokens', { name: 'v', role: 'viewer' })).body.token;
    const res = await post('/v1/clouds', {
      provider: 'sim',
      name: 'lab',
      settings: { machines: 3, seed: 4, transitionMs: 0 },
    });
    cloudId = res.body.cloud.id;
    await jobs.drain();
  });

  it('creates a network and shows its range, audited', async () => {
    const res = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'main',
      cidr: '10.0.0.0/16',
      region: 'sim-east-1',
      tags: { env: 'prod' },
    });
    expect(res.status).toBe(201);
    networkId = res.body.id;
    expect(res.headers.location).toBe(`/v1/networks/${networkId}`);
    expect(res.body).toMatchObject({
      name: 'main',
      cidr: '10.0.0.0/16',
      range: { first: '10.0.0.0', last: '10.0.255.255', size: 65536 },
      externalId: expect.stringMatching(/^vpc-/),
      tags: { env: 'prod', Name: 'main' },
    });
    const audit = await get(`/v1/audit?action=network.create`);
    expect(audit.body.items[0]).toMatchObject({ result: 'success', resource: { id: cloudId } });
  });

  it.each([
    [{ name: 'big', cidr: '10.0.0.0/8', region: 'sim-east-1' }, 'cidr', /between \/16 and \/28/],
    [{ name: 'odd', cidr: '10.1.0.1/16', region: 'sim-east-1' }, 'cidr', /host bits are set/],
    [{ name: 'v6', cidr: '2001:db8::/32', region: 'sim-east-1' }, 'cidr', /IPv4/],
    [{ name: 'far', cidr: '10.2.0.0/16', region: 'mars-1' }, 'region', /one of the cloud's regions/],
    [{ name: 'bad;name', cidr: '10.3.0.0/16', region: 'sim-east-1' }, 'name', /letters, digits/],
  ])('answers 422 for %j and creates nothing', async (body, path, message) => {
    const before = await count('sim_net');
    const res = await post(`/v1/clouds/${cloudId}/networks`, body);
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(message) })]),
    );
    expect(await count('sim_net')).toBe(before);
  });

  it('answers 400 for a malformed body and 409 for a duplicate name', async () => {
    expect(
      (await post(`/v1/clouds/${cloudId}/networks`, { name: 'x', cidr: 10, region: 'sim-east-1' })).status,
    ).toBe(400);
    expect((await post(`/v1/clouds/${cloudId}/networks`, { name: 'x', cidr: '10.9.0.0/16' })).status).toBe(
      400,
    );
    const dup = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'main',
      cidr: '10.9.0.0/16',
      region: 'sim-east-1',
    });
    expect(dup.status).toBe(409);
  });

  it('creates subnets inside the network, refusing overlaps, outsiders and foreign zones with 422', async () => {
    const a = await post(`/v1/networks/${networkId}/subnets`, {
      name: 'a',
      cidr: '10.0.1.0/24',
      availabilityZone: 'sim-east-1a',
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ networkId, range: { size: 256 }, availableIps: 251 });
    const before = await count('sim_net');
    const bad = await post(`/v1/networks/${networkId}/subnets`, {
      name: 'b',
      cidr: '10.0.1.128/25',
      availabilityZone: 'sim-west-1a',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['availabilityZone', 'cidr']);
    expect(bad.body.detail).toMatch(/overlaps subnet "a" \(10\.0\.1\.0\/24\)/);
    const outside = await post(`/v1/networks/${networkId}/subnets`, {
      name: 'c',
      cidr: '10.1.0.0/24',
      availabilityZone: 'sim-east-1a',
    });
    expect(outside.body.detail).toMatch(/not inside the network's 10\.0\.0\.0\/16/);
    const zoneless = await post(`/v1/networks/${networkId}/subnets`, { name: 'd', cidr: '10.0.2.0/24' });
    expect(zoneless.status).toBe(422);
    expect(zoneless.body.errors).toEqual([
      expect.objectContaining({ path: 'availabilityZone', message: expect.stringContaining('sim-east-1a') }),
    ]);
    expect(await count('sim_net')).toBe(before);
  });

  it('shows a network with its subnets, and a machine with its network and subnet', async () => {
    const detail = await get(`/v1/networks/${networkId}`);
    expect(detail.body.subnets.map((s: { name: string }) => s.name)).toEqual(['a']);
    const subnet = detail.body.subnets[0];
    const created = await post(`/v1/clouds/${cloudId}/machines`, {
      name: 'in-a',
      region: 'sim-east-1',
      image: 'sim-debian-12',
      size: 'sim.nano',
      subnetId: subnet.externalId,
    });
    await jobs.drain();
    const machineId = (await get(`/v1/jobs/${created.body.job.id}`)).body.result.machineId;
    const machine = await get(`/v1/machines/${machineId}`);
    expect(machine.body.network).toEqual({
      id: networkId,
      externalId: detail.body.externalId,
      name: 'main',
      cidr: '10.0.0.0/16',
    });
    expect(machine.body.subnet).toMatchObject({ id: subnet.id, name: 'a', cidr: '10.0.1.0/24' });
    expect((await get(`/v1/networks/${networkId}`)).body.machines).toBe(1);
    const byNetwork = await post('/v1/conditions/preview', {
      conditions: { field: 'network', op: 'eq', value: detail.body.externalId },
    });
    expect(byNetwork.status).toBe(200);
    expect(JSON.stringify(byNetwork.body)).toContain(machineId);
  });

  it('refuses to delete a network or subnet that is in use (409), then deletes them once empty', async () => {
    const subnet = (await get(`/v1/networks/${networkId}`)).body.subnets[0];
    expect((await del(`/v1/networks/${networkId}`)).status).toBe(409);
    const busy = await del(`/v1/networks/${networkId}/subnets/${subnet.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.detail).toMatch(/1 machines/);
    const machine = (await get(`/v1/machines?q=in-a`)).body.items[0];
    await post(`/v1/machines/${machine.id}/actions/destroy`);
    await jobs.drain();
    await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
    expect((await del(`/v1/networks/${networkId}/subnets/${subnet.id}`)).status).toBe(204);
    expect((await del(`/v1/networks/${networkId}`)).status).toBe(204);
    expect((await get(`/v1/networks/${networkId}`)).status).toBe(404);
  });

  it('keeps networks in the inventory through polls, and marks one deleted elsewhere missing', async () => {
    const res = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'polled',
      cidr: '172.16.0.0/20',
      region: 'sim-west-1',
    });
    await t.db.collection<AnyDoc>('sim_net').deleteOne({ 'value.externalId': res.body.externalId });
    const poll = await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
    const job = await get(`/v1/jobs/${poll.body.job.id}`);
    expect(job.body.result.networks).toMatchObject({ networks: { disappeared: 1 } });
    expect((await get(`/v1/clouds/${cloudId}/networks`)).body.items).toEqual([]);
    const missing = await get(`/v1/clouds/${cloudId}/networks?missing=true`);
    expect(missing.body.items[0]).toMatchObject({ id: res.body.id, missingSince: expect.any(String) });
  });

  it("answers 404 for another org's networks and subnets, and 403 for a viewer's change", async () => {
    const other = await createTestOrg(t.db);
    const net = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'private',
      cidr: '10.7.0.0/16',
      region: 'sim-east-1',
    });
    expect((await get(`/v1/networks/${net.body.id}`, other.token)).status).toBe(404);
    expect((await get(`/v1/networks/${net.body.id}/subnets`, other.token)).status).toBe(404);
    expect((await get(`/v1/clouds/${cloudId}/networks`, other.token)).status).toBe(404);
    expect(
      (
        await post(
          `/v1/networks/${net.body.id}/subnets`,
          { name: 's', cidr: '10.7.1.0/24', availabilityZone: 'sim-east-1a' },
          other.token,
        )
      ).status,
    ).toBe(404);
    expect((await del(`/v1/networks/${net.body.id}`, other.token)).status).toBe(404);
    expect(
      (
        await post(
          `/v1/clouds/${cloudId}/networks`,
          { name: 'v', cidr: '10.8.0.0/16', region: 'sim-east-1' },
          viewer,
        )
      ).status,
    ).toBe(403);
    expect((await get(`/v1/networks/${net.body.id}`, viewer)).status).toBe(200);
  });

  it("keeps a deleted cloud's networks, marked missing", async () => {
    const cloud = await post('/v1/clouds', {
      provider: 'sim',
      name: 'short-lived',
      settings: { machines: 0 },
    });
    const id = cloud.body.cloud.id;
    // Its first poll must be over: one still in flight would find the network and clear missingSince again.
    const polled = () =>
      t.db.collection<AnyDoc>('jobs').countDocuments({ 'resource.id': id, status: 'succeeded' });
    for (let i = 0; i < 100 && (await polled()) === 0; i++) {
      await jobs.drain();
      await new Promise((r) => setTimeout(r, 20)); // the queue may be delivering it in the background
    }
    const net = await post(`/v1/clouds/${id}/networks`, {
      name: 'n',
      cidr: '10.5.0.0/16',
      region: 'sim-east-1',
    });
    expect((await del(`/v1/clouds/${id}`)).status).toBe(204);
    expect((await get(`/v1/networks/${net.body.id}`)).body.missingSince).toEqual(expect.any(String));
  });

  it('documents the network routes in the OpenAPI document', async () => {
    const doc = (await get('/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/clouds/{id}/networks',
        '/v1/networks/{id}',
        '/v1/networks/{id}/subnets',
        '/v1/networks/{id}/subnets/{subnetId}',
        '/v1/clouds/{id}/zones',
        '/v1/zones/{id}',
        '/v1/zones/{id}/records',
        '/v1/zones/{id}/records/{recordId}',
        '/v1/machines/{id}/dns',
      ]),
    );
    expect(doc.components.schemas.CreateRecordRequest.properties.type.enum).toEqual([
      'A',
      'AAAA',
      'CNAME',
      'MX',
      'TXT',
      'NS',
      'SRV',
      'CAA',
    ]);
    expect(doc.paths['/v1/networks/{id}'].get.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/NetworkDetail',
    );
  });
});
