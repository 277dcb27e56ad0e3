/**
 * Cloud DNS and VPC networks of a Google Cloud cloud through the API, against the fake Google host on
 * 127.0.0.1 (Compute Engine's network paths and Cloud DNS on one endpoint): the same routes and rules as for
 * AWS, with GCE's own shape (global networks without a range, regional subnets) checked before any call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { GcpComputeFake } from '../fakes/gcp/compute-fake.js';
import { GcpDnsFake } from '../fakes/gcp/dns-fake.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { useTestDatabase } from '../helpers/mongo.js';
import { credentials } from '../unit/gcp/fixtures.js';

describe('DNS and networks of a Google Cloud cloud', () => {
  const t = useTestDatabase('gcpnet');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  const fake = new GcpComputeFake('nimbo-test');
  const dns = new GcpDnsFake(fake);
  let owner: string;
  let cloudId: string;

  const post = (path: string, body: unknown) => api.request('POST', path, { token: owner, body });
  const get = (path: string) => api.request('GET', path, { token: owner });

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    const endpoint = await fake.start();
    fake.vpc.seedNetwork('default');
    fake.vpc.seedSubnetwork('europe-west1', 'default', 'default', '10.132.0.0/20');
    dns.seedZone('corp', 'corp.example.com.');
    const res = await post('/v1/clouds', {
      provider: 'gcp',
      name: 'gce',
      regions: ['europe-west1'],
      credentials,
      settings: { endpoint },
    });
    expect(res.status).toBe(201);
    cloudId = res.body.cloud.id;
    await jobs.drain();
  });
  afterAll(() => fake.stop());

  it('inventories the networks, subnetworks and managed zones at the poll', async () => {
    const networks = (await get(`/v1/clouds/${cloudId}/networks`)).body.items;
    expect(networks).toMatchObject([{ name: 'default', externalId: 'default', region: 'global', cidr: '' }]);
    const subnets = (await get(`/v1/networks/${networks[0].id}/subnets`)).body.items;
    expect(subnets).toMatchObject([
      {
        externalId: 'europe-west1/default',
        cidr: '10.132.0.0/20',
        region: 'europe-west1',
        availabilityZone: '',
      },
    ]);
    const zones = (await get(`/v1/clouds/${cloudId}/zones`)).body.items;
    expect(zones.map((z: { name: string }) => z.name)).toEqual(['corp.example.com.']);
  });

  it('refuses a range or a region for a global network, and a subnet without its region, before calling Google', async () => {
    const before = fake.requests.length;
    const ranged = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'prod',
      cidr: '10.0.0.0/16',
      region: 'global',
    });
    expect(ranged.status).toBe(422);
    expect(ranged.body.errors.map((e: { path: string }) => e.path)).toEqual(['cidr']);
    const regional = await post(`/v1/clouds/${cloudId}/networks`, { name: 'prod', region: 'europe-west1' });
    expect(regional.status).toBe(422);
    expect(regional.body.errors[0]).toMatchObject({
      path: 'region',
      message: expect.stringMatching(/global/),
    });

    const network = (await get(`/v1/clouds/${cloudId}/networks`)).body.items[0];
    const noRegion = await post(`/v1/networks/${network.id}/subnets`, { name: 'web', cidr: '10.1.0.0/24' });
    expect(noRegion.status).toBe(422);
    expect(noRegion.body.errors.map((e: { path: string }) => e.path)).toEqual(['region']);
    const zoned = await post(`/v1/networks/${network.id}/subnets`, {
      name: 'web',
      cidr: '10.1.0.0/24',
      region: 'europe-west1',
      availabilityZone: 'europe-west1-b',
    });
    expect(zoned.status).toBe(422);
    expect(zoned.body.errors.map((e: { path: string }) => e.path)).toEqual(['availabilityZone']);
    const elsewhere = await post(`/v1/networks/${network.id}/subnets`, {
      name: 'web',
      cidr: '10.1.0.0/24',
      region: 'us-central1',
    });
    expect(elsewhere.status).toBe(422);
    expect(fake.requests.length).toBe(before);
    expect(fake.vpc.networks.size).toBe(1);
  });

  it('creates a global network and a subnet in a region of the cloud, and refuses to delete the network while it has one', async () => {
    const made = await post(`/v1/clouds/${cloudId}/networks`, { name: 'prod', region: 'global' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'prod', region: 'global', cidr: '', range: null });
    expect(fake.vpc.network('prod')).toMatchObject({ autoCreateSubnetworks: false });

    const subnet = await post(`/v1/networks/${made.body.id}/subnets`, {
      name: 'web',
      cidr: '10.1.0.0/24',
      region: 'europe-west1',
    });
    expect(subnet.status).toBe(201);
    expect(subnet.body).toMatchObject({ region: 'europe-west1', availabilityZone: '', availableIps: 252 });
    expect(fake.vpc.subnetwork('europe-west1', 'web')).toMatchObject({ ipCidrRange: '10.1.0.0/24' });

    const overlap = await post(`/v1/networks/${made.body.id}/subnets`, {
      name: 'web-2',
      cidr: '10.1.0.128/25',
      region: 'europe-west1',
    });
    expect(overlap.status).toBe(422);

    const refused = await api.request('DELETE', `/v1/networks/${made.body.id}`, { token: owner });
    expect(refused.status).toBe(409);
    expect(fake.vpc.network('prod')).toBeDefined();
  });

  it('creates a private zone answering in one of the cloud networks, and a record in it', async () => {
    const network = (await get(`/v1/clouds/${cloudId}/networks?q=default`)).body.items[0];
    const zone = await post(`/v1/clouds/${cloudId}/zones`, {
      name: 'internal.example.com',
      private: true,
      networkId: network.id,
    });
    expect(zone.status).toBe(201);
    expect(zone.body.zone).toMatchObject({ private: true, vpcs: [{ region: 'global', vpcId: 'default' }] });
    const record = await post(`/v1/zones/${zone.body.zone.id}/records`, {
      name: 'db',
      type: 'A',
      ttl: 60,
      values: ['127.0.0.7'],
    });
    expect(record.status).toBe(201);
    const held = [...dns.zones.values()].find((z) => z.dnsName === 'internal.example.com.');
    expect(held?.visibility).toBe('private');
    expect(held?.rrsets.get('db.internal.example.com.|A')?.rrdatas).toEqual(['127.0.0.7']);
  });
});
