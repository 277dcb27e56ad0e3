/** The simulated dns and network drivers against the test database: Route 53's and EC2's rules, no AWS. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { MongoSimNetStore } from '../../lib/db/sim-net-store.js';
import { MongoSimStore } from '../../lib/db/sim-store.js';
import { addressInCidr, parseCidr4, parseIPv4 } from '../../lib/net/ipv4.js';
import { SimComputeDriver } from '../../lib/providers/sim/compute.js';
import { SimDnsDriver } from '../../lib/providers/sim/dns.js';
import { SimNetworkDriver } from '../../lib/providers/sim/network.js';
import { useTestDatabase } from '../helpers/mongo.js';

const settings = {
  machines: 0,
  seed: 1,
  transitionMs: 30_000,
  latencyMs: 0,
  faults: { auth: false, throttleRate: 0, timeoutRate: 0 },
};

describe('the simulated dns and network drivers', () => {
  const t = useTestDatabase('simnet');
  let clock = new Date('2026-11-25T10:00:00Z');
  const now = () => clock;
  const drivers = (cloudId = 'cld_simnet000000001') => {
    const store = new MongoSimNetStore(t.db, cloudId);
    const machines = new MongoSimStore(t.db, cloudId);
    return {
      dns: new SimDnsDriver(settings, { store, now }),
      net: new SimNetworkDriver(settings, { store, machines, now }),
      compute: new SimComputeDriver(settings, { store: machines, networks: store, now }),
    };
  };

  beforeAll(() => ensureIndexes(t.db));

  it('creates a zone with its SOA and NS, and a change that is INSYNC after the transition time', async () => {
    const { dns } = drivers();
    const { zone, change } = await dns.createZone({ name: 'Example.COM', private: false });
    expect(zone).toMatchObject({ name: 'example.com.', private: false, recordCount: 2 });
    expect((await dns.listRecords(zone.externalId)).map((r) => r.type)).toEqual(['SOA', 'NS']);
    expect(change.status).toBe('PENDING');
    expect((await dns.getChange(change.id)).status).toBe('PENDING');
    clock = new Date(clock.getTime() + 30_000);
    expect((await dns.getChange(change.id)).status).toBe('INSYNC');
  });

  it("applies Route 53's refusals to a change batch, all or nothing", async () => {
    const { dns } = drivers();
    const { zone } = await dns.createZone({ name: 'batch.example', private: false });
    const www = { name: 'www.batch.example.', type: 'A' as const, ttl: 60, values: ['192.0.2.1'] };
    await dns.changeRecords(zone.externalId, [{ action: 'CREATE', record: www }]);
    const refused = await dns
      .changeRecords(zone.externalId, [
        { action: 'CREATE', record: { ...www, name: 'api.batch.example.' } },
        { action: 'CREATE', record: www },
        {
          action: 'CREATE',
          record: { name: 'www.batch.example.', type: 'CNAME', ttl: 60, values: ['x.example.'] },
        },
        { action: 'DELETE', record: { ...www, values: ['192.0.2.99'] } },
        { action: 'UPSERT', record: { ...www, name: 'www.elsewhere.example.' } },
      ])
      .catch((e) => e);
    expect(refused.code).toBe('provider_rejected');
    expect(refused.message).toContain(
      "Tried to create resource record set [name='www.batch.example.', type='A'] but it already exists",
    );
    expect(refused.message).toContain('conflicts with other records with the same DNS name');
    expect(refused.message).toContain('the values provided do not match the current values');
    expect(refused.message).toContain('is not permitted in zone batch.example.');
    // Nothing of the batch was applied, not even its valid first change.
    expect((await dns.listRecords(zone.externalId)).map((r) => r.name)).not.toContain('api.batch.example.');
  });

  it('needs an existing VPC for a private zone', async () => {
    const { dns, net } = drivers();
    await expect(dns.createZone({ name: 'corp.example', private: true })).rejects.toMatchObject({
      code: 'provider_rejected',
    });
    await expect(
      dns.createZone({
        name: 'corp.example',
        private: true,
        vpc: { region: 'sim-east-1', vpcId: 'vpc-nope' },
      }),
    ).rejects.toThrow(/InvalidVPCId/);
    const vpc = await net.createNetwork({ name: 'corp', cidr: '10.20.0.0/16', region: 'sim-east-1' });
    const { zone } = await dns.createZone({
      name: 'corp.example',
      private: true,
      vpc: { region: 'sim-east-1', vpcId: vpc.externalId },
    });
    expect(zone.vpcs).toEqual([{ region: 'sim-east-1', vpcId: vpc.externalId }]);
  });

  it("creates networks and subnets with EC2's rules, and refuses deletes while something depends on them", async () => {
    const { net, compute } = drivers('cld_simnet000000002');
    await expect(
      net.createNetwork({ name: 'big', cidr: '10.0.0.0/8', region: 'sim-east-1' }),
    ).rejects.toThrow(/between \/16 and \/28/);
    await expect(net.createNetwork({ name: 'x', cidr: '10.0.0.0/16', region: 'mars-1' })).rejects.toThrow(
      /unknown region/,
    );
    const vpc = await net.createNetwork({ name: 'main', cidr: '10.0.0.0/16', region: 'sim-east-1' });
    const a = await net.createSubnet({
      name: 'a',
      cidr: '10.0.1.0/24',
      region: 'sim-east-1',
      networkExternalId: vpc.externalId,
      availabilityZone: 'sim-east-1a',
    });
    expect(a.availableIps).toBe(251);
    await expect(
      net.createSubnet({
        name: 'b',
        cidr: '10.0.1.128/25',
        region: 'sim-east-1',
        networkExternalId: vpc.externalId,
        availabilityZone: 'sim-east-1b',
      }),
    ).rejects.toMatchObject({ code: 'provider_conflict' });
    await expect(
      net.createSubnet({
        name: 'c',
        cidr: '10.0.2.0/24',
        region: 'sim-east-1',
        networkExternalId: vpc.externalId,
        availabilityZone: 'sim-west-1a',
      }),
    ).rejects.toThrow(/availabilityZone is invalid/);

    const m = await compute.createMachine({
      name: 'in-subnet',
      region: 'sim-east-1',
      image: 'sim-ubuntu-24.04',
      size: 'sim.small',
      subnetId: a.externalId,
    });
    expect(m.location).toBe('sim-east-1a');
    expect(m.extra).toMatchObject({ vpcId: vpc.externalId, subnetId: a.externalId });
    const block = parseCidr4(a.cidr);
    expect(block.ok && addressInCidr(parseIPv4(m.privateIps[0]!)!, block.cidr)).toBe(true);

    await expect(net.deleteSubnet({ externalId: a.externalId, region: 'sim-east-1' })).rejects.toThrow(
      /DependencyViolation.*1 machines/,
    );
    await expect(net.deleteNetwork({ externalId: vpc.externalId, region: 'sim-east-1' })).rejects.toThrow(
      /DependencyViolation.*1 subnets, 1 machines/,
    );
    await compute.destroyMachine({ externalId: m.externalId, region: 'sim-east-1' });
    // Shutting down, it still holds its interface in the subnet, as on EC2.
    await expect(net.deleteSubnet({ externalId: a.externalId, region: 'sim-east-1' })).rejects.toThrow(
      /DependencyViolation/,
    );
    clock = new Date(clock.getTime() + 30_000);
    await net.deleteSubnet({ externalId: a.externalId, region: 'sim-east-1' });
    await net.deleteNetwork({ externalId: vpc.externalId, region: 'sim-east-1' });
    expect(await net.listNetworks()).toEqual([]);
  });
});
