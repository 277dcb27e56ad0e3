/**
 * A cloud spans regions, and EC2 knows an instance only in its own: every action on a machine must go to
 * the machine's region, not the cloud's first one. Over the stateful fake EC2 (test/fakes/aws), where
 * an instance asked for in another region is InvalidInstanceID.NotFound, as on AWS.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AwsComputeDriver } from '../../../lib/providers/aws/compute.js';
import { Ec2World } from '../../fakes/aws/ec2-world.js';
import { makeDriver } from './fixtures.js';

let world: Ec2World;
let driver: AwsComputeDriver;
beforeEach(() => {
  world = new Ec2World({ pageSize: 2 });
  driver = makeDriver({ regions: ['us-east-1', 'eu-west-1'] }).driver;
});
afterEach(() => world.close());

it("acts on a machine of the cloud's second region in that region: every action, snapshots included", async () => {
  const web = world.seed({ region: 'eu-west-1', name: 'web', state: 'running' });
  const ref = { externalId: web.id, region: 'eu-west-1' };
  const state = () => world.state.region('eu-west-1').instance(web.id).state;

  await driver.rebootMachine(ref);
  await driver.stopMachine(ref);
  world.settle();
  expect(state()).toBe('stopped');
  await driver.resizeMachine(ref, 'm7i.large');
  await driver.renameMachine(ref, 'web-2');
  await driver.startMachine(ref);
  world.settle();
  expect(state()).toBe('running');
  const set = await driver.createSnapshot(ref, 'nightly');
  world.settle();
  expect((await driver.listSnapshots(ref)).map((s) => s.id)).toEqual([set.id]);
  await driver.revertToSnapshot(ref, set.id);
  await driver.deleteSnapshot(ref, set.id);
  await driver.destroyMachine(ref);
  world.settle();

  expect(world.state.region('eu-west-1').instance(web.id)).toMatchObject({
    state: 'terminated',
    type: 'm7i.large',
    tags: { Name: 'web-2' },
  });
  // Nothing of it reached the first region.
  expect(world.state.region('us-east-1').instances.size).toBe(0);
});
