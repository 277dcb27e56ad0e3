import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc } from '../../lib/db/documents.js';
import { applyPoll } from '../../lib/inventory/machines.js';
import type { ProviderMachine } from '../../lib/providers/compute.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const cloud = {
  _id: 'cld_inventory00000',
  orgId: 'org_inventory00000',
  provider: 'sim',
} as CloudDoc;

function listed(id: string, over: Partial<ProviderMachine> = {}): ProviderMachine {
  return {
    externalId: id,
    name: id,
    state: 'running',
    region: 'sim-east-1',
    publicIps: [],
    privateIps: ['10.0.0.1'],
    tags: { env: 'prod' },
    ...over,
  };
}

describe('applying a poll to the inventory', () => {
  const t = useTestDatabase('inventory');
  let clock = new Date('2026-11-25T10:00:00Z');
  const deps = () => ({ db: t.db, now: () => clock });
  const later = () => {
    clock = new Date(clock.getTime() + 60_000);
    return clock;
  };
  const machine = (ext: string) => t.db.collection<AnyDoc>('machines').findOne({ externalId: ext });

  beforeAll(() => ensureIndexes(t.db));

  it('inserts new machines with their first and last sighting', async () => {
    const result = await applyPoll(deps(), cloud, [listed('a'), listed('b'), listed('a')]);
    expect(result).toEqual({ listed: 3, appeared: 2, disappeared: 0, returned: 0, stateChanged: 0 });
    expect(await machine('a')).toMatchObject({
      firstSeenAt: clock,
      lastSeenAt: clock,
      missingSince: null,
      tags: [{ k: 'env', v: 'prod' }],
    });
  });

  it('leaves an unchanged machine alone but for its last sighting', async () => {
    const before = await machine('a');
    const at = later();
    const result = await applyPoll(deps(), cloud, [listed('a'), listed('b')]);
    expect(result).toMatchObject({ appeared: 0, stateChanged: 0 });
    const after = await machine('a');
    expect(after).toEqual({ ...before, lastSeenAt: at });
  });

  it('updates only what changed, and audits state changes', async () => {
    const at = later();
    const result = await applyPoll(deps(), cloud, [
      listed('a', { state: 'stopped' }),
      listed('b', { tags: { env: 'dev' } }),
    ]);
    expect(result.stateChanged).toBe(1);
    expect(await machine('a')).toMatchObject({
      state: 'stopped',
      actions: { start: true, stop: false },
      updatedAt: at,
    });
    expect(await machine('b')).toMatchObject({ tags: [{ k: 'env', v: 'dev' }], updatedAt: at });
    const events = await t.db.collection<AnyDoc>('audit').find({ action: 'machine.state_changed' }).toArray();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ details: { from: 'running', to: 'stopped' } });
  });

  it('marks a machine missing when it is no longer listed, and clears that when it is back', async () => {
    const gone = later();
    expect((await applyPoll(deps(), cloud, [listed('a', { state: 'stopped' })])).disappeared).toBe(1);
    expect(await machine('b')).toMatchObject({ missingSince: gone });
    later();
    expect((await applyPoll(deps(), cloud, [listed('a', { state: 'stopped' })])).disappeared).toBe(0);
    const back = later();
    const result = await applyPoll(deps(), cloud, [
      listed('a', { state: 'stopped' }),
      listed('b', { tags: { env: 'dev' } }),
    ]);
    expect(result.returned).toBe(1);
    expect(await machine('b')).toMatchObject({ missingSince: null, lastSeenAt: back });
  });

  it('adopts a machine another path (a create job) inserted, keeping its id', async () => {
    await t.db.collection<AnyDoc>('machines').insertOne({
      _id: 'mch_createdbyjob00',
      orgId: cloud.orgId,
      cloudId: cloud._id,
      externalId: 'c',
      name: 'c',
      tags: [],
    });
    await applyPoll(deps(), cloud, [
      listed('a', { state: 'stopped' }),
      listed('b', { tags: { env: 'dev' } }),
      listed('c'),
    ]);
    expect(await t.db.collection<AnyDoc>('machines').countDocuments({ externalId: 'c' })).toBe(1);
    expect(await machine('c')).toMatchObject({ _id: 'mch_createdbyjob00', state: 'running' });
  });
});
