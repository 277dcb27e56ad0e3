import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, UnprocessableError } from '../../../lib/core/errors.js';
import {
  MachineStateError,
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderTimeoutError,
} from '../../../lib/providers/errors.js';
import { ArmFake, SECRET } from '../../fakes/azure/arm-fake.js';
import { makeDriver } from './fixtures.js';

let fake: ArmFake;
beforeEach(async () => {
  fake = await ArmFake.start();
});
afterEach(() => fake.close());

const LIST = /^GET \/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines$/;

function seedFleet() {
  fake.seedVm({
    resourceGroup: 'rg-a',
    name: 'web-1',
    location: 'westeurope',
    tags: { env: 'prod' },
    privateIp: '10.0.0.4',
    publicIp: '20.50.1.2',
  });
  fake.seedVm({ resourceGroup: 'rg-a', name: 'web-2', location: 'westeurope', power: 'deallocated' });
  fake.seedVm({ resourceGroup: 'rg-b', name: 'db-1', location: 'northeurope', size: 'Standard_D4s_v5' });
  fake.seedVm({ resourceGroup: 'rg-c', name: 'batch-1', location: 'northeurope', power: 'stopping' });
  fake.seedVm({ resourceGroup: 'rg-c', name: 'far-1', location: 'eastus' });
  fake.seedVm({ resourceGroup: 'rg-d', name: 'broken-1', location: 'westeurope', provisioning: 'Failed' });
}

describe('listing machines', () => {
  it('lists every resource group across pages, in the configured locations only', async () => {
    seedFleet();
    const { driver } = makeDriver(fake);
    const machines = await driver.listMachines();
    expect(machines.map((m) => m.name).sort()).toEqual(['batch-1', 'broken-1', 'db-1', 'web-1', 'web-2']);
    // 6 VMs at 2 a page: the nextLink was followed twice.
    expect(fake.count(LIST)).toBe(3);
    expect(new Set(machines.map((m) => m.region))).toEqual(new Set(['westeurope', 'northeurope']));
  });

  it('leaves out other locations, and skips the network listings when nothing is left', async () => {
    fake.seedVm({ resourceGroup: 'rg-us', name: 'far-1', location: 'eastus' });
    fake.seedVm({ resourceGroup: 'rg-us', name: 'far-2', location: 'westus2' });
    const { driver } = makeDriver(fake, { regions: ['westeurope'] });
    expect(await driver.listMachines()).toEqual([]);
    expect(fake.count(LIST)).toBe(1);
    expect(fake.count(/Microsoft\.Network/)).toBe(0);
  });

  it('maps a VM: full ARM id, power state, size, image URN, tags, resource group', async () => {
    seedFleet();
    const { driver } = makeDriver(fake);
    const byName = new Map((await driver.listMachines()).map((m) => [m.name, m]));
    const web1 = byName.get('web-1')!;
    expect(web1.externalId).toBe(fake.vmId('rg-a', 'web-1'));
    expect(web1).toMatchObject({
      state: 'running',
      region: 'westeurope',
      size: 'Standard_B2s',
      image: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
      tags: { env: 'prod' },
      publicIps: ['20.50.1.2'],
      privateIps: ['10.0.0.4'],
      extra: { resourceGroup: 'rg-a' },
    });
    expect(byName.get('web-2')!.state).toBe('stopped');
    expect(byName.get('batch-1')!.state).toBe('stopping');
    expect(byName.get('broken-1')!.state).toBe('error');
    expect(byName.get('db-1')!.size).toBe('Standard_D4s_v5');
    expect(byName.get('db-1')).toMatchObject({ publicIps: [], privateIps: [] });
  });

  it('fails as a whole when a later page fails: no partial answer', async () => {
    seedFleet();
    const { driver } = makeDriver(fake);
    // The first page passes; the second answers 500 to every try (the SDK's one retry included).
    fake.inject(5, 500, 'InternalServerError', { match: LIST, skip: 1 });
    const err = await driver.listMachines().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/list VMs: Azure InternalServerError \(HTTP 500\)/);
    expect(fake.count(LIST)).toBe(3);
  });

  it('a 401 from ARM is a ProviderAuthError', async () => {
    seedFleet();
    fake.inject(1, 401, 'InvalidAuthenticationToken', { message: 'The access token is invalid.' });
    const { driver } = makeDriver(fake);
    await expect(driver.listMachines()).rejects.toBeInstanceOf(ProviderAuthError);
  });

  it('a wrong client secret is a ProviderAuthError that never shows the secret', async () => {
    const wrong = 'wrong-secret-9f8e7d6c5b';
    const { driver } = makeDriver(fake, { secret: wrong });
    const err = await driver.checkConnection().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(String((err as Error).message)).toMatch(/AADSTS7000215/);
    // Nor anywhere in the error the logs get (cause chain included).
    expect(inspect(err, { depth: 20 })).not.toContain(wrong);
    expect(JSON.stringify({ m: (err as Error).message })).not.toContain(SECRET);
  });

  it('checkConnection passes with good credentials', async () => {
    seedFleet();
    const { driver } = makeDriver(fake);
    await expect(driver.checkConnection()).resolves.toBeUndefined();
    expect(fake.count(LIST)).toBe(1);
  });
});

describe('throttling', () => {
  it('429 twice then success: retried with the injected sleep', async () => {
    seedFleet();
    fake.inject(2, 429, 'TooManyRequests', { retryAfter: '0', match: LIST });
    const { driver, sleeps } = makeDriver(fake);
    const machines = await driver.listMachines();
    expect(machines).toHaveLength(5);
    expect(sleeps.length).toBeGreaterThanOrEqual(1);
    expect(fake.faults[0]!.remaining).toBe(0);
  });

  it('429 forever is a ProviderThrottledError after maxAttempts of our own', async () => {
    seedFleet();
    fake.inject(1000, 429, 'TooManyRequests', { retryAfter: '0', match: LIST });
    const { driver, sleeps } = makeDriver(fake, { maxAttempts: 3 });
    const err = await driver.listMachines().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect((err as Error).message).toMatch(/gave up after 3 attempts/);
    expect(sleeps).toHaveLength(2);
    // Our 3 tries, each with the SDK's single retry: the two loops do not multiply beyond 2 × 3.
    expect(fake.count(LIST)).toBe(6);
  });

  it('a request that never answers is a ProviderTimeoutError', async () => {
    seedFleet();
    fake.inject(10, 0, 'hang', { match: LIST, hang: true });
    const { driver, sleeps } = makeDriver(fake, { requestTimeoutMs: 150 });
    const err = await driver.listMachines().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderTimeoutError);
    expect((err as Error).message).toMatch(/^Azure list VMs: /);
    expect(sleeps).toHaveLength(0);
  });

  it('other errors are not retried by us', async () => {
    seedFleet();
    fake.inject(1, 400, 'InvalidParameter', { match: LIST });
    const { driver, sleeps } = makeDriver(fake);
    await expect(driver.listMachines()).rejects.toBeInstanceOf(ProviderRejectedError);
    expect(sleeps).toHaveLength(0);
  });
});

describe('actions', () => {
  const ref = (name: string, group = 'rg-a') => ({
    externalId: fake.vmId(group, name),
    region: 'westeurope',
  });

  it('stop deallocates (billing stops), start runs again, reboot restarts, all waiting for the LRO', async () => {
    const vm = fake.seedVm({ resourceGroup: 'rg-a', name: 'web-1', location: 'westeurope' });
    const { driver } = makeDriver(fake);
    await driver.stopMachine(ref('web-1'));
    expect(vm.power).toBe('deallocated');
    expect(fake.count(/POST .*\/deallocate$/)).toBe(1);
    expect(fake.count(/GET .*\/operations\//)).toBeGreaterThanOrEqual(2);
    await driver.startMachine(ref('web-1'));
    expect(vm.power).toBe('running');
    await driver.rebootMachine(ref('web-1'));
    expect(vm.restarts).toBe(1);
    expect(vm.power).toBe('running');
  });

  it('destroy deletes the VM once the operation succeeded', async () => {
    fake.seedVm({ resourceGroup: 'rg-b', name: 'db-1', location: 'northeurope' });
    const { driver } = makeDriver(fake);
    await driver.destroyMachine(ref('db-1', 'rg-b'));
    expect(fake.vms.size).toBe(0);
  });

  it('resize patches hardwareProfile.vmSize', async () => {
    const vm = fake.seedVm({
      resourceGroup: 'rg-a',
      name: 'web-1',
      location: 'westeurope',
      power: 'deallocated',
    });
    const { driver } = makeDriver(fake);
    await driver.resizeMachine(ref('web-1'), 'Standard_D4s_v5');
    expect(vm.size).toBe('Standard_D4s_v5');
    await expect(driver.resizeMachine(ref('web-1'), 'Standard_Nope')).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
  });

  it('an action the VM state forbids is a MachineStateError', async () => {
    fake.seedVm({ resourceGroup: 'rg-a', name: 'web-1', location: 'westeurope', power: 'deallocated' });
    const { driver } = makeDriver(fake);
    const err = await driver.rebootMachine(ref('web-1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MachineStateError);
    expect((err as Error).message).toMatch(/restart VM rg-a\/web-1/);
  });

  it('an unknown VM or resource group is a ProviderNotFoundError naming the VM', async () => {
    fake.seedVm({ resourceGroup: 'rg-a', name: 'web-1', location: 'westeurope' });
    const { driver } = makeDriver(fake);
    const err = await driver.startMachine(ref('ghost')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderNotFoundError);
    expect((err as Error).message).toMatch(/start VM rg-a\/ghost.*ResourceNotFound/);
    await expect(driver.stopMachine(ref('x', 'rg-none'))).rejects.toThrow(/ResourceGroupNotFound/);
    await expect(driver.stopMachine({ externalId: 'i-0123', region: 'westeurope' })).rejects.toBeInstanceOf(
      ProviderNotFoundError,
    );
  });

  it("an operation that ends Failed fails the action with ARM's code, the state unchanged", async () => {
    const vm = fake.seedVm({
      resourceGroup: 'rg-a',
      name: 'web-1',
      location: 'westeurope',
      power: 'deallocated',
    });
    fake.failNextOperation = {
      code: 'AllocationFailed',
      message: 'Allocation failed. We do not have sufficient capacity.',
    };
    const { driver, sleeps } = makeDriver(fake);
    const err = await driver.startMachine(ref('web-1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(
      /^Azure start VM rg-a\/web-1: .*(AllocationFailed|sufficient capacity)/,
    );
    expect(vm.power).not.toBe('running');
    expect(sleeps).toHaveLength(0);
  });

  it('rename is refused: Azure cannot rename a VM', async () => {
    const { driver } = makeDriver(fake);
    await expect(driver.renameMachine(ref('web-1'), 'web-9')).rejects.toBeInstanceOf(UnprocessableError);
    expect(fake.seen).toHaveLength(0);
  });
});
