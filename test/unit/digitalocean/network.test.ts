/**
 * The DigitalOcean network driver against the v2 API's fake: VPCs of the cloud's regions, the body of a
 * new one, why a delete is refused (DigitalOcean's 403 for a default VPC or one with members), and
 * subnets refused without a call.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigitalOceanNetworkDriver } from '../../../lib/providers/digitalocean/network.js';
import {
  ProviderAuthError,
  ProviderConflictError,
  ProviderRejectedError,
} from '../../../lib/providers/errors.js';
import { seedDroplet } from '../../fakes/digitalocean/droplet-routes.js';
import { type DigitalOceanWorld, digitalOceanWorld } from '../../fakes/digitalocean/world.js';

let w: DigitalOceanWorld;
let driver: DigitalOceanNetworkDriver;

beforeEach(async () => {
  w = await digitalOceanWorld(['fra1']);
  driver = new DigitalOceanNetworkDriver(w.config, w.deps);
});
afterEach(() => w.close());

describe('VPCs', () => {
  it('lists the VPCs of the cloud regions, the default one flagged', async () => {
    w.fake.addVpc('elsewhere', 'nyc3', '10.50.0.0/16');
    const listed = await driver.listNetworks();
    expect(listed).toEqual([
      {
        externalId: w.fake.defaultVpc('fra1')!.id,
        name: 'default-fra1',
        cidr: w.fake.defaultVpc('fra1')!.ip_range,
        region: 'fra1',
        state: 'available',
        isDefault: true,
        tags: {},
      },
    ]);
  });

  it('creates a VPC with its name, region and range', async () => {
    const made = await driver.createNetwork({
      name: 'app',
      region: 'fra1',
      cidr: '10.20.0.0/16',
      tags: { a: 'b' },
    });
    expect(w.fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v2/vpcs',
      body: { name: 'app', region: 'fra1', ip_range: '10.20.0.0/16' },
    });
    expect(made).toMatchObject({ name: 'app', cidr: '10.20.0.0/16', region: 'fra1', isDefault: false });
  });

  it('passes DigitalOcean words on a range it refuses', async () => {
    const taken = w.fake.defaultVpc('fra1')!.ip_range.replace(/\/\d+$/, '/16');
    const err = await driver.createNetwork({ name: 'app', region: 'fra1', cidr: taken }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toContain('overlaps with VPC default-fra1');
  });

  it('refuses to delete the region default VPC with a conflict saying so', async () => {
    const vpc = w.fake.defaultVpc('fra1')!;
    const err = await driver.deleteNetwork({ externalId: vpc.id, region: 'fra1' }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toContain('default VPC of fra1');
  });

  it('refuses to delete a VPC with members with a conflict naming them', async () => {
    const vpc = w.fake.addVpc('app', 'fra1', '10.20.0.0/16');
    seedDroplet(w.fake, { name: 'web-1', region: 'fra1', vpc: vpc.id });
    const err = await driver.deleteNetwork({ externalId: vpc.id, region: 'fra1' }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toContain('1 member(s): web-1');
  });

  it('keeps a 403 that neither explains an authentication failure', async () => {
    const vpc = w.fake.addVpc('app', 'fra1', '10.20.0.0/16');
    w.fake.failNext(1, 403, 'forbidden', { match: /^DELETE / });
    await expect(driver.deleteNetwork({ externalId: vpc.id, region: 'fra1' })).rejects.toBeInstanceOf(
      ProviderAuthError,
    );
  });

  it('has no subnets: lists none and refuses one without calling DigitalOcean', async () => {
    expect(await driver.listSubnets()).toEqual([]);
    const err = await driver
      .createSubnet({ name: 's', cidr: '10.20.1.0/24', region: 'fra1', networkExternalId: 'x' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toContain("give the VPC's id as subnetId");
    await expect(driver.deleteSubnet({ externalId: 'x', region: 'fra1' })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
    expect(w.fake.requests).toEqual([]);
  });
});
