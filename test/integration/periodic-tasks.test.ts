import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { acquireLease, releaseLease, withLease } from '../../lib/jobs/periodic-tasks.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('periodic task leases', () => {
  const t = useTestDatabase('leases');
  let clock = new Date('2026-11-25T12:00:00Z');
  const deps = () => ({ db: t.db, now: () => clock });

  beforeAll(() => ensureIndexes(t.db));

  it('gives the lease to exactly one of ten concurrent runs', async () => {
    const leases = await Promise.all(
      Array.from({ length: 10 }, () => acquireLease(deps(), 'task:a', 60_000)),
    );
    expect(leases.filter(Boolean)).toHaveLength(1);
  });

  it('lets another run take over only once the lease has expired', async () => {
    const first = await acquireLease(deps(), 'task:b', 60_000);
    expect(await acquireLease(deps(), 'task:b', 60_000)).toBeNull();
    clock = new Date(clock.getTime() + 60_000);
    const second = await acquireLease(deps(), 'task:b', 60_000);
    expect(second).not.toBeNull();
    // The first run, late, cannot release the lease the second one holds.
    expect(await releaseLease(deps(), first!, {})).toBe(false);
    expect(await acquireLease(deps(), 'task:b', 60_000)).toBeNull();
    expect(await releaseLease(deps(), second!, {})).toBe(true);
    expect(await acquireLease(deps(), 'task:b', 60_000)).not.toBeNull();
  });

  it('records successes and failures on the task', async () => {
    await withLease(deps(), 'task:c', 60_000, async () => 'ok');
    await expect(
      withLease(deps(), 'task:c', 60_000, async () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(
      withLease(deps(), 'task:c', 60_000, async () => Promise.reject(new Error('again'))),
    ).rejects.toThrow();
    const task = await t.db.collection<AnyDoc>('periodic_tasks').findOne({ _id: 'task:c' });
    expect(task).toMatchObject({ lockId: null, failureCount: 2, lastError: { code: 'internal_error' } });
    expect(task?.lastSucceededAt).toEqual(clock);
  });
});

describe('a cloud whose polls keep failing', () => {
  const t = useTestDatabase('backoff');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);

  it('is disabled with the reason recorded and audited, and re-enabling resets it', async () => {
    await ensureIndexes(t.db);
    const { token } = await createTestOrg(t.db);
    const res = await api.request('POST', '/v1/clouds', {
      token,
      body: { provider: 'sim', name: 'dying', settings: { machines: 2, transitionMs: 0 } },
    });
    const id = res.body.cloud.id;
    await jobs.drain();
    await t.db
      .collection<AnyDoc>('clouds')
      .updateOne(
        { _id: id },
        { $set: { 'settings.faults.auth': true, consecutiveFailures: 100, failingSince: new Date() } },
      );
    await api.request('POST', `/v1/clouds/${id}/poll`, { token });
    await jobs.drain();
    const cloud = (await api.request('GET', `/v1/clouds/${id}`, { token })).body;
    expect(cloud).toMatchObject({
      enabled: false,
      disabledReason: 'polls failed 101 times in a row',
      consecutiveFailures: 101,
    });
    const audit = await api.request('GET', `/v1/audit?resourceId=${id}&action=cloud.disabled`, { token });
    expect(audit.body.items[0]).toMatchObject({
      actor: { name: 'poller' },
      details: { reason: 'polls failed 101 times in a row' },
    });
    const enabled = await api.request('PATCH', `/v1/clouds/${id}`, { token, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
  });
});
