import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { JobDoc } from '../../lib/db/documents.js';
import type { MessageQueue } from '../../lib/messages/queue.js';
import { claimDueSchedules, recordScheduleJobResult } from '../../lib/schedules/runs.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const START = new Date('2026-05-04T10:00:00Z');
const MINUTE = 60_000;

describe('schedule runs', () => {
  const t = useTestDatabase('schedruns');
  let clock = START;
  const now = () => clock;
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

  // The real worker: a schedule's machine.action job reports its outcome to its run when it ends.
  const jobs = testJobs(() => t.db, now);
  const queue = jobs.queue;
  const deps = jobs.deps;
  const api = testApi(() => t.db, now, queue);
  const request = api.request;

  let owner: string;
  let cloudId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    const res = await request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'fleet', settings: { machines: 40, seed: 9, transitionMs: 0 } },
    });
    cloudId = res.body.cloud.id;
    await queue.drain();
  });

  const post = (path: string, body?: unknown) =>
    request('POST', path, { token: owner, ...(body !== undefined ? { body } : {}) });
  const get = (path: string) => request('GET', path, { token: owner });
  const tick = () => claimDueSchedules(deps());

  let seq = 0;
  async function createSchedule(over: Record<string, unknown> = {}) {
    const res = await post('/v1/schedules', {
      name: `run-${++seq}`,
      conditions: { ids: ['mch_none'] },
      action: { type: 'machine.action', action: 'reboot' },
      when: { kind: 'interval', every: { value: 5, unit: 'minutes' } },
      ...over,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; nextRunAt: string | null };
  }

  const runsOf = (scheduleId: string) =>
    t.db.collection<AnyDoc>('schedule_runs').find({ scheduleId }).sort({ at: 1 }).toArray();
  const scheduleDoc = (id: string) => t.db.collection<AnyDoc>('schedules').findOne({ _id: id });

  it('runs nothing before a schedule is due, and each due occurrence once', async () => {
    const s = await createSchedule();
    expect(await tick()).toBe(0);
    advance(5 * MINUTE);
    expect(await tick()).toBe(1);
    expect(await tick()).toBe(0);
    expect(await scheduleDoc(s.id)).toMatchObject({
      runCount: 1,
      lastRunAt: clock,
      nextRunAt: new Date(clock.getTime() + 5 * MINUTE),
    });
    expect(await runsOf(s.id)).toHaveLength(1);
    await t.db.collection('schedules').updateOne({ _id: s.id as never }, { $set: { enabled: false } });
  });

  it('runs each occurrence once when ten ticks claim concurrently', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await createSchedule({ runImmediately: true })).id);
    const counts = await Promise.all(Array.from({ length: 10 }, () => tick()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5);
    for (const id of ids) {
      expect(await runsOf(id)).toHaveLength(1);
      expect((await scheduleDoc(id))!.runCount).toBe(1);
    }
    const audit = await t.db.collection<AnyDoc>('audit').countDocuments({
      action: 'schedule.run',
      'resource.id': { $in: ids },
    });
    expect(audit).toBe(5);
    await t.db
      .collection('schedules')
      .updateMany({ _id: { $in: ids as never[] } }, { $set: { enabled: false } });
  });

  it('runs once after downtime of many periods, and plans the next run from now', async () => {
    const s = await createSchedule({ when: { kind: 'cron', expression: '* * * * *' } });
    advance(3 * 60 * MINUTE + 30_000);
    expect(await tick()).toBe(1);
    expect(await tick()).toBe(0);
    expect(await runsOf(s.id)).toHaveLength(1);
    const doc = await scheduleDoc(s.id);
    expect(doc!.nextRunAt.getTime()).toBe(Math.ceil(clock.getTime() / MINUTE) * MINUTE);
    await t.db.collection('schedules').updateOne({ _id: s.id as never }, { $set: { enabled: false } });
  });

  it('stops after its max run count and shows why it is inactive', async () => {
    const s = await createSchedule({ maxRunCount: 2, runImmediately: true });
    expect(await tick()).toBe(1);
    advance(5 * MINUTE);
    expect(await tick()).toBe(1);
    advance(5 * MINUTE);
    expect(await tick()).toBe(0);
    expect((await get(`/v1/schedules/${s.id}`)).body).toMatchObject({
      runCount: 2,
      nextRunAt: null,
      active: false,
      inactiveReason: 'max_run_count_reached',
    });
  });

  it('runs a once schedule once, then has no next run', async () => {
    const s = await createSchedule({
      when: { kind: 'once', at: new Date(clock.getTime() + MINUTE).toISOString() },
    });
    advance(2 * MINUTE);
    expect(await tick()).toBe(1);
    advance(60 * MINUTE);
    expect(await tick()).toBe(0);
    expect((await get(`/v1/schedules/${s.id}`)).body).toMatchObject({
      runCount: 1,
      nextRunAt: null,
      inactiveReason: 'no_next_run',
    });
  });

  it('does not run an occurrence found due only after the schedule expired', async () => {
    const s = await createSchedule({ expiresAt: new Date(clock.getTime() + 7 * MINUTE).toISOString() });
    expect(s.nextRunAt).not.toBeNull();
    advance(10 * MINUTE);
    expect(await tick()).toBe(0);
    expect(await runsOf(s.id)).toHaveLength(0);
    expect((await get(`/v1/schedules/${s.id}`)).body).toMatchObject({
      nextRunAt: null,
      inactiveReason: 'expired',
    });
  });

  it('never runs a disabled schedule', async () => {
    const s = await createSchedule({ enabled: false, runImmediately: true });
    advance(60 * MINUTE);
    expect(await tick()).toBe(0);
    expect(await runsOf(s.id)).toHaveLength(0);
  });

  it('resolves the conditions to the right machines and queues one job per machine', async () => {
    const conditions = {
      all: [{ field: 'state', op: 'eq', value: 'running' }, { tags: { include: ['env=prod'] } }],
    };
    const expected = (
      await get(`/v1/machines?cloud=${cloudId}&state=running&tag=env=prod&limit=500`)
    ).body.items
      .map((m: { id: string }) => m.id)
      .sort();
    expect(expected.length).toBeGreaterThan(1);
    const s = await createSchedule({ conditions, runImmediately: true });
    expect(await tick()).toBe(1);
    const [run] = await runsOf(s.id);
    expect(run).toMatchObject({
      matched: expected.length,
      queued: expected.length,
      skipped: 0,
      truncated: false,
    });
    expect(run!.machines.map((m: { machineId: string }) => m.machineId).sort()).toEqual(expected);
    const jobs = await t.db.collection<AnyDoc>('jobs').find({ 'input.runId': run!._id }).toArray();
    expect(jobs).toHaveLength(expected.length);
    for (const job of jobs) {
      expect(job).toMatchObject({
        type: 'machine.action',
        orgId: run!.orgId,
        input: { action: 'reboot', scheduleId: s.id, runId: run!._id },
        actor: { type: 'system', id: `system:schedule:${s.id}` },
      });
      const entry = run!.machines.find((m: { machineId: string }) => m.machineId === job.input.machineId);
      expect(entry.jobId).toBe(job._id);
    }
    await queue.drain();
    await t.db.collection('schedules').updateOne({ _id: s.id as never }, { $set: { enabled: false } });
  });

  it('records the machines whose flags forbid the action as skipped, with the reason, and queues nothing for them', async () => {
    await post(`/v1/clouds/${cloudId}/poll`);
    await queue.drain();
    const all = (await get(`/v1/machines?cloud=${cloudId}&limit=500`)).body.items as Array<{
      id: string;
      actions: { start: boolean };
    }>;
    const startable = all.filter((m) => m.actions.start).map((m) => m.id);
    expect(startable.length).toBeGreaterThan(0);
    expect(startable.length).toBeLessThan(all.length);
    const s = await createSchedule({
      conditions: { tags: { include: ['team'] } },
      action: { type: 'machine.action', action: 'start' },
      runImmediately: true,
    });
    expect(await tick()).toBe(1);
    const [run] = await runsOf(s.id);
    expect(run).toMatchObject({
      matched: all.length,
      queued: startable.length,
      skipped: all.length - startable.length,
    });
    for (const entry of run!.machines) {
      if (startable.includes(entry.machineId)) expect(entry).toMatchObject({ status: 'queued' });
      else
        expect(entry).toMatchObject({
          status: 'skipped',
          jobId: null,
          reason: expect.stringMatching(/Cannot start/),
        });
    }
    expect(await t.db.collection<AnyDoc>('jobs').countDocuments({ 'input.runId': run!._id })).toBe(
      startable.length,
    );
    const audit = await t.db
      .collection<AnyDoc>('audit')
      .findOne({ action: 'schedule.run', 'resource.id': s.id });
    expect(audit).toMatchObject({
      result: 'success',
      actor: { type: 'system' },
      details: { runId: run!._id, matched: all.length, queued: startable.length },
    });
    await queue.drain();
    await t.db.collection('schedules').updateOne({ _id: s.id as never }, { $set: { enabled: false } });
  });

  it('lists runs newest first with the per-machine result once the jobs ran, failures with their error', async () => {
    const running = (await get(`/v1/machines?cloud=${cloudId}&state=running&limit=2`)).body.items as Array<{
      id: string;
    }>;
    const s = await createSchedule({
      conditions: { ids: running.map((m) => m.id) },
      action: { type: 'machine.action', action: 'reboot' },
      runImmediately: true,
      when: { kind: 'interval', every: { value: 1, unit: 'hours' } },
    });
    expect(await tick()).toBe(1);
    await queue.drain();
    // The reboots settle (a poll sees them running again).
    await post(`/v1/clouds/${cloudId}/poll`);
    await queue.drain();

    // The provider refuses the second run: its jobs fail for good.
    await t.db
      .collection<AnyDoc>('clouds')
      .updateOne({ _id: cloudId }, { $set: { 'settings.faults.auth': true } });
    try {
      advance(60 * MINUTE);
      expect(await tick()).toBe(1);
      await queue.drain();
    } finally {
      await t.db
        .collection<AnyDoc>('clouds')
        .updateOne({ _id: cloudId }, { $set: { 'settings.faults.auth': false } });
    }

    const res = await get(`/v1/schedules/${s.id}/runs`);
    expect(res.status).toBe(200);
    const [second, first] = res.body.items;
    expect(res.body.nextCursor).toBeNull();
    expect(new Date(second.at).getTime()).toBeGreaterThan(new Date(first.at).getTime());
    expect(first).toMatchObject({ matched: 2, queued: 2, succeeded: 2, failed: 0, dryRun: false });
    expect(
      first.machines.every((m: { status: string; jobId: string }) => m.status === 'succeeded' && m.jobId),
    ).toBe(true);
    expect(second).toMatchObject({ matched: 2, succeeded: 0, failed: 2 });
    for (const m of second.machines) {
      expect(m).toMatchObject({ status: 'failed', error: { code: 'provider_auth_failed' } });
    }
    const one = await get(`/v1/schedules/${s.id}/runs/${first.id}`);
    expect(one.body).toEqual(first);
    const page = await get(`/v1/schedules/${s.id}/runs?limit=1`);
    expect(page.body.items[0].id).toBe(second.id);
    expect(
      (await get(`/v1/schedules/${s.id}/runs?limit=1&cursor=${page.body.nextCursor}`)).body.items[0].id,
    ).toBe(first.id);
  });

  it('records a job outcome once, and ignores jobs that are not a schedule run', async () => {
    const s = await createSchedule({
      conditions: {
        ids: [(await get(`/v1/machines?cloud=${cloudId}&state=running&limit=1`)).body.items[0].id],
      },
      runImmediately: true,
    });
    // No worker: the outcome is reported by hand.
    const idle: MessageQueue = { send: async () => {}, sendBatch: async () => {} };
    expect(await claimDueSchedules({ db: t.db, now, queue: idle })).toBe(1);
    const [run] = await runsOf(s.id);
    const job = await t.db.collection<JobDoc>('jobs').findOne({ 'input.runId': run!._id });
    expect(await recordScheduleJobResult(deps(), job!, { status: 'failed', error: 'boom' })).toBe(true);
    expect(await recordScheduleJobResult(deps(), job!, { status: 'succeeded' })).toBe(false);
    expect((await runsOf(s.id))[0]!.machines[0]).toMatchObject({
      status: 'failed',
      error: { code: 'job_failed', message: 'boom' },
    });
    expect(
      await recordScheduleJobResult(deps(), { ...job!, input: { machineId: 'x' } }, { status: 'succeeded' }),
    ).toBe(false);
  });

  it('records a run whose jobs could not be queued as failed, and audits the failure', async () => {
    const machineId = (await get(`/v1/machines?cloud=${cloudId}&state=running&limit=1`)).body.items[0].id;
    const s = await createSchedule({ conditions: { ids: [machineId] }, runImmediately: true });
    const broken: MessageQueue = {
      send: async () => {
        throw new Error('queue down');
      },
      sendBatch: async () => {
        throw new Error('queue down');
      },
    };
    expect(await claimDueSchedules({ db: t.db, now, queue: broken })).toBe(1);
    const [run] = await runsOf(s.id);
    expect(run).toMatchObject({
      error: { code: 'enqueue_failed' },
      machines: [{ machineId, status: 'failed', error: { code: 'enqueue_failed' } }],
    });
    const audit = await t.db
      .collection<AnyDoc>('audit')
      .findOne({ action: 'schedule.run', 'resource.id': s.id });
    expect(audit).toMatchObject({ result: 'failure', details: { error: { code: 'enqueue_failed' } } });
    // The occurrence is consumed: the next tick does not retry it.
    expect(await claimDueSchedules({ db: t.db, now, queue: broken })).toBe(0);
  });

  it("fails a script schedule's script runs too when their jobs could not be queued", async () => {
    const machineId = (await get(`/v1/machines?cloud=${cloudId}&state=running&limit=1`)).body.items[0].id;
    const script = await post('/v1/scripts', {
      name: `hello-${++seq}`,
      kind: 'executable',
      source: { type: 'inline', content: '#!/bin/sh\necho hello\n' },
    });
    expect(script.status).toBe(201);
    const s = await createSchedule({
      conditions: { ids: [machineId] },
      action: { type: 'script.run', scriptId: script.body.id, params: [] },
      runImmediately: true,
    });
    const broken: MessageQueue = {
      send: async () => {
        throw new Error('queue down');
      },
      sendBatch: async () => {
        throw new Error('queue down');
      },
    };
    expect(await claimDueSchedules({ db: t.db, now, queue: broken })).toBe(1);
    const scriptRuns = await t.db.collection<AnyDoc>('script_runs').find({ scheduleId: s.id }).toArray();
    expect(scriptRuns).toHaveLength(1);
    expect(scriptRuns[0]).toMatchObject({ status: 'failed', error: { code: 'enqueue_failed' } });
  });

  it('removes the run history with the schedule', async () => {
    const s = await createSchedule({ runImmediately: true });
    expect(await tick()).toBe(1);
    expect(await runsOf(s.id)).toHaveLength(1);
    expect((await request('DELETE', `/v1/schedules/${s.id}`, { token: owner })).status).toBe(204);
    expect(await runsOf(s.id)).toHaveLength(0);
  });
});
