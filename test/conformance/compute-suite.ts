/**
 * The compute driver conformance suite: one specification, written against the ComputeDriver interface
 * and the provider's capability flags, that every provider's driver passes against its world (the
 * simulator's store, or a fake of the provider's API on 127.0.0.1). What the suite asks of a provider is
 * only what CAPABILITIES says it does: a flag that lies fails here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAPABILITIES, type Provider } from '../../lib/providers/capabilities.js';
import type {
  ComputeDriver,
  CreateMachineRequest,
  MachineRef,
  ProviderMachine,
} from '../../lib/providers/compute.js';
import {
  MachineStateError,
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderThrottledError,
} from '../../lib/providers/errors.js';

export interface SeedMachine {
  name: string;
  region: string;
  state: 'running' | 'stopped';
}

/** One provider's world, fresh for every test. */
export interface ComputeWorld {
  driver: ComputeDriver;
  /** Puts machines in the world, as if made outside Nimbo. */
  seed(machines: SeedMachine[]): Promise<void>;
  /** Lets transitions that the provider finishes later finish (the simulator's clock). */
  settle(): Promise<void>;
  /** The next call fails authentication. */
  failAuthentication(): void;
  /** The next `times` tries are throttled (Infinity: every try). */
  throttle(times: number): void;
  /** How many times the driver slept in backoff so far. */
  backoffSleeps(): number;
  close(): Promise<void>;
}

export interface ComputeConformance {
  provider: Provider;
  /** Two regions the cloud spans. */
  regions: [string, string];
  /** A region the cloud does not span: machines there must not be listed (absent: the cloud spans all). */
  outsideRegion?: string;
  /** A machine's `region` as the driver reports it is in `region` (GCE reports the zone). */
  inRegion(machine: ProviderMachine, region: string): boolean;
  create: Omit<CreateMachineRequest, 'name' | 'region'>;
  resizeTo: string;
  /** The world can throttle a counted number of tries (the simulator throttles by rate only). */
  countedThrottling: boolean;
  /** A ref the provider does not know, shaped as the driver's refs are. */
  missing: MachineRef;
  world(): Promise<ComputeWorld>;
}

export function computeConformance(c: ComputeConformance): void {
  const caps = CAPABILITIES[c.provider];
  const [r1, r2] = c.regions;

  describe(`the ${c.provider} compute driver (conformance)`, () => {
    let w: ComputeWorld;
    beforeEach(async () => {
      w = await c.world();
    });
    afterEach(() => w.close());

    const byName = async () => new Map((await w.driver.listMachines()).map((m) => [m.name, m]));
    const refOf = async (name: string): Promise<MachineRef> => {
      const m = (await byName()).get(name);
      if (!m) throw new Error(`${name} is not listed`);
      return { externalId: m.externalId, region: m.region };
    };
    const stateOf = async (name: string) => (await byName()).get(name)?.state;

    it('lists every machine of its regions, across pages, each in its region, and none of other regions', async () => {
      const seeded: SeedMachine[] = [
        { name: 'a-1', region: r1, state: 'running' },
        { name: 'a-2', region: r1, state: 'stopped' },
        { name: 'a-3', region: r1, state: 'running' },
        { name: 'b-1', region: r2, state: 'running' },
        { name: 'b-2', region: r2, state: 'stopped' },
      ];
      await w.seed([
        ...seeded,
        ...(c.outsideRegion ? [{ name: 'x-1', region: c.outsideRegion, state: 'running' as const }] : []),
      ]);
      const listed = await byName();
      expect([...listed.keys()].sort()).toEqual(seeded.map((s) => s.name));
      for (const s of seeded) {
        const m = listed.get(s.name)!;
        expect(c.inRegion(m, s.region)).toBe(true);
        expect(m.state).toBe(s.state);
      }
    });

    // In the second region: a driver that sends actions to the cloud's first region fails here.
    it('stops a running machine and starts it again', async () => {
      await w.seed([{ name: 'web', region: r2, state: 'running' }]);
      await w.driver.stopMachine(await refOf('web'));
      await w.settle();
      expect(await stateOf('web')).toBe('stopped');
      await w.driver.startMachine(await refOf('web'));
      await w.settle();
      expect(await stateOf('web')).toBe('running');
    });

    it('reboots a running machine, which is running again after', async () => {
      await w.seed([{ name: 'web', region: r1, state: 'running' }]);
      await w.driver.rebootMachine(await refOf('web'));
      await w.settle();
      expect(await stateOf('web')).toBe('running');
    });

    it('destroys a machine: it leaves the listing or shows as terminated', async () => {
      await w.seed([{ name: 'gone', region: r2, state: 'running' }]);
      await w.driver.destroyMachine(await refOf('gone'));
      await w.settle();
      expect([undefined, 'terminated']).toContain(await stateOf('gone'));
    });

    for (const state of ['running', 'stopped'] as const) {
      const allowed = caps.actions.includes('resize') && caps.resizeStates.includes(state);
      it(`${allowed ? 'resizes' : 'refuses to resize'} a ${state} machine, as its capabilities say`, async () => {
        await w.seed([{ name: 'box', region: r2, state }]);
        const ref = await refOf('box');
        if (allowed) {
          await w.driver.resizeMachine(ref, c.resizeTo);
          await w.settle();
          expect((await byName()).get('box')?.size).toBe(c.resizeTo);
        } else {
          await expect(w.driver.resizeMachine(ref, c.resizeTo)).rejects.toBeInstanceOf(MachineStateError);
        }
      });
    }

    if (caps.actions.includes('rename')) {
      const state = caps.renameStates?.[0] === 'stopped' ? 'stopped' : 'running';
      it(`renames a ${state} machine, which keeps its identity`, async () => {
        await w.seed([{ name: 'old-name', region: r1, state }]);
        const before = await refOf('old-name');
        await w.driver.renameMachine(before, 'new-name');
        await w.settle();
        const after = (await byName()).get('new-name');
        expect(after).toBeDefined();
        expect(after!.externalId).toBe(before.externalId);
      });
    }

    it('answers ProviderNotFoundError for a machine it does not know', async () => {
      await expect(w.driver.startMachine(c.missing)).rejects.toBeInstanceOf(ProviderNotFoundError);
    });

    it('answers ProviderAuthError when the provider rejects the credentials', async () => {
      w.failAuthentication();
      await expect(w.driver.listMachines()).rejects.toBeInstanceOf(ProviderAuthError);
    });

    it.skipIf(!c.countedThrottling)('backs off and gets through when throttled twice', async () => {
      await w.seed([{ name: 'web', region: r1, state: 'running' }]);
      w.throttle(2);
      expect((await w.driver.listMachines()).map((m) => m.name)).toEqual(['web']);
      // An SDK may take one of the tries itself (its own retry, kept to one), so at least one is ours.
      expect(w.backoffSleeps()).toBeGreaterThan(0);
    });

    it('answers ProviderThrottledError when throttling does not end', async () => {
      w.throttle(Number.POSITIVE_INFINITY);
      await expect(w.driver.listMachines()).rejects.toBeInstanceOf(ProviderThrottledError);
    });

    it('lists a catalog: sizes with cores and memory, images, and locations inside its regions', async () => {
      const [sizes, images, locations] = await Promise.all([
        w.driver.listSizes(),
        w.driver.listImages(),
        w.driver.listLocations(),
      ]);
      expect(sizes.length).toBeGreaterThan(0);
      for (const s of sizes) {
        expect(s.cpus).toBeGreaterThan(0);
        expect(s.memoryMiB).toBeGreaterThan(0);
        if (s.hourlyPrice !== undefined) expect(s.hourlyPrice).toBeGreaterThan(0);
      }
      expect(sizes.map((s) => s.id)).toContain(c.resizeTo);
      expect(images.length).toBeGreaterThan(0);
      expect(locations.length).toBeGreaterThan(0);
    });

    if (caps.create) {
      it('creates a machine that the next listing shows', async () => {
        const made = await w.driver.createMachine({
          name: 'made',
          region: r1,
          ...c.create,
          tags: { team: 'ops' },
        });
        expect(made.name).toBe('made');
        await w.settle();
        const listed = (await byName()).get('made');
        expect(listed?.externalId).toBe(made.externalId);
        expect(listed?.tags).toMatchObject({ team: 'ops' });
      });
    }

    if (caps.snapshots) {
      it('takes, lists and deletes a snapshot, its id in the shape the API lets through', async () => {
        await w.seed([{ name: 'db', region: r1, state: 'running' }]);
        const ref = await refOf('db');
        const snap = await w.driver.createSnapshot(ref, 'before-upgrade');
        if (caps.snapshotIds) expect(snap.id).toMatch(caps.snapshotIds.pattern);
        await w.settle();
        expect((await w.driver.listSnapshots(ref)).map((s) => s.id)).toEqual([snap.id]);
        await w.driver.deleteSnapshot(ref, snap.id);
        await w.settle();
        expect(await w.driver.listSnapshots(ref)).toEqual([]);
      });
    }
  });
}
