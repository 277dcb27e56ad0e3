import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../lib/core/errors.js';
import { CAPABILITIES } from '../../../lib/providers/capabilities.js';
import { MachineStateError, ProviderNotFoundError } from '../../../lib/providers/errors.js';
import { ArmFake, SUBSCRIPTION } from '../../fakes/azure/arm-fake.js';
import { makeDriver } from './fixtures.js';

let fake: ArmFake;
beforeEach(async () => {
  fake = await ArmFake.start();
});
afterEach(() => fake.close());

const SUBNET = `/subscriptions/${SUBSCRIPTION}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default`;
// The snapshot's name in the VM's resource group: the shape the API lets through for azure machines.
const SNAPSHOT_ID = CAPABILITIES.azure.snapshotIds!.pattern;

describe('creating a machine', () => {
  it('creates the nimbo-<region> group and the VM, waits for the LRO and returns it running', async () => {
    const { driver } = makeDriver(fake);
    const machine = await driver.createMachine({
      name: 'api-1',
      region: 'westeurope',
      image: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
      size: 'Standard_B2s',
      subnetId: SUBNET,
      keyName: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake nimbo@test',
      userData: '#cloud-config\n',
      tags: { team: 'core' },
    });
    expect(machine).toMatchObject({
      externalId: fake.vmId('nimbo-westeurope', 'api-1'),
      name: 'api-1',
      state: 'running',
      region: 'westeurope',
      size: 'Standard_B2s',
      tags: { team: 'core' },
    });
    expect(fake.resourceGroups.get('nimbo-westeurope')).toBe('westeurope');
    // The operation was polled until Succeeded, not just accepted.
    expect(fake.count(/GET .*\/operations\//)).toBeGreaterThanOrEqual(2);
    const props = fake.lastCreate?.properties as Record<string, any>;
    expect(props.osProfile).toMatchObject({
      adminUsername: 'nimbo',
      customData: Buffer.from('#cloud-config\n').toString('base64'),
      linuxConfiguration: {
        ssh: { publicKeys: [{ keyData: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake nimbo@test' }] },
      },
    });
    expect(
      props.networkProfile.networkInterfaceConfigurations[0].properties.ipConfigurations[0].properties.subnet
        .id,
    ).toBe(SUBNET);
    expect(props.storageProfile.imageReference).toMatchObject({
      publisher: 'Canonical',
      sku: '22_04-lts-gen2',
    });
  });

  it('refuses without a subnetId, before creating anything', async () => {
    const { driver } = makeDriver(fake);
    const request = {
      name: 'api-1',
      region: 'westeurope',
      image: 'Debian:debian-12:12-gen2:latest',
      size: 'Standard_B2s',
    };
    await expect(driver.createMachine(request)).rejects.toThrow(UnprocessableError);
    await expect(driver.createMachine(request)).rejects.toThrow(/subnetId/);
    expect(fake.seen).toHaveLength(0);
  });
});

describe('snapshots', () => {
  it('creates a snapshot of the OS disk, lists it for its VM only, and deletes it', async () => {
    const vm = fake.seedVm({ resourceGroup: 'rg-a', name: 'web-1', location: 'westeurope' });
    fake.seedVm({ resourceGroup: 'rg-a', name: 'web-2', location: 'westeurope' });
    const ref = { externalId: vm.id, region: 'westeurope' };
    const other = { externalId: fake.vmId('rg-a', 'web-2'), region: 'westeurope' };
    const { driver } = makeDriver(fake, { now: () => new Date('2026-12-04T01:02:03Z') });

    const snap = await driver.createSnapshot(ref, 'before upgrade');
    expect(snap.id).toMatch(SNAPSHOT_ID);
    expect(snap).toMatchObject({ name: 'before upgrade', state: 'completed' });
    expect(snap.id).toMatch(/^nimbo-snap-20261204010203-/);
    const stored = [...fake.snapshots.values()].find((s) => s.name === snap.id)!;
    expect(stored.sourceResourceId).toBe(vm.osDiskId);
    expect(stored.tags['nimbo-machine']).toBe(vm.id);

    await driver.createSnapshot(other, 'other');
    expect((await driver.listSnapshots(ref)).map((s) => s.id)).toEqual([snap.id]);

    await expect(driver.deleteSnapshot(other, snap.id)).rejects.toBeInstanceOf(ProviderNotFoundError);
    await driver.deleteSnapshot(ref, snap.id);
    expect(await driver.listSnapshots(ref)).toEqual([]);
    expect(fake.snapshots.size).toBe(1);
  });

  it('revert copies the snapshot to a new disk and swaps the OS disk of the deallocated VM only', async () => {
    const vm = fake.seedVm({ resourceGroup: 'rg-a', name: 'web-1', location: 'westeurope' });
    const ref = { externalId: vm.id, region: 'westeurope' };
    const { driver } = makeDriver(fake, { now: () => new Date('2026-12-04T01:02:03Z') });
    const original = vm.osDiskId;
    const snap = await driver.createSnapshot(ref, 'v1');
    await expect(driver.revertToSnapshot(ref, snap.id)).rejects.toBeInstanceOf(MachineStateError);
    expect(vm.osDiskId).toBe(original);
    await driver.stopMachine(ref);
    await driver.revertToSnapshot(ref, snap.id);
    expect(vm.osDiskId).toMatch(/\/disks\/web-1-osdisk-20261204010203$/);
    const disk = fake.disks.get(vm.osDiskId.toLowerCase())!;
    // Copied from the snapshot's ARM id, in the VM's resource group.
    expect(disk.source).toBe(
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-a/providers/Microsoft.Compute/snapshots/${snap.id}`,
    );
    expect(disk.provisioning).toBe('Succeeded');
  });

  it('an unknown snapshot is a ProviderNotFoundError, for delete and revert alike', async () => {
    const vm = fake.seedVm({ resourceGroup: 'rg-a', name: 'web-1', location: 'westeurope' });
    const ref = { externalId: vm.id, region: 'westeurope' };
    const { driver } = makeDriver(fake);
    const ghost = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-a/providers/Microsoft.Compute/snapshots/ghost`;
    await expect(driver.deleteSnapshot(ref, ghost)).rejects.toBeInstanceOf(ProviderNotFoundError);
    await expect(driver.deleteSnapshot(ref, 'snap-123')).rejects.toBeInstanceOf(ProviderNotFoundError);
    await expect(driver.revertToSnapshot(ref, ghost)).rejects.toBeInstanceOf(ProviderNotFoundError);
    // Of the right shape, but Azure has no such snapshot.
    const unknown = 'nimbo-snap-20260101000000-deadbeef';
    await expect(driver.deleteSnapshot(ref, unknown)).rejects.toBeInstanceOf(ProviderNotFoundError);
    await expect(driver.revertToSnapshot(ref, unknown)).rejects.toBeInstanceOf(ProviderNotFoundError);
  });
});

describe('catalog', () => {
  it('lists the sizes of the first location, the curated images and the configured locations', async () => {
    const { driver } = makeDriver(fake);
    const sizes = await driver.listSizes();
    expect(sizes).toContainEqual({
      id: 'Standard_D4s_v5',
      name: 'Standard_D4s_v5',
      cpus: 4,
      memoryMiB: 16384,
    });
    expect(fake.count(/GET .*\/locations\/westeurope\/vmSizes$/)).toBe(1);
    const images = await driver.listImages();
    expect(images.map((i) => i.id)).toContain('Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest');
    expect((await driver.listLocations()).map((l) => l.id)).toEqual(['westeurope', 'northeurope']);
  });
});
