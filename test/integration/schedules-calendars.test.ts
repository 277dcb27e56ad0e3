/**
 * Calendars, exceptions, windows, overrides and postpone, through the API and the tick, on the real
 * embedded database with a fake clock (Friday 2026-03-27, two days before Berlin springs forward). An
 * .ics feed is served by a local HTTP server on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshDueCalendars } from '../../lib/calendars/calendars.js';
import { feedUrlProblem } from '../../lib/calendars/feed.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { claimDueSchedules } from '../../lib/schedules/runs.js';
import { announceUpcomingRuns } from '../../lib/schedules/upcoming.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ics = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//nimbo test//EN', ...events, 'END:VCALENDAR'].join('\r\n');
const allDay = (uid: string, day: string, summary: string) =>
  `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTART;VALUE=DATE:${day}\r\nSUMMARY:${summary}\r\nEND:VEVENT`;

describe('schedules with calendars, exceptions, windows, overrides and postpone', () => {
  const t = useTestDatabase('schedcal');
  let clock = new Date('2026-03-27T12:00:00Z');
  const now = () => clock;
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const jobs = testJobs(() => t.db, now);
  const request = testApi(() => t.db, now, jobs.queue).request;
  const deps = jobs.deps;

  let owner: string;
  let viewer: string;
  let stranger: string;
  let machineId: string;
  let otherMachineId: string;
  let feed: Server;
  let feedBody = ics(allDay('h1', '20260329', 'Spring holiday'));
  let feedStatus = 200;
  let feedUrl: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    ({ token: stranger } = await createTestOrg(t.db));
    viewer = (await request('POST', '/v1/tokens', { token: owner, body: { name: 'v', role: 'viewer' } })).body
      .token;
    await request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'fleet', settings: { machines: 4, seed: 3, transitionMs: 0 } },
    });
    await jobs.drain();
    const machines = (await request('GET', '/v1/machines?limit=10', { token: owner })).body.items;
    machineId = machines[0].id;
    otherMachineId = machines[1].id;
    feed = createServer((_req, res) => {
      res.writeHead(feedStatus, { 'content-type': 'text/calendar' });
      res.end(feedStatus === 200 ? feedBody : 'no');
    });
    await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
    feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/holidays.ics`;
  });
  afterAll(() => new Promise<void>((resolve) => feed.close(() => resolve())));

  const post = (path: string, body?: unknown, token = owner) =>
    request('POST', path, { token, ...(body !== undefined ? { body } : {}) });
  const get = (path: string, token = owner) => request('GET', path, { token });
  const patch = (path: string, body: unknown, token = owner) => request('PATCH', path, { token, body });
  const del = (path: string, token = owner) => request('DELETE', path, { token });
  const count = (c: string, filter: Record<string, unknown> = {}) =>
    t.db.collection<AnyDoc>(c).countDocuments(filter);
  const audited = (action: string, resourceId: string) =>
    t.db.collection<AnyDoc>('audit').find({ action, 'resource.id': resourceId }).toArray();

  let seq = 0;
  async function schedule(over: Record<string, unknown>) {
    const res = await post('/v1/schedules', {
      name: `cal-${++seq}`,
      conditions: { ids: [machineId, otherMachineId] },
      action: { type: 'machine.action', action: 'reboot' },
      when: { kind: 'cron', expression: '30 2 * * *', timeZone: 'Europe/Berlin' },
      ...over,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; nextRunAt: string };
  }
  const runsOf = async (id: string) => (await get(`/v1/schedules/${id}/runs`)).body.items;

  describe('calendars', () => {
    it('makes a calendar of dates and ranges, shows and lists it to the org only, and audits it', async () => {
      const res = await post('/v1/calendars', {
        name: 'office closed',
        dates: ['2026-12-25', { from: '2026-12-28', to: '2026-12-31' }],
      });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/v1/calendars/${res.body.id}`);
      expect(res.body).toMatchObject({ name: 'office closed', ics: null, imported: [] });
      expect((await get(`/v1/calendars/${res.body.id}`, viewer)).body.dates).toHaveLength(2);
      expect((await get('/v1/calendars?q=office', viewer)).body.items.map((c: AnyDoc) => c.id)).toEqual([
        res.body.id,
      ]);
      expect((await get(`/v1/calendars/${res.body.id}`, stranger)).status).toBe(404);
      expect((await get('/v1/calendars', stranger)).body.items).toEqual([]);
      expect(await audited('calendar.create', res.body.id)).toHaveLength(1);
      const renamed = await patch(`/v1/calendars/${res.body.id}`, { name: 'office shut' });
      expect(renamed.body.name).toBe('office shut');
      expect((await patch(`/v1/calendars/${res.body.id}`, { name: 'x' }, stranger)).status).toBe(404);
      expect((await del(`/v1/calendars/${res.body.id}`, viewer)).status).toBe(403);
      expect((await del(`/v1/calendars/${res.body.id}`)).status).toBe(204);
      expect(await audited('calendar.delete', res.body.id)).toHaveLength(1);
    });

    it('answers 422 for an impossible date, a reversed range or a duplicate name, and writes nothing', async () => {
      const before = await count('calendars');
      const bad = await post('/v1/calendars', {
        name: 'bad',
        dates: ['2026-02-30', { from: '2026-05-02', to: '2026-05-01' }],
      });
      expect(bad.status).toBe(422);
      expect(bad.body.errors.map((e: AnyDoc) => e.path)).toEqual(
        expect.arrayContaining(['dates.0', 'dates.1.to']),
      );
      expect((await post('/v1/calendars', { name: 'dup' })).status).toBe(201);
      expect((await post('/v1/calendars', { name: 'dup' })).status).toBe(409);
      expect(await count('calendars')).toBe(before + 1);
    });

    it('imports an uploaded .ics, and refuses one it cannot read naming ics.content', async () => {
      const res = await post('/v1/calendars', {
        name: 'uploaded',
        ics: { type: 'content', content: ics(allDay('x', '20260501', 'May day')) },
      });
      expect(res.status).toBe(201);
      expect(res.body.imported).toEqual([{ from: '2026-05-01', to: '2026-05-01', summary: 'May day' }]);
      expect(res.body.ics).toMatchObject({ type: 'content', url: null, nextRefreshAt: null });
      const bad = await post('/v1/calendars', {
        name: 'garbage',
        ics: { type: 'content', content: 'hello' },
      });
      expect(bad.status).toBe(422);
      expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'ics.content' })]);
      expect(await count('calendars', { name: 'garbage' })).toBe(0);
    });

    it('fetches a feed, refreshes it daily on the tick, and keeps its days when a refresh fails', async () => {
      const res = await post('/v1/calendars', { name: 'feed', ics: { type: 'url', url: feedUrl } });
      expect(res.status).toBe(201);
      expect(res.body.imported.map((d: AnyDoc) => d.from)).toEqual(['2026-03-29']);
      expect(res.body.ics.nextRefreshAt).toBe(new Date(clock.getTime() + 24 * HOUR).toISOString());
      feedBody = ics(allDay('h1', '20260329', 'Spring holiday'), allDay('h2', '20260406', 'Easter Monday'));
      expect(await refreshDueCalendars(deps())).toBe(0); // not a day yet
      advance(24 * HOUR);
      expect(await refreshDueCalendars(deps())).toBe(1);
      expect(await refreshDueCalendars(deps())).toBe(0); // claimed once
      const refreshed = (await get(`/v1/calendars/${res.body.id}`)).body;
      expect(refreshed.imported.map((d: AnyDoc) => d.from)).toEqual(['2026-03-29', '2026-04-06']);
      feedStatus = 500;
      const failed = (await post(`/v1/calendars/${res.body.id}/refresh`)).body;
      expect(failed.ics.lastError).toMatch(/HTTP 500/);
      expect(failed.imported).toHaveLength(2);
      feedStatus = 200;
      advance(-24 * HOUR);
      await del(`/v1/calendars/${res.body.id}`);
    });

    it('refuses a feed URL it may not fetch: not http(s) here, not https or inside a network when deployed', async () => {
      const res = await post('/v1/calendars', {
        name: 'ftp',
        ics: { type: 'url', url: 'ftp://127.0.0.1/x.ics' },
      });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'ics.url' })]);
      expect(await feedUrlProblem(feedUrl, { deployed: true })).toBe('must be https in a deployed stack');
      expect(await feedUrlProblem('https://127.0.0.1/x.ics', { deployed: true })).toMatch(/inside a network/);
      expect(await feedUrlProblem(feedUrl, { deployed: false })).toBeUndefined();
    });
  });

  describe('exceptions', () => {
    let calendarId: string;
    beforeAll(async () => {
      calendarId = (await post('/v1/calendars', { name: 'holidays', ics: { type: 'url', url: feedUrl } }))
        .body.id;
    });

    it('refuses a calendar not of the org, naming it, and writes nothing', async () => {
      const theirs = (await post('/v1/calendars', { name: 'theirs' }, stranger)).body.id;
      const res = await post('/v1/schedules', {
        name: 'uses-theirs',
        conditions: { ids: [machineId] },
        action: { type: 'machine.action', action: 'reboot' },
        when: { kind: 'interval', every: { value: 1, unit: 'days' } },
        exceptions: { calendars: [calendarId, theirs] },
      });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([
        { in: 'body', path: 'exceptions.calendars.1', message: expect.any(String) },
      ]);
      expect(await count('schedules', { name: 'uses-theirs' })).toBe(0);
    });

    it('lists the next occurrences with the holiday skipped, then skips it on the tick and records why', async () => {
      const s = await schedule({ exceptions: { calendars: [calendarId], dates: ['2026-03-30'] } });
      expect(s.nextRunAt).toBe('2026-03-28T01:30:00.000Z');
      const occ = await get(`/v1/schedules/${s.id}/occurrences?to=2026-03-31T12:00:00Z`, viewer);
      expect(occ.status).toBe(200);
      expect(occ.body.items).toEqual([
        { at: '2026-03-28T01:30:00.000Z' },
        {
          at: '2026-03-29T01:00:00.000Z', // 02:30 falls in the spring-forward gap: 03:00 CEST
          skipped: { code: 'calendar', reason: expect.stringContaining('"holidays"') },
        },
        { at: '2026-03-30T00:30:00.000Z', skipped: { code: 'exception_date', reason: expect.any(String) } },
        { at: '2026-03-31T00:30:00.000Z' },
      ]);
      const saved = clock;
      clock = new Date('2026-03-28T01:30:00Z');
      await claimDueSchedules(deps());
      clock = new Date('2026-03-29T01:00:00Z');
      await claimDueSchedules(deps());
      const [latest, first] = await runsOf(s.id);
      expect(first).toMatchObject({ occurrenceSkipped: null, matched: 2 });
      expect(latest).toMatchObject({
        at: '2026-03-29T01:00:00.000Z',
        matched: 0,
        queued: 0,
        machines: [],
        occurrenceSkipped: {
          code: 'calendar',
          reason: expect.stringContaining('2026-03-29 (Europe/Berlin)'),
        },
      });
      const audit = await audited('schedule.run', s.id);
      expect(audit.at(-1)!.details.occurrenceSkipped.code).toBe('calendar');
      expect((await del(`/v1/calendars/${calendarId}`)).status).toBe(409);
      clock = saved;
      await del(`/v1/schedules/${s.id}`);
    });

    it('answers 400 for occurrences queried with a bad time or a range backwards, 404 for another org', async () => {
      const s = await schedule({});
      expect((await get(`/v1/schedules/${s.id}/occurrences?from=tomorrow`)).status).toBe(400);
      const back = await get(
        `/v1/schedules/${s.id}/occurrences?from=2026-04-02T00:00:00Z&to=2026-04-01T00:00:00Z`,
      );
      expect(back.status).toBe(400);
      expect(back.body.errors).toEqual([expect.objectContaining({ in: 'query', path: 'to' })]);
      expect((await get(`/v1/schedules/${s.id}/occurrences`, stranger)).status).toBe(404);
      await del(`/v1/schedules/${s.id}`);
    });
  });

  describe('maintenance windows', () => {
    it('skips an occurrence outside the windows with the reason, and runs one inside', async () => {
      const s = await schedule({
        when: { kind: 'cron', expression: '0 * * * *', timeZone: 'America/New_York' },
        windows: [{ days: ['fri'], from: '09:00', to: '10:00' }],
      });
      const saved = clock;
      clock = new Date('2026-03-27T13:00:00Z'); // Friday 09:00 EDT
      await claimDueSchedules(deps());
      clock = new Date('2026-03-27T14:00:00Z'); // 10:00 EDT: closed
      await claimDueSchedules(deps());
      const [outside, inside] = await runsOf(s.id);
      expect(inside.occurrenceSkipped).toBeNull();
      expect(outside.occurrenceSkipped).toEqual({
        code: 'outside_window',
        reason:
          '2026-03-27 10:00 fri (America/New_York) is outside the maintenance windows (fri 09:00-10:00)',
      });
      const bad = await patch(`/v1/schedules/${s.id}`, {
        windows: [{ days: ['fri'], from: '25:00', to: '10:00' }],
      });
      expect(bad.status).toBe(422);
      clock = saved;
      await del(`/v1/schedules/${s.id}`);
    });
  });

  describe('machine overrides', () => {
    it('keeps the schedules off a machine until then: dry runs and runs say so, then it ends by itself', async () => {
      const s = await schedule({ when: { kind: 'interval', every: { value: 1, unit: 'hours' } } });
      const until = new Date(clock.getTime() + 2 * HOUR).toISOString();
      const res = await post(`/v1/machines/${machineId}/overrides`, { until, reason: 'load test tonight' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ machineId, scheduleId: null, until: new Date(until).toISOString() });
      expect(await audited('machine.override.create', machineId)).toHaveLength(1);
      expect((await get(`/v1/machines/${machineId}/overrides`, viewer)).body.items).toHaveLength(1);

      const dry = (await post(`/v1/schedules/${s.id}/dry-run`)).body.items;
      expect(dry.find((i: AnyDoc) => i.id === machineId)).toMatchObject({
        allowed: false,
        reason: expect.stringContaining('load test tonight'),
      });
      advance(HOUR);
      await claimDueSchedules(deps());
      const [run] = await runsOf(s.id);
      expect(run.machines.find((m: AnyDoc) => m.machineId === machineId)).toMatchObject({
        status: 'skipped',
        reason: expect.stringContaining(`held by override ${res.body.id}`),
      });
      expect(run.machines.find((m: AnyDoc) => m.machineId === otherMachineId).reason ?? '').not.toMatch(
        /override/,
      );

      advance(HOUR); // `until` reached: the override is over, whether or not the TTL monitor ran yet
      expect((await get(`/v1/machines/${machineId}/overrides`)).body.items).toEqual([]);
      const after = (await post(`/v1/schedules/${s.id}/dry-run`)).body.items;
      expect(after.find((i: AnyDoc) => i.id === machineId).reason ?? '').not.toMatch(/override/);
      advance(-2 * HOUR);
      await del(`/v1/schedules/${s.id}`);
      await del(`/v1/machines/${machineId}/overrides/${res.body.id}`);
    });

    it('holds one schedule only when it names one, and ends early when deleted (audited)', async () => {
      const a = await schedule({});
      const b = await schedule({});
      const until = new Date(clock.getTime() + HOUR).toISOString();
      const o = (
        await post(`/v1/machines/${machineId}/overrides`, { until, reason: 'debug', scheduleId: a.id })
      ).body;
      const reasonIn = async (id: string) =>
        (await post(`/v1/schedules/${id}/dry-run`)).body.items.find((i: AnyDoc) => i.id === machineId)
          .reason ?? '';
      expect(await reasonIn(a.id)).toMatch(/debug/);
      expect(await reasonIn(b.id)).not.toMatch(/debug/);
      expect((await del(`/v1/machines/${machineId}/overrides/${o.id}`, viewer)).status).toBe(403);
      expect((await del(`/v1/machines/${machineId}/overrides/${o.id}`)).status).toBe(204);
      expect((await del(`/v1/machines/${machineId}/overrides/${o.id}`)).status).toBe(404);
      expect(
        (await audited('machine.override.delete', machineId)).filter((a) => a.details.overrideId === o.id),
      ).toHaveLength(1);
      expect(await reasonIn(a.id)).not.toMatch(/debug/);
      await del(`/v1/schedules/${a.id}`);
      await del(`/v1/schedules/${b.id}`);
    });

    it('answers 422 for a past or far until or an unknown schedule, 404 for another org, and writes nothing', async () => {
      const before = await count('machine_overrides');
      const past = await post(`/v1/machines/${machineId}/overrides`, {
        until: '2020-01-01T00:00:00Z',
        reason: 'x',
      });
      expect(past.status).toBe(422);
      expect(past.body.errors).toEqual([expect.objectContaining({ path: 'until' })]);
      const far = new Date(clock.getTime() + 91 * 24 * HOUR).toISOString();
      expect((await post(`/v1/machines/${machineId}/overrides`, { until: far, reason: 'x' })).status).toBe(
        422,
      );
      const soon = new Date(clock.getTime() + HOUR).toISOString();
      const unknown = await post(`/v1/machines/${machineId}/overrides`, {
        until: soon,
        reason: 'x',
        scheduleId: 'sch_AAAAAAAAAAAAAAAA',
      });
      expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'scheduleId' })]);
      expect((await post(`/v1/machines/${machineId}/overrides`, { until: soon, reason: '' })).status).toBe(
        422,
      );
      expect(
        (await post(`/v1/machines/${machineId}/overrides`, { until: soon, reason: 'x' }, stranger)).status,
      ).toBe(404);
      expect(await count('machine_overrides')).toBe(before);
    });
  });

  describe('postpone', () => {
    it('moves the next occurrence once, announces the moved time again, and keeps the following one', async () => {
      const s = await schedule({
        when: { kind: 'cron', expression: '0 22 * * *', timeZone: 'Europe/Berlin' },
        notifyBeforeMinutes: 30,
      });
      expect(s.nextRunAt).toBe('2026-03-27T21:00:00.000Z');
      const saved = clock;
      clock = new Date('2026-03-27T20:30:00Z');
      expect(await announceUpcomingRuns(deps())).toBe(1);
      const told = () =>
        t.db
          .collection<AnyDoc>('events')
          .find({ type: 'schedule.upcoming', 'data.scheduleId': s.id })
          .sort({ timestamp: 1 })
          .toArray();
      const [first] = await told();
      expect(first!.data).toMatchObject({
        runAt: '2026-03-27T21:00:00.000Z',
        postponedFrom: null,
        skipped: null,
        postpone: { method: 'POST', href: `/v1/schedules/${s.id}/postpone` },
      });

      const moved = await post(`/v1/schedules/${s.id}/postpone`, { minutes: 90 });
      expect(moved.status).toBe(200);
      expect(moved.body).toEqual({
        scheduleId: s.id,
        from: '2026-03-27T21:00:00.000Z',
        to: '2026-03-27T22:30:00.000Z',
        nextRunAt: '2026-03-27T22:30:00.000Z',
      });
      expect((await get(`/v1/schedules/${s.id}`)).body.postponed).toEqual({
        from: '2026-03-27T21:00:00.000Z',
        to: '2026-03-27T22:30:00.000Z',
      });
      expect(await audited('schedule.postpone', s.id)).toHaveLength(1);

      clock = new Date('2026-03-27T21:00:00Z');
      expect(await claimDueSchedules(deps())).toBe(0); // not at the old time
      clock = new Date('2026-03-27T22:00:00Z');
      expect(await announceUpcomingRuns(deps())).toBe(1);
      expect((await told())[1]!.data).toMatchObject({
        runAt: '2026-03-27T22:30:00.000Z',
        postponedFrom: '2026-03-27T21:00:00.000Z',
      });
      clock = new Date('2026-03-27T22:30:00Z');
      expect(await claimDueSchedules(deps())).toBe(1);
      const after = (await get(`/v1/schedules/${s.id}`)).body;
      expect(after).toMatchObject({ nextRunAt: '2026-03-28T21:00:00.000Z', postponed: null });
      clock = saved;
      await del(`/v1/schedules/${s.id}`);
    });

    it('answers 422 past a day or onto the following occurrence, 409 with nothing ahead, and moves nothing', async () => {
      const hourly = await schedule({ when: { kind: 'cron', expression: '0 * * * *', timeZone: 'UTC' } });
      const tooFar = await post(`/v1/schedules/${hourly.id}/postpone`, { minutes: 1441 });
      expect(tooFar.status).toBe(422);
      const onto = await post(`/v1/schedules/${hourly.id}/postpone`, { minutes: 60 });
      expect(onto.status).toBe(422);
      expect(onto.body.errors).toEqual([expect.objectContaining({ path: 'minutes' })]);
      expect((await get(`/v1/schedules/${hourly.id}`)).body).toMatchObject({
        nextRunAt: hourly.nextRunAt,
        postponed: null,
      });
      await patch(`/v1/schedules/${hourly.id}`, { enabled: false });
      expect((await post(`/v1/schedules/${hourly.id}/postpone`, { minutes: 5 })).status).toBe(409);
      expect((await post(`/v1/schedules/${hourly.id}/postpone`, { minutes: 5 }, viewer)).status).toBe(403);
      expect((await post(`/v1/schedules/${hourly.id}/postpone`, { minutes: 5 }, stranger)).status).toBe(404);
      await del(`/v1/schedules/${hourly.id}`);
    });
  });
});
