/**
 * Reverting a machine to a snapshot set, over the stateful fake EC2 (test/fakes/aws): the conformance
 * suite takes, lists and deletes sets; what a revert does to an instance's volumes is EC2's own (a
 * replace-root-volume task, for running instances only), so it is specified here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsComputeDriver } from '../../../lib/providers/aws/compute.js';
import { MachineStateError, ProviderNotFoundError } from '../../../lib/providers/errors.js';
import { Ec2World } from '../../fakes/aws/ec2-world.js';
import { makeDriver } from './fixtures.js';

let world: Ec2World;
let driver: AwsComputeDriver;
beforeEach(() => {
  world = new Ec2World({ pageSize: 2 });
  driver = makeDriver({ regions: ['eu-west-1'] }).driver;
});
afterEach(() => world.close());

const region = () => world.state.region('eu-west-1');
const rootOf = (instanceId: string) => {
  const i = region().instance(instanceId);
  return region()
    .attached(i)
    .find((v) => v.attachment?.device === i.rootDevice)!;
};

describe('reverting to a snapshot set', () => {
  it("restores the root volume from the set's root snapshot, keeping the replaced volume", async () => {
    const db = world.seed({ region: 'eu-west-1', name: 'db', state: 'running' });
    const ref = { externalId: db.id, region: 'eu-west-1' };
    const before = rootOf(db.id);
    const set = await driver.createSnapshot(ref, 'nightly');
    world.settle();
    const rootSnapshot = [...region().snapshots.values()].find((s) => s.volumeId === before.id)!;

    await driver.revertToSnapshot(ref, set.id);
    world.settle();

    const after = rootOf(db.id);
    expect(after.id).not.toBe(before.id);
    expect(after.snapshotId).toBe(rootSnapshot.id);
    expect(region().volumes.get(before.id)?.attachment).toBeUndefined();
  });

  it('reverts to the same set again after an earlier revert gave the machine a new root volume', async () => {
    const db = world.seed({ region: 'eu-west-1', name: 'db', state: 'running' });
    const ref = { externalId: db.id, region: 'eu-west-1' };
    const set = await driver.createSnapshot(ref, 'nightly');
    world.settle();
    await driver.revertToSnapshot(ref, set.id);
    world.settle();
    const first = rootOf(db.id);

    await driver.revertToSnapshot(ref, set.id);
    world.settle();

    expect(rootOf(db.id).id).not.toBe(first.id);
    expect(rootOf(db.id).snapshotId).toBe(first.snapshotId);
  });

  it('refuses a stopped machine with MachineStateError: EC2 replaces root volumes of running instances only', async () => {
    const db = world.seed({ region: 'eu-west-1', name: 'db', state: 'stopped' });
    const ref = { externalId: db.id, region: 'eu-west-1' };
    const set = await driver.createSnapshot(ref, 'cold');
    world.settle();
    await expect(driver.revertToSnapshot(ref, set.id)).rejects.toBeInstanceOf(MachineStateError);
  });

  it('answers ProviderNotFoundError for a set that was deleted', async () => {
    const db = world.seed({ region: 'eu-west-1', name: 'db', state: 'running' });
    const ref = { externalId: db.id, region: 'eu-west-1' };
    const set = await driver.createSnapshot(ref, 'nightly');
    world.settle();
    await driver.deleteSnapshot(ref, set.id);
    await expect(driver.revertToSnapshot(ref, set.id)).rejects.toBeInstanceOf(ProviderNotFoundError);
    expect(region().snapshots.size).toBe(0);
  });
});
