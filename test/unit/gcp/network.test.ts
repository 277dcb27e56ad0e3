/** The GCP network driver: VPC networks and subnetworks through the official client against the fake. */
import { describe, expect, it } from 'vitest';
import {
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
} from '../../../lib/providers/errors.js';
import { GcpNetworkDriver } from '../../../lib/providers/gcp/network.js';
import { credentials, keyLines, preloadGcpSdks, useFake } from './fixtures.js';

preloadGcpSdks();
const ctx = useFake();

function makeNetworkDriver(regions = ['europe-west1'], maxAttempts = 3) {
  const sleeps: number[] = [];
  const driver = new GcpNetworkDriver(
    { cloudId: 'cloud-gcp', regions, credentials, endpoint: ctx.endpoint },
    { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, maxAttempts },
  );
  return { driver, sleeps };
}

describe('networks', () => {
  it('creates a custom-mode global network, waiting on its operation, named by its name', async () => {
    const { driver } = makeNetworkDriver();
    const made = await driver.createNetwork({ name: 'net-a', region: 'global', tags: { env: 'x' } });
    const stored = ctx.fake.vpc.network('net-a')!;
    expect(stored.autoCreateSubnetworks).toBe(false);
    expect(made).toEqual({
      externalId: 'net-a',
      name: 'net-a',
      cidr: '',
      region: 'global',
      state: 'available',
      isDefault: false,
      tags: {},
    });
    expect(ctx.fake.requests.some((r) => /global\/operations\/operation-.*\/wait$/.test(r))).toBe(true);
  });

  it('lists every network across pages and flags the default one', async () => {
    const { fake } = ctx;
    for (const n of ['default', 'net-b', 'net-c', 'net-d', 'net-e']) fake.vpc.seedNetwork(n);
    const { driver } = makeNetworkDriver();
    const nets = await driver.listNetworks();
    expect(fake.requests.filter((r) => r.endsWith('/global/networks')).length).toBe(3);
    expect(nets.map((n) => n.name).sort()).toEqual(['default', 'net-b', 'net-c', 'net-d', 'net-e']);
    expect(nets.filter((n) => n.isDefault).map((n) => n.name)).toEqual(['default']);
  });

  it('refuses a network name GCE does not take, as rejected', async () => {
    const { driver } = makeNetworkDriver();
    await expect(driver.createNetwork({ name: 'Net A', region: 'global' })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
    await expect(driver.createNetwork({ name: 'net-a', region: 'europe-west1' })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
  });

  it('refuses a second network of the same name with a conflict', async () => {
    ctx.fake.vpc.seedNetwork('net-a');
    const { driver } = makeNetworkDriver();
    await expect(driver.createNetwork({ name: 'net-a', region: 'global' })).rejects.toBeInstanceOf(
      ProviderConflictError,
    );
  });

  it('refuses to delete a network that still has subnets, with a conflict, and deletes it once empty', async () => {
    ctx.fake.vpc.seedNetwork('net-a');
    ctx.fake.vpc.seedSubnetwork('europe-west1', 'sub-a', 'net-a', '10.0.0.0/24');
    const { driver } = makeNetworkDriver();
    const ref = { externalId: 'net-a', region: 'global' };
    await expect(driver.deleteNetwork(ref)).rejects.toThrow(ProviderConflictError);
    await expect(driver.deleteNetwork(ref)).rejects.toThrow(/already being used by .*subnetworks\/sub-a/);
    await driver.deleteSubnet({ externalId: 'europe-west1/sub-a', region: 'europe-west1' });
    await driver.deleteNetwork(ref);
    expect(ctx.fake.vpc.networks.size).toBe(0);
  });

  it('answers not found for an unknown network', async () => {
    const { driver } = makeNetworkDriver();
    await expect(driver.deleteNetwork({ externalId: 'nope', region: 'global' })).rejects.toBeInstanceOf(
      ProviderNotFoundError,
    );
  });
});

describe('subnets', () => {
  it('creates a subnet in a region of a network, with its range, region and usable addresses', async () => {
    ctx.fake.vpc.seedNetwork('net-a');
    const { driver } = makeNetworkDriver();
    const req = { name: 'sub-a', cidr: '10.1.0.0/24', region: 'europe-west1', networkExternalId: 'net-a' };
    const sub = await driver.createSubnet(req);
    expect(sub).toEqual({
      // As a machine in it records its subnet (mapping.ts subnetworkId).
      externalId: 'europe-west1/sub-a',
      networkExternalId: 'net-a',
      name: 'sub-a',
      cidr: '10.1.0.0/24',
      region: 'europe-west1',
      availabilityZone: '',
      availableIps: 252,
      state: 'available',
      tags: {},
    });
    expect(ctx.fake.requests.some((r) => /regions\/europe-west1\/operations\/.*\/wait$/.test(r))).toBe(true);
  });

  it('lists the subnets of the configured regions only, across pages, with their networks', async () => {
    const { vpc, requests } = ctx.fake;
    vpc.seedNetwork('net-a');
    vpc.seedNetwork('net-b');
    vpc.seedSubnetwork('europe-west1', 'eu-1', 'net-a', '10.0.0.0/24');
    vpc.seedSubnetwork('europe-west1', 'eu-2', 'net-b', '10.0.1.0/24');
    vpc.seedSubnetwork('us-central1', 'us-1', 'net-a', '10.0.2.0/24');
    vpc.seedSubnetwork('europe-west1', 'eu-3', 'net-a', '10.0.3.0/24');
    vpc.seedSubnetwork('us-central1', 'us-2', 'net-b', '10.0.4.0/24');
    const { driver } = makeNetworkDriver(['europe-west1']);
    const subs = await driver.listSubnets();
    expect(requests.filter((r) => r.endsWith('/aggregated/subnetworks')).length).toBe(3);
    expect(subs.map((s) => [s.externalId, s.networkExternalId]).sort()).toEqual([
      ['europe-west1/eu-1', 'net-a'],
      ['europe-west1/eu-2', 'net-b'],
      ['europe-west1/eu-3', 'net-a'],
    ]);
    const both = await makeNetworkDriver(['europe-west1', 'us-central1']).driver.listSubnets();
    expect(both).toHaveLength(5);
  });

  it('fails as a whole when a configured region is unreachable, not when another one is', async () => {
    ctx.fake.vpc.seedNetwork('net-a');
    ctx.fake.vpc.seedSubnetwork('europe-west1', 'eu-1', 'net-a', '10.0.0.0/24');
    const { driver } = makeNetworkDriver(['europe-west1']);
    ctx.fake.unreachable.add('us-central1');
    await expect(driver.listSubnets()).resolves.toHaveLength(1);
    ctx.fake.unreachable.add('europe-west1');
    await expect(driver.listSubnets()).rejects.toThrow(/region europe-west1 is unreachable/);
  });

  it('refuses an overlapping range with a conflict, in any region of the network', async () => {
    ctx.fake.vpc.seedNetwork('net-a');
    ctx.fake.vpc.seedSubnetwork('us-central1', 'us-1', 'net-a', '10.0.0.0/16');
    const { driver } = makeNetworkDriver();
    const req = { name: 'sub-b', cidr: '10.0.8.0/24', region: 'europe-west1', networkExternalId: 'net-a' };
    await expect(driver.createSubnet(req)).rejects.toThrow(ProviderConflictError);
    await expect(driver.createSubnet(req)).rejects.toThrow(/conflicts with existing subnetwork 'us-1'/);
  });

  it('refuses a range GCE does not take (/30), as rejected', async () => {
    ctx.fake.vpc.seedNetwork('net-a');
    const { driver } = makeNetworkDriver();
    const req = { name: 'sub-b', cidr: '10.0.0.0/30', region: 'europe-west1', networkExternalId: 'net-a' };
    await expect(driver.createSubnet(req)).rejects.toBeInstanceOf(ProviderRejectedError);
  });

  it('refuses to delete a subnet with a machine in it, with a conflict', async () => {
    ctx.fake.vpc.seedNetwork('net-a');
    ctx.fake.vpc.seedSubnetwork('europe-west1', 'sub-a', 'net-a', '10.0.0.0/24');
    ctx.fake.vpc.attachInstance('europe-west1', 'sub-a');
    const { driver } = makeNetworkDriver();
    const ref = { externalId: 'europe-west1/sub-a', region: 'europe-west1' };
    await expect(driver.deleteSubnet(ref)).rejects.toThrow(ProviderConflictError);
    expect(ctx.fake.vpc.subnetworks.size).toBe(1);
  });

  it('answers not found for an unknown subnet, or the subnet of an unknown network', async () => {
    const { driver } = makeNetworkDriver();
    await expect(
      driver.deleteSubnet({ externalId: 'europe-west1/nope', region: 'europe-west1' }),
    ).rejects.toBeInstanceOf(ProviderNotFoundError);
    const req = { name: 'sub-a', cidr: '10.0.0.0/24', region: 'europe-west1', networkExternalId: 'nope' };
    await expect(driver.createSubnet(req)).rejects.toBeInstanceOf(ProviderNotFoundError);
  });
});

describe('failures', () => {
  it('fails authentication as ProviderAuthError, without any secret in the message', async () => {
    ctx.fake.failNext(1, 401, { reason: 'authError', message: `bad key ${keyLines[1]}` });
    const { driver } = makeNetworkDriver();
    const err = await driver.listNetworks().catch((e: Error) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    for (const line of keyLines) expect((err as Error).message).not.toContain(line);
    expect((err as Error).message).toContain('[redacted]');
  });

  it('retries throttling with backoff sleeps and succeeds', async () => {
    ctx.fake.vpc.seedNetwork('net-a');
    ctx.fake.failNext(2, 429);
    const { driver, sleeps } = makeNetworkDriver();
    await expect(driver.listNetworks()).resolves.toHaveLength(1);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up on endless throttling with ProviderThrottledError, saying how often it tried', async () => {
    ctx.fake.failNext(1000, 429);
    const { driver, sleeps } = makeNetworkDriver();
    await expect(driver.listSubnets()).rejects.toThrow(ProviderThrottledError);
    await expect(driver.listSubnets()).rejects.toThrow(/gave up after 3 attempts/);
    expect(sleeps).toHaveLength(4);
  });
});
