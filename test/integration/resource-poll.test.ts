/** The inventory pattern for zones, records, networks and subnets: sightings, changes, missing, returned. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc } from '../../lib/db/documents.js';
import { pollNetworks } from '../../lib/inventory/networks.js';
import type { ProviderNetwork, ProviderSubnet } from '../../lib/providers/network.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const cloud = { _id: 'cld_respoll0000001', orgId: 'org_respoll0000001', provider: 'aws' } as CloudDoc;
const actor = { type: 'system' as const, orgId: cloud.orgId, name: 'poller' };

const vpc = (id: string, over: Partial<ProviderNetwork> = {}): ProviderNetwork => ({
  externalId: id,
  name: id,
  cidr: '10.0.0.0/16',
  region: 'eu-west-1',
  state: 'available',
  isDefault: false,
  tags: {},
  ...over,
});
const subnet = (id: string, vpcId: string): ProviderSubnet => ({
  externalId: id,
  networkExternalId: vpcId,
  name: id,
  cidr: '10.0.1.0/24',
  region: 'eu-west-1',
  availabilityZone: 'eu-west-1a',
  availableIps: 251,
  state: 'available',
  tags: {},
});

describe('polling networks into the inventory', () => {
  const t = useTestDatabase('respoll');
  let clock = new Date('2026-11-25T10:00:00Z');
  const deps = () => ({ db: t.db, now: () => clock });
  const later = () => {
    clock = new Date(clock.getTime() + 60_000);
    return clock;
  };
  let listing: { networks: ProviderNetwork[]; subnets: ProviderSubnet[] } = { networks: [], subnets: [] };
  const driver = {
    listNetworks: async () => listing.networks,
    listSubnets: async () => listing.subnets,
  } as never;
  const network = (ext: string) => t.db.collection<AnyDoc>('networks').findOne({ externalId: ext });
  const poll = () => pollNetworks(deps(), cloud, driver, actor);

  beforeAll(() => ensureIndexes(t.db));

  it('inserts new networks and subnets with their first sighting, linking subnets to our network ids', async () => {
    listing = { networks: [vpc('vpc-1'), vpc('vpc-2')], subnets: [subnet('subnet-1', 'vpc-1')] };
    const result = await poll();
    expect(result.networks).toEqual({ listed: 2, appeared: 2, disappeared: 0, returned: 0, changed: 0 });
    const n1 = await network('vpc-1');
    expect(n1).toMatchObject({
      orgId: cloud.orgId,
      firstSeenAt: clock,
      lastSeenAt: clock,
      missingSince: null,
    });
    const s1 = await t.db.collection<AnyDoc>('subnets').findOne({ externalId: 'subnet-1' });
    expect(s1).toMatchObject({ networkId: n1?._id, cidr: '10.0.1.0/24' });
    const events = await t.db.collection<AnyDoc>('audit').countDocuments({ action: 'network.appeared' });
    expect(events).toBe(2);
  });

  it('refreshes only the last sighting of unchanged ones, and writes what changed', async () => {
    const before = await network('vpc-2');
    const at = later();
    listing = {
      ...listing,
      networks: [vpc('vpc-1', { tags: { Name: 'main' }, name: 'main' }), vpc('vpc-2')],
    };
    const result = await poll();
    expect(result.networks.changed).toBe(1);
    expect(await network('vpc-2')).toEqual({ ...before, lastSeenAt: at });
    expect(await network('vpc-1')).toMatchObject({
      name: 'main',
      tags: [{ k: 'Name', v: 'main' }],
      updatedAt: at,
    });
  });

  it('marks what is no longer listed missing, and clears it when it is back', async () => {
    const gone = later();
    listing = { networks: [vpc('vpc-1')], subnets: [] };
    const result = await poll();
    expect(result).toMatchObject({ networks: { disappeared: 1 }, subnets: { disappeared: 1 } });
    expect(await network('vpc-2')).toMatchObject({ missingSince: gone });
    later();
    listing = { networks: [vpc('vpc-1'), vpc('vpc-2')], subnets: [] };
    expect((await poll()).networks.returned).toBe(1);
    expect(await network('vpc-2')).toMatchObject({ missingSince: null });
  });

  it('writes nothing when a listing fails', async () => {
    const before = await t.db.collection<AnyDoc>('networks').find({}).toArray();
    const failing = {
      listNetworks: async () => [vpc('vpc-3')],
      listSubnets: async () => {
        throw new Error('DescribeSubnets failed');
      },
    } as never;
    later();
    await expect(pollNetworks(deps(), cloud, failing, actor)).rejects.toThrow('DescribeSubnets failed');
    expect(await t.db.collection<AnyDoc>('networks').find({}).toArray()).toEqual(before);
  });
});
