import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('schedules API', () => {
  const t = useTestDatabase('schedapi');
  let clock = new Date('2026-05-04T10:07:30Z');
  const now = () => clock;
  const jobs = testJobs(() => t.db, now);
  const request = testApi(() => t.db, now, jobs.queue).request;

  let owner: string;
  let viewer: string;
  let stranger: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    ({ token: stranger } = await createTestOrg(t.db));
    viewer = (await request('POST', '/v1/tokens', { token: owner, body: { name: 'v', role: 'viewer' } })).body
      .token;
    await request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'fleet', settings: { machines: 30, seed: 4, transitionMs: 0 } },
    });
    await jobs.drain();
  });

  const post = (path: string, body?: unknown, token = owner) =>
    request('POST', path, { token, ...(body !== undefined ? { body } : {}) });
  const get = (path: string, token = owner) => request('GET', path, { token });
  const patch = (path: string, body: unknown, token = owner) => request('PATCH', path, { token, body });
  const del = (path: string, token = owner) => request('DELETE', path, { token });

  let seq = 0;
  const schedule = (over: Record<string, unknown> = {}) => ({
    name: `schedule-${++seq}`,
    conditions: { tags: { include: ['env=dev'] } },
    action: { type: 'machine.action', action: 'stop' },
    when: { kind: 'cron', expression: '0 22 * * *', timeZone: 'Europe/Berlin' },
    ...over,
  });

  it('creates a cron schedule, active, with its next run in its time zone, and audits it', async () => {
    const res = await post('/v1/schedules', schedule({ name: 'nightly stop', description: 'dev boxes off' }));
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/schedules/${res.body.id}`);
    expect(res.body).toMatchObject({
      name: 'nightly stop',
      description: 'dev boxes off',
      enabled: true,
      when: { kind: 'cron', expression: '0 22 * * *', timeZone: 'Europe/Berlin' },
      runCount: 0,
      lastRunAt: null,
      nextRunAt: '2026-05-04T20:00:00.000Z',
      active: true,
      inactiveReason: null,
      runImmediately: false,
    });
    const audit = await get(`/v1/audit?resourceId=${res.body.id}&action=schedule.create`);
    expect(audit.body.items).toHaveLength(1);
  });

  it('anchors an interval at creation, or at startAfter, and runs immediately when asked', async () => {
    const every = { kind: 'interval', every: { value: 2, unit: 'hours' } };
    expect((await post('/v1/schedules', schedule({ when: every }))).body.nextRunAt).toBe(
      '2026-05-04T12:07:30.000Z',
    );
    const later = await post('/v1/schedules', schedule({ when: every, startAfter: '2026-05-06T08:00:00Z' }));
    expect(later.body).toMatchObject({
      nextRunAt: '2026-05-06T08:00:00.000Z',
      active: false,
      inactiveReason: 'not_started',
    });
    const now = await post('/v1/schedules', schedule({ when: every, runImmediately: true }));
    expect(now.body.nextRunAt).toBe('2026-05-04T10:07:30.000Z');
  });

  it('shows a past once schedule with no next run as inactive, and why', async () => {
    const res = await post('/v1/schedules', schedule({ when: { kind: 'once', at: '2026-05-01T00:00:00Z' } }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ nextRunAt: null, active: false, inactiveReason: 'no_next_run' });
  });

  it('answers 422 naming the cron field, the time zone, or an expression that never matches', async () => {
    const bad = await post('/v1/schedules', schedule({ when: { kind: 'cron', expression: '61 * * * *' } }));
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toContain('when.expression: cron field "minute": 61 is out of range 0-59');
    const fields = await post('/v1/schedules', schedule({ when: { kind: 'cron', expression: '0 1 * *' } }));
    expect(fields.status).toBe(422);
    expect(fields.body.detail).toContain('cron expression must have 5 fields');
    const tz = await post(
      '/v1/schedules',
      schedule({ when: { kind: 'cron', expression: '0 1 * * *', timeZone: 'Europe/Atlantis' } }),
    );
    expect(tz.status).toBe(422);
    expect(tz.body.detail).toContain('when.timeZone: unknown time zone "Europe/Atlantis"');
    const never = await post('/v1/schedules', schedule({ when: { kind: 'cron', expression: '0 0 31 2 *' } }));
    expect(never.status).toBe(422);
    expect(never.body.detail).toContain('never matches');
  });

  it('answers 422 for bad conditions, an action without its parameter, or an inverted window', async () => {
    const cond = await post(
      '/v1/schedules',
      schedule({ conditions: { field: 'colour', op: 'eq', value: 1 } }),
    );
    expect(cond.status).toBe(422);
    expect(cond.body.detail).toContain('conditions.field');
    const resize = await post(
      '/v1/schedules',
      schedule({ action: { type: 'machine.action', action: 'resize' } }),
    );
    expect(resize.status).toBe(422);
    expect(resize.body.detail).toContain('resize needs "size"');
    const window = await post(
      '/v1/schedules',
      schedule({ startAfter: '2026-06-01T00:00:00Z', expiresAt: '2026-05-01T00:00:00Z' }),
    );
    expect(window.status).toBe(422);
    expect(window.body.detail).toContain('expiresAt must be after startAfter');
    const extra = await post('/v1/schedules', { ...schedule(), colour: 'blue' });
    expect(extra.status).toBe(422);
    expect(await t.db.collection('schedules').countDocuments({ name: { $regex: /colour/ } })).toBe(0);
  });

  it('answers 409 for a name already taken in the org, on create and on rename; other orgs may reuse it', async () => {
    const first = await post('/v1/schedules', schedule({ name: 'unique-name' }));
    expect(first.status).toBe(201);
    const dup = await post('/v1/schedules', schedule({ name: 'unique-name' }));
    expect(dup.status).toBe(409);
    const other = await post('/v1/schedules', schedule({ name: 'other-name' }));
    expect((await patch(`/v1/schedules/${other.body.id}`, { name: 'unique-name' })).status).toBe(409);
    expect((await post('/v1/schedules', schedule({ name: 'unique-name' }), stranger)).status).toBe(201);
  });

  it('lists schedules by name with search, filter and pages, and shows one', async () => {
    await post('/v1/schedules', schedule({ name: 'zz-list-a' }));
    await post('/v1/schedules', schedule({ name: 'zz-list-b', enabled: false }));
    await post('/v1/schedules', schedule({ name: 'zz-list-c' }));
    const found = await get('/v1/schedules?q=ZZ-LIST&limit=2');
    expect(found.body.items.map((s: { name: string }) => s.name)).toEqual(['zz-list-a', 'zz-list-b']);
    const rest = await get(`/v1/schedules?q=zz-list&limit=2&cursor=${found.body.nextCursor}`);
    expect(rest.body).toMatchObject({ items: [{ name: 'zz-list-c' }], nextCursor: null });
    const disabled = await get('/v1/schedules?q=zz-list&enabled=false');
    expect(disabled.body.items).toEqual([
      expect.objectContaining({
        name: 'zz-list-b',
        active: false,
        inactiveReason: 'disabled',
        nextRunAt: null,
      }),
    ]);
    const one = await get(`/v1/schedules/${found.body.items[0].id}`, viewer);
    expect(one.status).toBe(200);
    expect(one.body.name).toBe('zz-list-a');
    expect((await get('/v1/schedules?sort=colour')).status).toBe(400);
    expect((await get('/v1/schedules/sch_nope')).status).toBe(400);
  });

  it('lets a viewer read but not write', async () => {
    expect((await get('/v1/schedules', viewer)).status).toBe(200);
    const created = await post('/v1/schedules', schedule(), viewer);
    expect(created.status).toBe(403);
    const mine = await post('/v1/schedules', schedule());
    expect((await patch(`/v1/schedules/${mine.body.id}`, { enabled: false }, viewer)).status).toBe(403);
    expect((await del(`/v1/schedules/${mine.body.id}`, viewer)).status).toBe(403);
    expect((await post(`/v1/schedules/${mine.body.id}/dry-run`, undefined, viewer)).status).toBe(403);
    expect((await get(`/v1/schedules/${mine.body.id}/runs`, viewer)).status).toBe(200);
  });

  it("answers 404 for another org's schedule, whatever the operation", async () => {
    const mine = await post('/v1/schedules', schedule());
    const path = `/v1/schedules/${mine.body.id}`;
    expect((await get(path, stranger)).status).toBe(404);
    expect((await patch(path, { enabled: false }, stranger)).status).toBe(404);
    expect((await del(path, stranger)).status).toBe(404);
    expect((await post(`${path}/dry-run`, undefined, stranger)).status).toBe(404);
    expect((await get(`${path}/runs`, stranger)).status).toBe(404);
    expect((await get(path)).body.enabled).toBe(true);
    expect(
      (await get('/v1/schedules?limit=500', stranger)).body.items.map((s: { id: string }) => s.id),
    ).not.toContain(mine.body.id);
  });

  it('recomputes the next run when the timing changes, and keeps it when only the target changes', async () => {
    const created = await post('/v1/schedules', schedule());
    const path = `/v1/schedules/${created.body.id}`;
    const retarget = await patch(path, {
      conditions: { tags: { include: ['env=prod'] } },
      description: 'prod',
    });
    expect(retarget.status).toBe(200);
    expect(retarget.body).toMatchObject({ nextRunAt: created.body.nextRunAt, description: 'prod' });
    const hourly = await patch(path, { when: { kind: 'cron', expression: '@hourly' } });
    expect(hourly.body).toMatchObject({ nextRunAt: '2026-05-04T11:00:00.000Z', when: { timeZone: 'UTC' } });
    const off = await patch(path, { enabled: false });
    expect(off.body).toMatchObject({ nextRunAt: null, active: false, inactiveReason: 'disabled' });
    clock = new Date('2026-05-04T13:30:00Z');
    try {
      const on = await patch(path, { enabled: true });
      expect(on.body).toMatchObject({ nextRunAt: '2026-05-04T14:00:00.000Z', active: true });
      const capped = await patch(path, { expiresAt: '2026-05-04T14:00:00Z' });
      expect(capped.body).toMatchObject({ nextRunAt: null, inactiveReason: 'no_next_run' });
      const uncapped = await patch(path, { expiresAt: null, description: null });
      expect(uncapped.body).toMatchObject({ expiresAt: null, description: null, active: true });
    } finally {
      clock = new Date('2026-05-04T10:07:30Z');
    }
    expect((await patch(path, {})).status).toBe(422);
    expect((await patch(path, { when: { kind: 'cron', expression: '0 0 * * MOO' } })).status).toBe(422);
    const audit = await get(`/v1/audit?resourceId=${created.body.id}&action=schedule.update`);
    expect(audit.body.items.length).toBeGreaterThanOrEqual(5);
  });

  it('deletes a schedule: it is gone, and the deletion is audited', async () => {
    const created = await post('/v1/schedules', schedule());
    const path = `/v1/schedules/${created.body.id}`;
    expect((await del(path)).status).toBe(204);
    expect((await get(path)).status).toBe(404);
    expect((await del(path)).status).toBe(404);
    const audit = await get(`/v1/audit?resourceId=${created.body.id}&action=schedule.delete`);
    expect(audit.body.items).toHaveLength(1);
  });

  it('dry-runs a schedule: the machines it would hit now, and which of them allow the action', async () => {
    const created = await post('/v1/schedules', schedule({ conditions: { tags: { include: ['team'] } } }));
    const res = await post(`/v1/schedules/${created.body.id}/dry-run?limit=100`);
    expect(res.status).toBe(200);
    const machines = await get('/v1/machines?limit=500');
    expect(res.body).toMatchObject({ dryRun: true, active: true, count: 30, action: { action: 'stop' } });
    expect(res.body.items).toHaveLength(30);
    for (const item of res.body.items) {
      const m = machines.body.items.find((x: { id: string }) => x.id === item.id);
      expect(item.allowed).toBe(m.actions.stop);
      if (!item.allowed) expect(item.reason).toMatch(/Cannot stop/);
    }
    const byState = Object.values(res.body.byState as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(byState).toBe(30);
    // Nothing was acted on.
    expect(
      await t.db.collection<AnyDoc>('schedule_runs').countDocuments({ scheduleId: created.body.id }),
    ).toBe(0);
  });

  it('documents the schedule routes in the OpenAPI document', async () => {
    const res = await request('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/schedules',
        '/v1/schedules/{id}',
        '/v1/schedules/{id}/dry-run',
        '/v1/schedules/{id}/runs',
      ]),
    );
  });
});
