/** The GCE driver's machines, through the official client's REST transport against the fake. */
import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../lib/core/errors.js';
import {
  MachineStateError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
} from '../../../lib/providers/errors.js';
import { makeDriver, useFake } from './fixtures.js';

const ctx = useFake();
const ref = (externalId: string, region: string) => ({ externalId, region });

describe('listMachines', () => {
  it('lists every zone of the configured regions across pages, and no other zone', async () => {
    const { fake, endpoint } = ctx;
    fake.seed('europe-west1-b', 'eu-b1', { labels: { env: 'prod' }, machineType: 'n2-standard-4' });
    fake.seed('europe-west1-b', 'eu-b2', { status: 'TERMINATED', natIP: undefined });
    fake.seed('europe-west1-c', 'eu-c1', { status: 'STAGING' });
    fake.seed('europe-west1-d', 'eu-d1', { status: 'STOPPING' });
    fake.seed('us-central1-a', 'us-a1', { status: 'REPAIRING' });
    fake.seed('us-central1-f', 'us-f1', { status: 'SUSPENDED' });
    const { driver } = makeDriver(endpoint, ['europe-west1']);
    const machines = await driver.listMachines();
    const pages = fake.requests.filter((r) => r.endsWith('/aggregated/instances')).length;
    expect(pages).toBe(3); // 6 instances, 2 a page
    expect(machines.map((m) => m.name).sort()).toEqual(['eu-b1', 'eu-b2', 'eu-c1', 'eu-d1']);
    const b1 = machines.find((m) => m.name === 'eu-b1')!;
    expect(b1).toMatchObject({
      // The numeric id: a rename keeps it.
      externalId: fake.instance('europe-west1-b', 'eu-b1')!.id,
      state: 'running',
      region: 'europe-west1-b',
      location: 'europe-west1-b',
      size: 'n2-standard-4',
      tags: { env: 'prod' },
      privateIps: ['10.0.0.1'],
      publicIps: ['127.0.0.1'],
    });
    expect(b1.launchedAt?.toISOString()).toBe('2026-01-02T11:04:05.000Z');
    const byName = Object.fromEntries(machines.map((m) => [m.name, m]));
    expect(byName['eu-b2']).toMatchObject({ state: 'stopped', publicIps: [] });
    expect(byName['eu-c1']?.state).toBe('pending');
    expect(byName['eu-d1']?.state).toBe('stopping');
  });

  it('lists two regions', async () => {
    const { fake, endpoint } = ctx;
    for (const z of fake.zones) fake.seed(z, `vm-${z}`);
    const { driver } = makeDriver(endpoint, ['europe-west1', 'us-central1']);
    const machines = await driver.listMachines();
    expect(machines).toHaveLength(5);
    const states = Object.fromEntries(machines.map((m) => [m.region, m.state]));
    expect(Object.keys(states).sort()).toEqual([...fake.zones].sort());
  });

  it('fails as a whole when a later page fails: no partial answer', async () => {
    const { fake, endpoint } = ctx;
    for (const z of fake.zones) fake.seed(z, `vm-${z}`);
    const { driver } = makeDriver(endpoint);
    fake.failNext(1, 500, { skip: 1 }); // the first page answers, the second fails
    await expect(driver.listMachines()).rejects.toThrow(
      /instances\.aggregatedList in project nimbo-test: GCE 500/,
    );
    expect(fake.requests.filter((r) => r.endsWith('/aggregated/instances'))).toHaveLength(2);
    await expect(driver.listMachines()).resolves.toHaveLength(5);
  });
  it('fails when a zone of the configured regions is unreachable, not when another one is', async () => {
    const { fake, endpoint } = ctx;
    for (const z of fake.zones) fake.seed(z, `vm-${z}`);
    const { driver } = makeDriver(endpoint, ['europe-west1']);
    fake.unreachable.add('us-central1-f');
    await expect(driver.listMachines()).resolves.toHaveLength(3);
    fake.unreachable.add('europe-west1-c');
    await expect(driver.listMachines()).rejects.toThrow(/zone europe-west1-c is unreachable/);
  });
});

describe('actions', () => {
  it('stop, resize, rename and start change the state as GCE does, after the operation', async () => {
    const { fake, endpoint } = ctx;
    fake.seed('europe-west1-c', 'web-1');
    const { driver } = makeDriver(endpoint);
    const web = ref('web-1', 'europe-west1-c');

    await expect(driver.resizeMachine(web, 'e2-medium')).rejects.toBeInstanceOf(MachineStateError);
    expect(fake.instance('europe-west1-c', 'web-1')?.machineType).toBe('e2-small');

    await driver.stopMachine(web);
    expect(fake.instance('europe-west1-c', 'web-1')?.status).toBe('TERMINATED');
    await driver.resizeMachine(web, 'e2-medium');
    expect(fake.instance('europe-west1-c', 'web-1')?.machineType).toBe('e2-medium');

    await driver.renameMachine(web, 'web-2');
    expect(fake.instance('europe-west1-c', 'web-1')).toBeUndefined();
    const renamed = ref('web-2', 'europe-west1-c');
    await driver.startMachine(renamed);
    expect(fake.instance('europe-west1-c', 'web-2')?.status).toBe('RUNNING');
    // Each mutation waited twice: RUNNING on the first wait, DONE on the second.
    expect(fake.requests.filter((r) => r.endsWith('/wait')).length).toBe(8);
  });

  it('reset a running machine, refuse reset of a stopped one, delete', async () => {
    const { fake, endpoint } = ctx;
    fake.seed('us-central1-a', 'db');
    fake.seed('us-central1-a', 'off', { status: 'TERMINATED' });
    const { driver } = makeDriver(endpoint);
    await driver.rebootMachine(ref('db', 'us-central1-a'));
    expect(fake.requests).toContain(
      'POST /compute/v1/projects/nimbo-test/zones/us-central1-a/instances/db/reset',
    );
    expect(fake.resets).toEqual(['us-central1-a/db']);
    await expect(driver.rebootMachine(ref('off', 'us-central1-a'))).rejects.toBeInstanceOf(MachineStateError);
    await driver.destroyMachine(ref('db', 'us-central1-a'));
    expect(fake.instance('us-central1-a', 'db')).toBeUndefined();
  });

  it('rename of a running machine is a state error; a machine GCE does not know is not found', async () => {
    const { fake, endpoint } = ctx;
    fake.seed('europe-west1-b', 'live');
    const { driver } = makeDriver(endpoint);
    await expect(driver.renameMachine(ref('live', 'europe-west1-b'), 'x')).rejects.toBeInstanceOf(
      MachineStateError,
    );
    const missing = driver.stopMachine(ref('ghost', 'europe-west1-b'));
    await expect(missing).rejects.toBeInstanceOf(ProviderNotFoundError);
    await expect(missing).rejects.toThrow(/instances\.stop ghost in europe-west1-b/);
  });

  it('revertToSnapshot says GCE cannot revert in place', async () => {
    const { driver } = makeDriver(ctx.endpoint);
    await expect(
      driver.revertToSnapshot(ref('a', 'europe-west1-b'), 'nimbo-snap-x-00000000'),
    ).rejects.toThrow(UnprocessableError);
  });
});

describe('createMachine', () => {
  it('inserts, waits for the operation, and returns the machine', async () => {
    const { fake, endpoint } = ctx;
    const { driver } = makeDriver(endpoint);
    const machine = await driver.createMachine({
      name: 'new-vm',
      region: 'europe-west1',
      image: 'projects/debian-cloud/global/images/debian-12',
      size: 'e2-medium',
      keyName: 'ssh-ed25519 AAAAC3Nza test@host',
      userData: '#!/bin/sh\necho hi',
      tags: { Env: 'Prod', team: 'web' },
    });
    expect(machine).toMatchObject({
      externalId: fake.instance('europe-west1-b', 'new-vm')!.id,
      region: 'europe-west1-b',
      size: 'e2-medium',
      state: 'running',
      tags: { env: 'prod', team: 'web' },
    });
    const stored = fake.instance('europe-west1-b', 'new-vm');
    expect(stored?.metadata).toEqual([
      { key: 'ssh-keys', value: 'nimbo:ssh-ed25519 AAAAC3Nza test@host' },
      { key: 'startup-script', value: '#!/bin/sh\necho hi' },
    ]);
    expect(fake.requests.filter((r) => r.endsWith('/wait')).length).toBe(2);
  });

  it('an operation that ends with an error fails the create with the mapped error', async () => {
    const { fake, endpoint } = ctx;
    const { driver } = makeDriver(endpoint);
    fake.failNextOperation(
      'QUOTA_EXCEEDED',
      "Quota 'CPUS' exceeded. Limit: 8.0 in region europe-west1.",
      403,
    );
    const req = { name: 'big', region: 'europe-west1', image: 'debian-12', size: 'n2-standard-4' };
    const out = driver.createMachine(req);
    await expect(out).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(out).rejects.toThrow(
      /instances\.insert big in europe-west1-b: GCE 403 QUOTA_EXCEEDED: Quota 'CPUS'/,
    );
    expect(fake.instance('europe-west1-b', 'big')).toBeUndefined();
  });

  it('an operation error on a stop is a state error when GCE says the resource is not ready', async () => {
    const { fake, endpoint } = ctx;
    fake.seed('europe-west1-d', 'busy');
    const { driver } = makeDriver(endpoint);
    fake.failNextOperation('RESOURCE_NOT_READY', "The resource 'busy' is not ready");
    await expect(driver.stopMachine(ref('busy', 'europe-west1-d'))).rejects.toBeInstanceOf(MachineStateError);
  });

  it('a name taken in the zone is a conflict', async () => {
    const { fake, endpoint } = ctx;
    fake.seed('us-central1-f', 'taken');
    const { driver } = makeDriver(endpoint);
    const req = {
      name: 'taken',
      region: 'us-central1',
      location: 'us-central1-f',
      image: 'debian-12',
      size: 'e2-small',
    };
    await expect(driver.createMachine(req)).rejects.toBeInstanceOf(ProviderConflictError);
  });
});
