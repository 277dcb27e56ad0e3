/**
 * Azure DNS and virtual networks of an Azure cloud through the API, against the fake Resource Manager on
 * 127.0.0.1 (HTTPS, its CA as settings.endpointCa): the same routes and rules as for AWS, with Azure's own
 * shape (regional subnets, a network deleted with its subnets, public zones only) checked before any call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { seedZone } from '../fakes/azure/arm-dns-routes.js';
import { ArmFake, CLIENT, SECRET, SUBSCRIPTION, TENANT } from '../fakes/azure/arm-fake.js';
import { attachNic, seedSubnet, seedVnet } from '../fakes/azure/arm-network-routes.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { useTestDatabase } from '../helpers/mongo.js';

describe('DNS and networks of an Azure cloud', () => {
  const t = useTestDatabase('aznet');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let fake: ArmFake;
  let owner: string;
  let cloudId: string;

  const post = (path: string, body: unknown) => api.request('POST', path, { token: owner, body });
  const get = (path: string) => api.request('GET', path, { token: owner });
  const del = (path: string) => api.request('DELETE', path, { token: owner });

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    fake = await ArmFake.start();
    fake.pollRetryAfter = '1';
    const vnet = seedVnet(fake, {
      resourceGroup: 'rg-net',
      name: 'Main',
      location: 'westeurope',
      addressPrefixes: ['10.10.0.0/16'],
    });
    const busy = seedSubnet(vnet, 'busy', '10.10.1.0/24');
    fake.seedVm({ resourceGroup: 'rg-app', name: 'app-1', location: 'westeurope', subnetId: busy.id });
    attachNic(fake, busy.id, 'app-1-nic');
    seedZone(fake, { resourceGroup: 'rg-dns', name: 'corp.example.com' });
    const res = await post('/v1/clouds', {
      provider: 'azure',
      name: 'az',
      regions: ['westeurope'],
      credentials: { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, subscriptionId: SUBSCRIPTION },
      settings: { endpoint: fake.url, endpointCa: fake.ca },
    });
    expect(res.status).toBe(201);
    cloudId = res.body.cloud.id;
    await jobs.drain();
  });
  afterAll(() => fake.close());

  it('inventories virtual networks, subnets and zones, and knows the machine inside a subnet', async () => {
    const [network] = (await get(`/v1/clouds/${cloudId}/networks`)).body.items;
    expect(network).toMatchObject({ name: 'Main', region: 'westeurope', cidr: '10.10.0.0/16' });
    const detail = await get(`/v1/networks/${network.id}`);
    expect(detail.body).toMatchObject({ machines: 1, subnets: [{ name: 'busy', availabilityZone: '' }] });
    const [machine] = (await get(`/v1/machines?cloud=${cloudId}`)).body.items;
    const shown = await get(`/v1/machines/${machine.id}`);
    expect(shown.body.network).toMatchObject({ id: network.id, name: 'Main' });
    expect(shown.body.subnet).toMatchObject({ name: 'busy', cidr: '10.10.1.0/24' });
    expect(
      (await get(`/v1/clouds/${cloudId}/zones`)).body.items.map((z: { name: string }) => z.name),
    ).toEqual(['corp.example.com.']);
  });

  it('refuses a zone for a subnet and a private zone, before calling Azure', async () => {
    const before = fake.seen.length;
    const [network] = (await get(`/v1/clouds/${cloudId}/networks`)).body.items;
    const zoned = await post(`/v1/networks/${network.id}/subnets`, {
      name: 'web',
      cidr: '10.10.2.0/24',
      availabilityZone: 'westeurope-1',
    });
    expect(zoned.status).toBe(422);
    expect(zoned.body.errors.map((e: { path: string }) => e.path)).toEqual(['availabilityZone']);
    const privateZone = await post(`/v1/clouds/${cloudId}/zones`, {
      name: 'internal.example.com',
      private: true,
      networkId: network.id,
    });
    expect(privateZone.status).toBe(422);
    expect(privateZone.body.errors[0]).toMatchObject({ path: 'private' });
    expect(fake.seen.length).toBe(before);
  });

  it('refuses to delete a subnet with a machine in it, with a 409', async () => {
    const [network] = (await get(`/v1/clouds/${cloudId}/networks`)).body.items;
    const [busy] = (await get(`/v1/networks/${network.id}/subnets`)).body.items;
    expect((await del(`/v1/networks/${network.id}/subnets/${busy.id}`)).status).toBe(409);
    expect((await del(`/v1/networks/${network.id}`)).status).toBe(409);
  });

  it('creates a virtual network and a subnet, then deletes the network together with its empty subnet', async () => {
    const made = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'lab',
      cidr: '10.20.0.0/16',
      region: 'westeurope',
      tags: { team: 'ops' },
    });
    expect(made.status).toBe(201);
    const subnet = await post(`/v1/networks/${made.body.id}/subnets`, { name: 'web', cidr: '10.20.1.0/24' });
    expect(subnet.status).toBe(201);
    expect(subnet.body).toMatchObject({ region: 'westeurope', availabilityZone: '', availableIps: 251 });
    const held = [...fake.vnets.values()].find((v) => v.name === 'lab');
    expect(held).toMatchObject({ resourceGroup: 'nimbo-westeurope', addressPrefixes: ['10.20.0.0/16'] });

    expect((await del(`/v1/networks/${made.body.id}`)).status).toBe(204);
    expect([...fake.vnets.values()].some((v) => v.name === 'lab')).toBe(false);
    expect((await get(`/v1/networks/${made.body.id}`)).status).toBe(404);
  });

  it('creates a public zone and a record in it', async () => {
    const zone = await post(`/v1/clouds/${cloudId}/zones`, { name: 'shop.example.com' });
    expect(zone.status).toBe(201);
    const record = await post(`/v1/zones/${zone.body.zone.id}/records`, {
      name: 'www',
      type: 'A',
      ttl: 60,
      values: ['127.0.0.8'],
    });
    expect(record.status).toBe(201);
    const held = [...fake.zones.values()].find((z) => z.name === 'shop.example.com');
    expect(held?.resourceGroup).toBe('nimbo-dns');
    expect(held?.recordSets.get('A|www')?.records).toEqual({ ARecords: [{ ipv4Address: '127.0.0.8' }] });
  });
});
