import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { MongoSimStore } from '../../lib/db/sim-store.js';
import { newId } from '../../lib/model/common.js';
import { CAPABILITIES } from '../../lib/providers/capabilities.js';
import { SimComputeDriver, type SimSettings } from '../../lib/providers/sim/compute.js';
import { useTestDatabase } from '../helpers/mongo.js';

const base: SimSettings = {
  machines: 25,
  seed: 11,
  transitionMs: 2000,
  latencyMs: 0,
  faults: { auth: false, throttleRate: 0, timeoutRate: 0 },
};

describe('the sim compute driver, with its state in MongoDB', () => {
  const t = useTestDatabase('sim');
  let clock = new Date('2026-11-25T10:00:00Z');
  const now = () => clock;
  const tick = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

  beforeAll(() => ensureIndexes(t.db));

  function driver(settings: Partial<SimSettings> = {}, cloudId = newId('cloud')) {
    return new SimComputeDriver({ ...base, ...settings }, { store: new MongoSimStore(t.db, cloudId), now });
  }

  it('creates its fleet on the first connection check, once', async () => {
    const cloudId = newId('cloud');
    const d = driver({}, cloudId);
    await d.checkConnection();
    await d.checkConnection();
    expect(await d.listMachines()).toHaveLength(25);
  });

  it('keeps its state across driver instances, as across Lambda invocations', async () => {
    const cloudId = newId('cloud');
    await driver({}, cloudId).checkConnection();
    const [first] = (await driver({}, cloudId).listMachines()).filter((m) => m.state === 'running');
    await driver({}, cloudId).stopMachine({ externalId: first!.externalId, region: first!.region });
    const seen = (await driver({}, cloudId).listMachines()).find((m) => m.externalId === first!.externalId);
    expect(seen?.state).toBe('stopping');
    tick(2000);
    const settled = (await driver({}, cloudId).listMachines()).find(
      (m) => m.externalId === first!.externalId,
    );
    expect(settled?.state).toBe('stopped');
    expect(settled?.publicIps).toEqual([]);
  });

  it('creates, renames, resizes and snapshots machines', async () => {
    const d = driver({ machines: 0 });
    await d.checkConnection();
    const created = await d.createMachine({
      name: 'new-1',
      region: 'sim-east-1',
      image: 'sim-debian-12',
      size: 'sim.small',
    });
    expect(created.state).toBe('pending');
    const ref = { externalId: created.externalId, region: created.region };
    await d.renameMachine(ref, 'renamed');
    await d.resizeMachine(ref, 'sim.large');
    const snap = await d.createSnapshot(ref, 'before-upgrade');
    // The shape the API lets through for sim machines (lib/providers/capabilities.ts).
    expect(snap.id).toMatch(CAPABILITIES.sim.snapshotIds!.pattern);
    expect(await d.listSnapshots(ref)).toEqual([
      expect.objectContaining({ id: snap.id, name: 'before-upgrade' }),
    ]);
    await d.deleteSnapshot(ref, snap.id);
    expect(await d.listSnapshots(ref)).toEqual([]);
    const [m] = await d.listMachines();
    expect(m).toMatchObject({ name: 'renamed', size: 'sim.large', hourlyCost: 0.0672 });
  });

  it('refuses to create a machine of an unknown image', async () => {
    const d = driver({ machines: 0 });
    await expect(
      d.createMachine({ name: 'x', region: 'sim-east-1', image: 'nope', size: 'sim.small' }),
    ).rejects.toThrow(/unknown image/);
  });

  it('pays the configured latency on each call', async () => {
    const slept: number[] = [];
    const d = new SimComputeDriver(
      { ...base, latencyMs: 150, machines: 0 },
      { store: new MongoSimStore(t.db, newId('cloud')), now, sleep: async (ms) => void slept.push(ms) },
    );
    await d.listSizes();
    await d.listImages();
    expect(slept).toEqual([150, 150]);
  });
});
