/**
 * What tells of what: each part of Nimbo records its events in the outbox (the `events` collection, which
 * webhooks and the EventBridge bus are fed from), checked against the published schema on the way in.
 * The real worker runs the jobs; the clock is the test's.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc } from '../../lib/db/documents.js';
import { applyPoll } from '../../lib/inventory/machines.js';
import { enqueueJobs } from '../../lib/jobs/jobs.js';
import { NimboEvent } from '../../lib/model/events/event.js';
import type { ProviderMachine } from '../../lib/providers/compute.js';
import { claimDueSchedules } from '../../lib/schedules/runs.js';
import { announceUpcomingRuns, isUpcomingDue } from '../../lib/schedules/upcoming.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const MINUTE = 60_000;

describe('the events Nimbo records', () => {
  const t = useTestDatabase('events_emitted');
  let clock = new Date('2026-12-04T09:00:00Z');
  const now = () => clock;
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const jobs = testJobs(() => t.db, now);
  const api = testApi(() => t.db, now, jobs.queue);
  let owner: string;
  let orgId: string;
  let cloudId: string;

  const get = (path: string) => api.request('GET', path, { token: owner });
  const post = (path: string, body?: unknown) =>
    api.request('POST', path, { token: owner, ...(body !== undefined ? { body } : {}) });
  const told = (type: string, filter: Record<string, unknown> = {}) =>
    t.db
      .collection<AnyDoc>('events')
      .find({ type, ...filter })
      .sort({ timestamp: 1 })
      .toArray();

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    const res = await post('/v1/clouds', {
      provider: 'sim',
      name: 'fleet',
      settings: { machines: 6, seed: 3, transitionMs: 0 },
    });
    expect(res.status).toBe(201);
    cloudId = res.body.cloud.id;
    await jobs.drain();
  });
  beforeEach(() => advance(MINUTE));

  it('records only events that match the published schema, each naming its org', async () => {
    const all = await t.db.collection<AnyDoc>('events').find({}).toArray();
    for (const e of all) {
      expect(
        NimboEvent.safeParse({ id: e._id, version: 1, ...e, timestamp: e.timestamp.toISOString() }),
      ).toMatchObject({ success: true });
    }
  });

  it("tells nothing of the machines a cloud's first poll imports", async () => {
    expect((await get(`/v1/machines?cloud=${cloudId}`)).body.items).toHaveLength(6);
    expect(await told('machine.created')).toEqual([]);
  });

  it('tells of a stopped machine as a state change from running, naming it', async () => {
    const [machine] = (await get(`/v1/machines?cloud=${cloudId}&state=running&limit=1`)).body.items;
    expect((await post(`/v1/machines/${machine.id}/actions/stop`)).status).toBe(202);
    await jobs.drain();
    const [event] = await told('machine.state_changed', { 'data.machineId': machine.id });
    expect(event).toMatchObject({
      orgId,
      timestamp: clock,
      data: {
        machineId: machine.id,
        cloudId,
        provider: 'sim',
        externalId: machine.externalId,
        name: machine.name,
        region: machine.region,
        from: 'running',
        to: 'stopping',
      },
    });
  });

  it('tells of a machine a later poll finds, of its state changes and of one that went missing', async () => {
    const cloud = {
      _id: 'cld_eventsinv00000',
      orgId,
      provider: 'sim',
      name: 'poll',
      lastPollAt: null,
    } as unknown as CloudDoc;
    const listed = (id: string, state: ProviderMachine['state'] = 'running'): ProviderMachine => ({
      externalId: id,
      name: id,
      state,
      region: 'sim-east-1',
      publicIps: [],
      privateIps: [],
      tags: {},
    });
    await applyPoll(jobs.deps(), cloud, [listed('ev-a'), listed('ev-b')]);
    expect(await told('machine.created', { 'data.cloudId': cloud._id })).toEqual([]);
    const firstSeen = clock;

    advance(MINUTE);
    await applyPoll(jobs.deps(), { ...cloud, lastPollAt: firstSeen }, [
      listed('ev-a', 'stopped'),
      listed('ev-c'),
    ]);
    const scope = { 'data.cloudId': cloud._id };
    expect((await told('machine.created', scope)).map((e) => e.data)).toEqual([
      expect.objectContaining({ externalId: 'ev-c', state: 'running', region: 'sim-east-1' }),
    ]);
    expect((await told('machine.state_changed', scope)).map((e) => e.data)).toEqual([
      expect.objectContaining({ externalId: 'ev-a', from: 'running', to: 'stopped' }),
    ]);
    expect((await told('machine.missing', scope)).map((e) => e.data)).toEqual([
      expect.objectContaining({ externalId: 'ev-b', lastSeenAt: firstSeen.toISOString() }),
    ]);
  });

  it('tells of a job that failed for good, with its error, but not of a retry', async () => {
    const [job] = await enqueueJobs(jobs.deps(), { type: 'system', orgId, name: 'test' }, [
      {
        type: 'machine.action',
        resource: { type: 'machine', id: 'mch_nosuchmachine0' },
        input: { machineId: 'mch_nosuchmachine0', action: 'stop' },
      },
    ]);
    await jobs.drain();
    expect(await told('job.failed', { 'data.jobId': job!._id })).toEqual([
      expect.objectContaining({
        orgId,
        data: {
          jobId: job!._id,
          jobType: 'machine.action',
          resource: { type: 'machine', id: 'mch_nosuchmachine0' },
          attempts: 1,
          error: { code: 'not_found', message: expect.stringContaining('mch_nosuchmachine0') },
        },
      }),
    ]);
  });

  it("tells of a schedule run once all its jobs ended, with each machine's outcome", async () => {
    const fleet = (await get(`/v1/machines?cloud=${cloudId}`)).body.items;
    const rebootable = fleet.filter((m: { actions: { reboot: boolean } }) => m.actions.reboot).length;
    expect(rebootable).toBeGreaterThan(0);
    expect(rebootable).toBeLessThan(6);
    const res = await post('/v1/schedules', {
      name: 'reboot-fleet',
      conditions: { field: 'cloud', op: 'eq', value: cloudId },
      action: { type: 'machine.action', action: 'reboot' },
      when: { kind: 'interval', every: { value: 1, unit: 'hours' } },
      runImmediately: true,
    });
    expect(res.status).toBe(201);
    expect(await claimDueSchedules(jobs.deps())).toBe(1);
    expect(await told('schedule.run.completed', { 'data.scheduleId': res.body.id })).toEqual([]);
    await jobs.drain();
    const [done, ...more] = await told('schedule.run.completed', { 'data.scheduleId': res.body.id });
    expect(more).toEqual([]);
    const { counts, results } = done!.data;
    // Reboot skips the machines not running (one was stopped above); the others rebooted.
    expect(counts).toEqual({ succeeded: rebootable, failed: 0, skipped: 6 - rebootable });
    expect(results).toHaveLength(6);
    expect(results[0]).toMatchObject({ status: 'skipped', jobId: null });
    expect(done!.data).toMatchObject({ name: 'reboot-fleet', action: 'reboot', resultsTruncated: false });
    const run = (await get(`/v1/schedules/${res.body.id}/runs`)).body.items[0];
    expect(run.completedAt).toBe(clock.toISOString());
  });

  it('tells of a schedule run with nothing to wait for at once', async () => {
    const res = await post('/v1/schedules', {
      name: 'nothing',
      conditions: { ids: ['mch_none'] },
      action: { type: 'machine.action', action: 'stop' },
      when: { kind: 'once', at: new Date(clock.getTime() + MINUTE).toISOString() },
    });
    advance(MINUTE);
    await claimDueSchedules(jobs.deps());
    const [done] = await told('schedule.run.completed', { 'data.scheduleId': res.body.id });
    expect(done!.data).toMatchObject({ counts: { succeeded: 0, failed: 0, skipped: 0 }, results: [] });
  });

  it('announces a run notifyBeforeMinutes ahead, once, naming the machines it would act on', async () => {
    const runAt = new Date(clock.getTime() + 60 * MINUTE);
    const res = await post('/v1/schedules', {
      name: 'nightly-stop',
      conditions: { field: 'state', op: 'eq', value: 'running' },
      action: { type: 'machine.action', action: 'stop' },
      when: { kind: 'once', at: runAt.toISOString() },
      notifyBeforeMinutes: 15,
    });
    expect(res.status).toBe(201);
    expect(res.body.notifyBeforeMinutes).toBe(15);
    const scope = { 'data.scheduleId': res.body.id };

    advance(44 * MINUTE);
    expect(await announceUpcomingRuns(jobs.deps())).toBe(0);
    advance(MINUTE);
    expect(await announceUpcomingRuns(jobs.deps())).toBe(1);
    expect(await announceUpcomingRuns(jobs.deps())).toBe(0);
    const [upcoming, ...more] = await told('schedule.upcoming', scope);
    expect(more).toEqual([]);
    expect(upcoming!.data).toMatchObject({
      name: 'nightly-stop',
      action: 'stop',
      runAt: runAt.toISOString(),
      minutesBefore: 15,
      machinesTruncated: false,
    });
    const running = (await get('/v1/machines?state=running&limit=100')).body.items;
    expect(upcoming!.data.machines.map((m: { machineId: string }) => m.machineId).sort()).toEqual(
      running.map((m: { id: string }) => m.id).sort(),
    );
  });

  it('answers 422 for a notifyBeforeMinutes over a day, and writes nothing', async () => {
    const res = await post('/v1/schedules', {
      name: 'too-early',
      conditions: { ids: ['mch_none'] },
      action: { type: 'machine.action', action: 'stop' },
      when: { kind: 'interval', every: { value: 1, unit: 'days' } },
      notifyBeforeMinutes: 1441,
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'notifyBeforeMinutes' })]);
    expect(await t.db.collection('schedules').countDocuments({ name: 'too-early' })).toBe(0);
  });

  it('tells of a failed poll and of a cloud disabled by an operator', async () => {
    const res = await post('/v1/clouds', { provider: 'sim', name: 'flaky', settings: { machines: 1 } });
    const flaky = res.body.cloud.id;
    await jobs.drain();
    await t.db
      .collection<AnyDoc>('clouds')
      .updateOne({ _id: flaky }, { $set: { 'settings.faults.auth': true } });
    expect((await post(`/v1/clouds/${flaky}/poll`)).status).toBe(202);
    await jobs.drain();
    expect(await told('cloud.poll_failed', { 'data.cloudId': flaky })).toEqual([
      expect.objectContaining({
        data: {
          cloudId: flaky,
          name: 'flaky',
          provider: 'sim',
          consecutiveFailures: 1,
          error: {
            code: 'provider_auth_failed',
            message: expect.stringContaining('credentials were rejected'),
          },
        },
      }),
    ]);

    const off = await api.request('PATCH', `/v1/clouds/${flaky}`, { token: owner, body: { enabled: false } });
    expect(off.status).toBe(200);
    const [disabled] = await told('cloud.disabled', { 'data.cloudId': flaky });
    expect(disabled!.data).toMatchObject({ name: 'flaky', reason: expect.stringMatching(/^disabled by /) });
  });
});

describe('when a run is announced', () => {
  const at = new Date('2026-12-04T12:00:00Z');
  const schedule = { enabled: true, nextRunAt: at, notifyBeforeMinutes: 10, announcedRunAt: null };

  it('is due from the lead time until the run, not before, not after', () => {
    expect(isUpcomingDue(schedule, new Date('2026-12-04T11:49:59Z'))).toBe(false);
    expect(isUpcomingDue(schedule, new Date('2026-12-04T11:50:00Z'))).toBe(true);
    expect(isUpcomingDue(schedule, new Date('2026-12-04T11:59:59Z'))).toBe(true);
    expect(isUpcomingDue(schedule, at)).toBe(false);
  });

  it('is not due again for the occurrence it announced, nor for a disabled or silent schedule', () => {
    const t = new Date('2026-12-04T11:55:00Z');
    expect(isUpcomingDue({ ...schedule, announcedRunAt: new Date(at) }, t)).toBe(false);
    expect(isUpcomingDue({ ...schedule, enabled: false }, t)).toBe(false);
    expect(isUpcomingDue({ ...schedule, notifyBeforeMinutes: null }, t)).toBe(false);
  });
});
