/** Hetzner networks and subnets: what is sent, and subnet names kept in labels on their network. */
import { describe, expect, it } from 'vitest';
import {
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
} from '../../../lib/providers/errors.js';
import { HetznerNetworkDriver } from '../../../lib/providers/hetzner/network.js';
import { seedServer } from '../../fakes/hetzner/compute-routes.js';
import { useHetznerFake } from './fixtures.js';

const { fake, make } = useHetznerFake(HetznerNetworkDriver);

describe('hetzner networks', () => {
  it('creates a network with its range and labels, reported global and available', async () => {
    const net = await make().driver.createNetwork({
      name: 'prod',
      cidr: '10.0.0.0/16',
      region: 'global',
      tags: { team: 'ops' },
    });
    expect(fake().sent('POST', '/networks')[0]?.body).toEqual({
      name: 'prod',
      ip_range: '10.0.0.0/16',
      labels: { team: 'ops' },
    });
    expect(net).toMatchObject({
      name: 'prod',
      cidr: '10.0.0.0/16',
      region: 'global',
      state: 'available',
      isDefault: false,
      tags: { team: 'ops' },
    });
  });

  it("adds a subnet in a network zone and keeps its name in a label on its network, not among the network's tags", async () => {
    const { driver } = make();
    const net = await driver.createNetwork({
      name: 'prod',
      cidr: '10.0.0.0/16',
      region: 'global',
      tags: { team: 'ops' },
    });
    const sub = await driver.createSubnet({
      name: 'web',
      cidr: '10.0.1.0/24',
      region: 'eu-central',
      networkExternalId: net.externalId,
    });
    expect(fake().sent('POST', `/networks/${net.externalId}/actions/add_subnet`)[0]?.body).toEqual({
      type: 'cloud',
      ip_range: '10.0.1.0/24',
      network_zone: 'eu-central',
    });
    expect(fake().state.networks.get(Number(net.externalId))?.labels).toEqual({
      team: 'ops',
      'subnet.nimbo.dev/10.0.1.0-24': 'web',
    });
    expect(sub).toEqual({
      externalId: `${net.externalId}/10.0.1.0/24`,
      networkExternalId: net.externalId,
      name: 'web',
      cidr: '10.0.1.0/24',
      region: 'eu-central',
      availabilityZone: '',
      availableIps: null,
      state: 'available',
      tags: {},
    });
    expect((await driver.listNetworks())[0]?.tags).toEqual({ team: 'ops' });
  });

  it('takes a location for its network zone', async () => {
    const { driver } = make();
    const net = await driver.createNetwork({ name: 'prod', cidr: '10.0.0.0/16', region: 'global' });
    const sub = await driver.createSubnet({
      name: 'us',
      cidr: '10.0.5.0/24',
      region: 'ash',
      networkExternalId: net.externalId,
    });
    expect(sub.region).toBe('us-east');
  });

  it('names a subnet made outside Nimbo by its range', async () => {
    const id = fake().state.nextId();
    fake().state.networks.set(id, {
      id,
      name: 'old',
      created: '',
      ipRange: '10.9.0.0/16',
      subnets: [{ type: 'cloud', ip_range: '10.9.3.0/24', network_zone: 'us-east', gateway: '10.9.0.1' }],
      labels: {},
    });
    expect((await make().driver.listSubnets()).map((s) => [s.name, s.region])).toEqual([
      ['10.9.3.0/24', 'us-east'],
    ]);
  });

  it("refuses an overlapping subnet with Hetzner's words and labels nothing", async () => {
    const { driver } = make();
    const net = await driver.createNetwork({ name: 'prod', cidr: '10.0.0.0/16', region: 'global' });
    await driver.createSubnet({
      name: 'a',
      cidr: '10.0.1.0/24',
      region: 'eu-central',
      networkExternalId: net.externalId,
    });
    const err = await driver
      .createSubnet({
        name: 'b',
        cidr: '10.0.1.0/25',
        region: 'eu-central',
        networkExternalId: net.externalId,
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toContain('overlaps with subnet 10.0.1.0/24');
    expect(Object.keys(fake().state.networks.get(Number(net.externalId))!.labels)).toEqual([
      'subnet.nimbo.dev/10.0.1.0-24',
    ]);
  });

  it('refuses to delete a subnet with a server in it before asking Hetzner, and deletes an empty one with its label', async () => {
    const { driver } = make();
    const net = await driver.createNetwork({ name: 'prod', cidr: '10.0.0.0/16', region: 'global' });
    const busy = await driver.createSubnet({
      name: 'busy',
      cidr: '10.0.1.0/24',
      region: 'eu-central',
      networkExternalId: net.externalId,
    });
    const idle = await driver.createSubnet({
      name: 'idle',
      cidr: '10.0.2.0/24',
      region: 'eu-central',
      networkExternalId: net.externalId,
    });
    seedServer(fake().state, 'vm', 'fsn1', 'running').privateNet.push({
      network: Number(net.externalId),
      ip: '10.0.1.5',
    });
    const err = await driver
      .deleteSubnet({ externalId: busy.externalId, region: 'eu-central' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(fake().sent('POST', /delete_subnet$/)).toEqual([]);
    await driver.deleteSubnet({ externalId: idle.externalId, region: 'eu-central' });
    expect(fake().sent('POST', /delete_subnet$/)[0]?.body).toEqual({ ip_range: '10.0.2.0/24' });
    expect(fake().state.networks.get(Number(net.externalId))?.labels).toEqual({
      'subnet.nimbo.dev/10.0.1.0-24': 'busy',
    });
  });

  it('answers ProviderNotFoundError for a subnet id not in its shape', async () => {
    await expect(
      make().driver.deleteSubnet({ externalId: 'subnet-1', region: 'eu-central' }),
    ).rejects.toBeInstanceOf(ProviderNotFoundError);
  });
});
