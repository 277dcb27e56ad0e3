import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArmFake } from '../../fakes/azure/arm-fake.js';
import { makeDriver } from './fixtures.js';

let fake: ArmFake;
beforeEach(async () => {
  fake = await ArmFake.start();
});
afterEach(() => fake.close());

describe('listing machines', () => {
  it('lists the VMs of every resource group in the configured locations, across pages', async () => {
    fake.seedVm({ resourceGroup: 'rg-a', name: 'web-1', location: 'westeurope' });
    const { driver } = makeDriver(fake);
    const machines = await driver.listMachines();
    expect(machines.map((m) => m.name)).toEqual(['web-1']);
  });
});
