import { describe, expect, it } from 'vitest';
import { AzureNetworkDriver } from '../../../lib/providers/azure/network.js';
import {
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
} from '../../../lib/providers/errors.js';
import { type ArmFake, SECRET, SUBSCRIPTION } from '../../fakes/azure/arm-fake.js';
import { attachNic, seedSubnet, seedVnet, vnetId } from '../../fakes/azure/arm-network-routes.js';
import { useArmFake } from './fixtures.js';

let fake: ArmFake;
const makeNetworkDriver = useArmFake(AzureNetworkDriver, (started) => {
  fake = started;
});

const LIST = /^GET \/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks$/;

function seedNetworks() {
  const hub = seedVnet(fake, {
    resourceGroup: 'rg-net',
    name: 'hub',
    location: 'westeurope',
    addressPrefixes: ['10.0.0.0/16', '10.9.0.0/16'],
    tags: { env: 'prod' },
  });
  seedSubnet(hub, 'default', '10.0.0.0/24');
  seedSubnet(hub, 'app', '10.0.1.0/26');
  seedSubnet(hub, 'db', '10.0.2.0/28');
  seedVnet(fake, {
    resourceGroup: 'rg-net',
    name: 'spoke',
    location: 'NorthEurope',
    addressPrefixes: ['10.1.0.0/16'],
  });
  seedVnet(fake, {
    resourceGroup: 'rg-us',
    name: 'far',
    location: 'eastus',
    addressPrefixes: ['10.2.0.0/16'],
  });
  seedVnet(fake, {
    resourceGroup: 'rg-net',
    name: 'busy',
    location: 'westeurope',
    addressPrefixes: ['10.3.0.0/16'],
    provisioning: 'Updating',
  });
  return hub;
}

describe('listing networks and subnets', () => {
  it('lists the subscription across pages, in the configured locations only', async () => {
    seedNetworks();
    const { driver } = makeNetworkDriver();
    const networks = await driver.listNetworks();
    expect(networks.map((n) => n.name).sort()).toEqual(['busy', 'hub', 'spoke']);
    // 4 networks at 2 a page: the nextLink was followed once.
    expect(fake.count(LIST)).toBe(2);
  });

  it('maps a virtual network: ARM id (lowercased, as machines record it), first address prefix, location, state, tags', async () => {
    seedNetworks();
    const { driver } = makeNetworkDriver();
    const byName = new Map((await driver.listNetworks()).map((n) => [n.name, n]));
    expect(byName.get('hub')).toEqual({
      externalId: vnetId(fake, 'rg-net', 'hub').toLowerCase(),
      name: 'hub',
      cidr: '10.0.0.0/16',
      region: 'westeurope',
      state: 'available',
      isDefault: false,
      tags: { env: 'prod' },
    });
    expect(byName.get('spoke')!.region).toBe('northeurope');
    expect(byName.get('busy')!.state).toBe('updating');
  });

  it('lists each network’s subnets across pages, with Azure’s five reserved addresses taken off', async () => {
    seedNetworks();
    const { driver } = makeNetworkDriver({ regions: ['westeurope'] });
    const subnets = await driver.listSubnets();
    expect(subnets.map((s) => s.name).sort()).toEqual(['app', 'db', 'default']);
    const app = subnets.find((s) => s.name === 'app')!;
    expect(app).toEqual({
      externalId: `${vnetId(fake, 'rg-net', 'hub')}/subnets/app`.toLowerCase(),
      networkExternalId: vnetId(fake, 'rg-net', 'hub').toLowerCase(),
      name: 'app',
      cidr: '10.0.1.0/26',
      region: 'westeurope',
      availabilityZone: '',
      availableIps: 59,
      state: 'available',
      tags: {},
    });
    expect(subnets.find((s) => s.name === 'db')!.availableIps).toBe(11);
    expect(fake.count(/^GET .*\/virtualNetworks\/hub\/subnets$/)).toBe(2);
  });

  it('lists no subnets for a network deleted between the two listings, and the others’ all the same', async () => {
    seedNetworks();
    fake.inject(1, 404, 'ResourceNotFound', { match: /\/virtualNetworks\/busy\/subnets$/ });
    const { driver } = makeNetworkDriver({ regions: ['westeurope'] });
    expect((await driver.listSubnets()).map((s) => s.name).sort()).toEqual(['app', 'db', 'default']);
  });

  it('fails the whole listing when a subnet page fails, rather than answering part of it', async () => {
    seedNetworks();
    fake.inject(1, 403, 'AuthorizationFailed', { match: /\/subnets$/, skip: 1 });
    const { driver } = makeNetworkDriver({ regions: ['westeurope'] });
    await expect(driver.listSubnets()).rejects.toBeInstanceOf(ProviderAuthError);
  });
});

describe('creating and deleting networks', () => {
  it('creates a network in nimbo-<location> (made when missing) through the long-running operation', async () => {
    const { driver } = makeNetworkDriver();
    const made = await driver.createNetwork({
      name: 'lab',
      cidr: '10.20.0.0/16',
      region: 'westeurope',
      tags: { team: 'a' },
    });
    expect(made).toMatchObject({
      externalId: vnetId(fake, 'nimbo-westeurope', 'lab').toLowerCase(),
      name: 'lab',
      cidr: '10.20.0.0/16',
      region: 'westeurope',
      state: 'available',
      tags: { team: 'a' },
    });
    expect(fake.resourceGroups.get('nimbo-westeurope')).toBe('westeurope');
    expect(fake.count(/^GET .*\/Microsoft\.Network\/locations\/westeurope\/operations\//)).toBeGreaterThan(0);
    expect((await driver.listNetworks()).map((n) => n.name)).toEqual(['lab']);
  });

  it('refuses a name already taken in the group with a conflict, leaving the network as it was', async () => {
    const vnet = seedVnet(fake, {
      resourceGroup: 'nimbo-westeurope',
      name: 'lab',
      location: 'westeurope',
      addressPrefixes: ['10.20.0.0/16'],
    });
    seedSubnet(vnet, 'default', '10.20.0.0/24');
    const { driver } = makeNetworkDriver();
    await expect(
      driver.createNetwork({ name: 'lab', cidr: '10.30.0.0/16', region: 'westeurope' }),
    ).rejects.toBeInstanceOf(ProviderConflictError);
    expect(vnet.addressPrefixes).toEqual(['10.20.0.0/16']);
    expect(fake.count(/^PUT .*virtualNetworks/)).toBe(0);
  });

  it('refuses a name Azure does not take (a space) with a rejection', async () => {
    const { driver } = makeNetworkDriver();
    const err = await driver
      .createNetwork({ name: 'my lab', cidr: '10.20.0.0/16', region: 'westeurope' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toMatch(/InvalidResourceName/);
  });

  it('refuses a malformed range with a rejection', async () => {
    const { driver } = makeNetworkDriver();
    await expect(
      driver.createNetwork({ name: 'bad', cidr: '10.0.0.0/33', region: 'westeurope' }),
    ).rejects.toBeInstanceOf(ProviderRejectedError);
  });

  it('deletes a network together with its empty subnets', async () => {
    const hub = seedNetworks();
    const { driver } = makeNetworkDriver();
    await driver.deleteNetwork({ externalId: hub.id, region: 'westeurope' });
    expect(fake.vnets.has(hub.id.toLowerCase())).toBe(false);
    expect((await driver.listSubnets()).some((s) => s.networkExternalId === hub.id.toLowerCase())).toBe(
      false,
    );
  });

  it('refuses to delete a network whose subnet holds a NIC, with a conflict', async () => {
    const hub = seedNetworks();
    attachNic(fake, `${hub.id}/subnets/app`, 'vm-1-nic');
    const { driver } = makeNetworkDriver();
    const err = await driver.deleteNetwork({ externalId: hub.id, region: 'westeurope' }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toMatch(/InUseSubnetCannotBeDeleted/);
    expect(fake.vnets.has(hub.id.toLowerCase())).toBe(true);
  });

  it('answers an unknown network, an unknown group and a malformed id with not found', async () => {
    seedNetworks();
    const { driver } = makeNetworkDriver();
    const missing = [
      vnetId(fake, 'rg-net', 'nope'),
      vnetId(fake, 'rg-gone', 'hub'),
      'vnet-123',
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/x`,
    ];
    for (const externalId of missing) {
      await expect(driver.deleteNetwork({ externalId, region: 'westeurope' })).rejects.toBeInstanceOf(
        ProviderNotFoundError,
      );
    }
    expect(fake.count(/^DELETE /)).toBe(0);
  });
});

describe('creating and deleting subnets', () => {
  it('creates a subnet in a network, regional (no zone)', async () => {
    const hub = seedNetworks();
    const { driver } = makeNetworkDriver();
    const made = await driver.createSubnet({
      name: 'web',
      cidr: '10.0.8.0/24',
      region: 'westeurope',
      networkExternalId: hub.id,
    });
    expect(made).toMatchObject({
      externalId: `${hub.id}/subnets/web`.toLowerCase(),
      networkExternalId: hub.id.toLowerCase(),
      cidr: '10.0.8.0/24',
      region: 'westeurope',
      availabilityZone: '',
      availableIps: 251,
      state: 'available',
    });
    expect(hub.subnets.get('web')?.provisioning).toBe('Succeeded');
  });

  it('refuses a range overlapping a sibling with a conflict (NetcfgSubnetRangesOverlap)', async () => {
    const hub = seedNetworks();
    const { driver } = makeNetworkDriver();
    const err = await driver
      .createSubnet({ name: 'web', cidr: '10.0.1.32/27', region: 'westeurope', networkExternalId: hub.id })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toMatch(/NetcfgSubnetRangesOverlap.*app/);
  });

  it('refuses a range outside the network with a rejection, and a taken name with a conflict', async () => {
    const hub = seedNetworks();
    const { driver } = makeNetworkDriver();
    await expect(
      driver.createSubnet({
        name: 'out',
        cidr: '192.168.0.0/24',
        region: 'westeurope',
        networkExternalId: hub.id,
      }),
    ).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(
      driver.createSubnet({
        name: 'App',
        cidr: '10.0.9.0/24',
        region: 'westeurope',
        networkExternalId: hub.id,
      }),
    ).rejects.toBeInstanceOf(ProviderConflictError);
    expect(hub.subnets.get('app')?.addressPrefix).toBe('10.0.1.0/26');
  });

  it('maps an operation that ends Failed with InUseSubnetCannotBeDeleted to a conflict, the subnet kept', async () => {
    const hub = seedNetworks();
    fake.failNextOperation = { code: 'InUseSubnetCannotBeDeleted', message: 'Subnet app is in use.' };
    const { driver } = makeNetworkDriver();
    const err = await driver
      .deleteSubnet({ externalId: `${hub.id}/subnets/app`, region: 'westeurope' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toMatch(/InUseSubnetCannotBeDeleted/);
    expect(hub.subnets.get('app')?.provisioning).toBe('Succeeded');
  });

  it('answers a subnet in an unknown network with not found', async () => {
    const { driver } = makeNetworkDriver();
    await expect(
      driver.createSubnet({
        name: 'web',
        cidr: '10.0.8.0/24',
        region: 'westeurope',
        networkExternalId: vnetId(fake, 'rg-net', 'nope'),
      }),
    ).rejects.toBeInstanceOf(ProviderNotFoundError);
  });

  it('deletes an empty subnet; refuses one holding a NIC with a conflict; an unknown one is not found', async () => {
    const hub = seedNetworks();
    attachNic(fake, `${hub.id}/subnets/db`, 'db-1-nic');
    const { driver } = makeNetworkDriver();
    await driver.deleteSubnet({ externalId: `${hub.id}/subnets/app`, region: 'westeurope' });
    expect(hub.subnets.has('app')).toBe(false);
    await expect(
      driver.deleteSubnet({ externalId: `${hub.id}/subnets/db`, region: 'westeurope' }),
    ).rejects.toBeInstanceOf(ProviderConflictError);
    await expect(
      driver.deleteSubnet({ externalId: `${hub.id}/subnets/app`, region: 'westeurope' }),
    ).rejects.toBeInstanceOf(ProviderNotFoundError);
    await expect(driver.deleteSubnet({ externalId: hub.id, region: 'westeurope' })).rejects.toBeInstanceOf(
      ProviderNotFoundError,
    );
  });
});

describe('authentication and throttling', () => {
  it('maps a wrong client secret to ProviderAuthError without the secret in the message', async () => {
    seedNetworks();
    const wrong = 'wrong-secret-Xy9~value';
    const { driver } = makeNetworkDriver({ secret: wrong });
    const err = await driver.listNetworks().catch((e) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(SECRET);
  });

  it('maps a rejected token to ProviderAuthError', async () => {
    fake.inject(1, 401, 'InvalidAuthenticationToken');
    const { driver } = makeNetworkDriver();
    await expect(driver.listNetworks()).rejects.toBeInstanceOf(ProviderAuthError);
  });

  // Retry-After 0: the SDK's own single retry honours Retry-After with a real wait.
  it('retries throttling with the injected backoff sleep and succeeds', async () => {
    seedNetworks();
    fake.inject(3, 429, 'TooManyRequests', { retryAfter: '0', match: LIST });
    const { driver, sleeps } = makeNetworkDriver();
    expect((await driver.listNetworks()).length).toBe(3);
    expect(sleeps.length).toBeGreaterThanOrEqual(1);
    expect(fake.faults[0]!.remaining).toBe(0);
  });

  it('gives up with ProviderThrottledError when Azure keeps throttling', async () => {
    fake.inject(1000, 429, 'TooManyRequests', { retryAfter: '0' });
    const { driver, sleeps } = makeNetworkDriver();
    const err = await driver
      .createNetwork({ name: 'lab', cidr: '10.20.0.0/16', region: 'westeurope' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect(err.message).toMatch(/gave up after 3 attempts/);
    expect(sleeps).toHaveLength(2);
  });
});
