/**
 * The pure decisions of calendars and their schedules: which occurrence is skipped and why (exception
 * dates, calendar days, maintenance windows, read in the schedule's own time zone, across the DST changes
 * of Europe/Berlin and America/New_York), the occurrences listed ahead, where a postpone moves one, and
 * the days an .ics text covers. No database, no sleeping: every instant is given.
 */
import { describe, expect, it } from 'vitest';
import { type CalendarDaysRef, isOccurrenceSkipped, type SkipRules } from '../../../lib/calendars/decide.js';
import { icsDays } from '../../../lib/calendars/ics.js';
import type { MaintenanceWindow } from '../../../lib/model/calendars/calendar.js';
import { listOccurrences } from '../../../lib/schedules/occurrences.js';
import { decidePostpone } from '../../../lib/schedules/postpone.js';
import { computeNextRunAt, type ScheduleDoc } from '../../../lib/schedules/rules.js';

const cron = (expression: string, timeZone: string) => ({ kind: 'cron' as const, expression, timeZone });
const at = (iso: string) => new Date(iso);
const rules = (over: Partial<SkipRules> & Pick<SkipRules, 'when'>): SkipRules => ({
  exceptions: null,
  windows: null,
  ...over,
});
const holidays: CalendarDaysRef = {
  _id: 'cal_AAAAAAAAAAAAAAAA',
  name: 'holidays',
  days: [
    { from: '2026-03-29', to: '2026-03-29' },
    { from: '2026-11-01', to: '2026-11-01' },
  ],
};

function scheduleDoc(over: Partial<ScheduleDoc>, now: Date): ScheduleDoc {
  const doc: ScheduleDoc = {
    _id: 'sch_AAAAAAAAAAAAAAAA',
    orgId: 'org_AAAAAAAAAAAAAAAA',
    name: 's',
    description: null,
    enabled: true,
    conditions: { ids: ['mch_none'] },
    action: { type: 'machine.action', action: 'stop' },
    when: cron('0 22 * * *', 'UTC'),
    startAfter: null,
    expiresAt: null,
    maxRunCount: null,
    runImmediately: false,
    runCount: 0,
    nextRunAt: null,
    lastRunAt: null,
    createdBy: { type: 'system', id: 'x', name: 'x' },
    createdAt: now,
    updatedAt: now,
    ...over,
  };
  doc.nextRunAt ??= computeNextRunAt(doc, now);
  return doc;
}

describe('isOccurrenceSkipped: exception days in the time zone of the schedule', () => {
  it("skips Berlin's spring-forward day, when 02:30 runs at 03:00 CEST (01:00 UTC), and not the day after", () => {
    const s = rules({
      when: cron('30 2 * * *', 'Europe/Berlin'),
      exceptions: { calendars: [holidays._id], dates: [] },
    });
    const springForward = computeNextRunAt(
      {
        enabled: true,
        when: s.when,
        startAfter: null,
        expiresAt: null,
        maxRunCount: null,
        runImmediately: false,
        runCount: 0,
      },
      at('2026-03-28T12:00:00Z'),
    )!;
    expect(springForward.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(isOccurrenceSkipped(s, springForward, [holidays])).toEqual({
      code: 'calendar',
      reason: '2026-03-29 (Europe/Berlin) is a day of calendar "holidays" (cal_AAAAAAAAAAAAAAAA)',
    });
    expect(isOccurrenceSkipped(s, at('2026-03-30T00:30:00Z'), [holidays])).toBeNull();
  });

  it('reads the local day, not the UTC one: 23:00 in New York on the eve of fall-back is 03:00 UTC the next day', () => {
    const s = rules({
      when: cron('0 23 * * *', 'America/New_York'),
      exceptions: { calendars: [], dates: ['2026-10-31'] },
    });
    // 2026-10-31 23:00 EDT = 2026-11-01T03:00Z: its local day is the exception, its UTC day is not.
    expect(isOccurrenceSkipped(s, at('2026-11-01T03:00:00Z'), [])?.code).toBe('exception_date');
    // 2026-11-01 23:00 EST = 2026-11-02T04:00Z (the offset changed that morning): a day not listed.
    expect(isOccurrenceSkipped(s, at('2026-11-02T04:00:00Z'), [])).toBeNull();
  });

  it("skips both passes of New York's repeated 01:30 on its fall-back day, which a calendar lists", () => {
    const s = rules({
      when: cron('30 1 * * *', 'America/New_York'),
      exceptions: { calendars: [holidays._id], dates: [] },
    });
    expect(isOccurrenceSkipped(s, at('2026-11-01T05:30:00Z'), [holidays])?.code).toBe('calendar'); // 01:30 EDT
    expect(isOccurrenceSkipped(s, at('2026-11-01T06:30:00Z'), [holidays])?.code).toBe('calendar'); // 01:30 EST
    expect(isOccurrenceSkipped(s, at('2026-11-02T06:30:00Z'), [holidays])).toBeNull();
  });

  it('skips every day of an inclusive range, and ignores a calendar that is gone', () => {
    const s = rules({
      when: cron('0 9 * * *', 'Europe/Berlin'),
      exceptions: { calendars: ['cal_BBBBBBBBBBBBBBBB'], dates: [{ from: '2026-12-24', to: '2026-12-26' }] },
    });
    expect(isOccurrenceSkipped(s, at('2026-12-23T08:00:00Z'), [])).toBeNull();
    for (const d of ['24', '25', '26'])
      expect(isOccurrenceSkipped(s, at(`2026-12-${d}T08:00:00Z`), [])).not.toBeNull();
    expect(isOccurrenceSkipped(s, at('2026-12-27T08:00:00Z'), [])).toBeNull();
  });

  it('reads interval schedules in UTC', () => {
    const s = rules({
      when: { kind: 'interval', every: { value: 1, unit: 'hours' }, anchor: at('2026-01-01T00:00:00Z') },
      exceptions: { calendars: [], dates: ['2026-06-01'] },
    });
    expect(isOccurrenceSkipped(s, at('2026-05-31T23:00:00Z'), [])).toBeNull();
    expect(isOccurrenceSkipped(s, at('2026-06-01T00:00:00Z'), [])?.reason).toBe(
      "2026-06-01 (UTC) is one of the schedule's exception dates",
    );
  });
});

describe('isOccurrenceSkipped: maintenance windows', () => {
  const weekdaysNight: MaintenanceWindow = {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    from: '22:00',
    to: '06:00',
  };

  it('runs inside an overnight window, also past midnight into the next day, and skips outside it', () => {
    const s = rules({ when: cron('0 * * * *', 'Europe/Berlin'), windows: [weekdaysNight] });
    // Friday 2026-03-27 23:00 CET, and Saturday 05:00 CET (the night that opened on Friday).
    expect(isOccurrenceSkipped(s, at('2026-03-27T22:00:00Z'), [])).toBeNull();
    expect(isOccurrenceSkipped(s, at('2026-03-28T04:00:00Z'), [])).toBeNull();
    // Saturday 23:00: no window opens on Saturday.
    expect(isOccurrenceSkipped(s, at('2026-03-28T22:00:00Z'), [])).toEqual({
      code: 'outside_window',
      reason:
        '2026-03-28 23:00 sat (Europe/Berlin) is outside the maintenance windows (mon,tue,wed,thu,fri 22:00-06:00)',
    });
  });

  it("follows the wall clock over Berlin's spring-forward night: 06:00 CEST closes the window an hour earlier in UTC", () => {
    const s = rules({
      when: cron('*/30 * * * *', 'Europe/Berlin'),
      windows: [{ days: ['sun'], from: '01:00', to: '06:00' }],
    });
    expect(isOccurrenceSkipped(s, at('2026-03-29T00:30:00Z'), [])).toBeNull(); // 01:30 CET
    expect(isOccurrenceSkipped(s, at('2026-03-29T03:30:00Z'), [])).toBeNull(); // 05:30 CEST
    expect(isOccurrenceSkipped(s, at('2026-03-29T04:00:00Z'), [])?.code).toBe('outside_window'); // 06:00 CEST
  });

  it("takes both passes of New York's repeated hour inside a 01:00-02:00 window on fall-back day", () => {
    const s = rules({
      when: cron('15 * * * *', 'America/New_York'),
      windows: [{ days: ['sun'], from: '01:00', to: '02:00' }],
    });
    expect(isOccurrenceSkipped(s, at('2026-11-01T05:15:00Z'), [])).toBeNull(); // 01:15 EDT
    expect(isOccurrenceSkipped(s, at('2026-11-01T06:15:00Z'), [])).toBeNull(); // 01:15 EST
    expect(isOccurrenceSkipped(s, at('2026-11-01T07:15:00Z'), [])?.code).toBe('outside_window'); // 02:15 EST
  });

  it('lets exception days win over windows, and a window to 24:00 end at midnight', () => {
    const s = rules({
      when: cron('0 23 * * *', 'UTC'),
      exceptions: { calendars: [], dates: ['2026-01-05'] },
      windows: [{ days: ['mon'], from: '20:00', to: '24:00' }],
    });
    expect(isOccurrenceSkipped(s, at('2026-01-05T23:00:00Z'), [])?.code).toBe('exception_date');
    expect(isOccurrenceSkipped(s, at('2026-01-12T23:00:00Z'), [])).toBeNull();
    expect(isOccurrenceSkipped(s, at('2026-01-13T00:00:00Z'), [])?.code).toBe('outside_window');
  });
});

describe('listOccurrences', () => {
  const now = at('2026-03-27T12:00:00Z');

  it("lists Berlin's 02:30 runs over spring-forward with the calendar day skipped and why", () => {
    const s = scheduleDoc(
      { when: cron('30 2 * * *', 'Europe/Berlin'), exceptions: { calendars: [holidays._id], dates: [] } },
      now,
    );
    const { items, truncated } = listOccurrences(s, [holidays], now, at('2026-03-31T00:00:00Z'), 50);
    expect(truncated).toBe(false);
    expect(items).toEqual([
      { at: '2026-03-28T01:30:00.000Z' },
      { at: '2026-03-29T01:00:00.000Z', skipped: expect.objectContaining({ code: 'calendar' }) },
      { at: '2026-03-30T00:30:00.000Z' },
    ]);
  });

  it('starts at `from`, stops at `limit` saying so, and honours the max run count', () => {
    const s = scheduleDoc({ when: cron('0 * * * *', 'UTC') }, now);
    const later = listOccurrences(s, [], at('2026-04-01T00:00:00Z'), at('2026-04-02T00:00:00Z'), 3);
    expect(later).toEqual({
      items: [
        { at: '2026-04-01T00:00:00.000Z' },
        { at: '2026-04-01T01:00:00.000Z' },
        { at: '2026-04-01T02:00:00.000Z' },
      ],
      truncated: true,
    });
    const capped = scheduleDoc({ when: cron('0 * * * *', 'UTC'), maxRunCount: 3, runCount: 1 }, now);
    expect(listOccurrences(capped, [], now, at('2026-03-28T00:00:00Z'), 50).items).toHaveLength(2);
  });

  it('shows a postponed occurrence at its moved time, then the regular ones', () => {
    const s = scheduleDoc({ when: cron('0 22 * * *', 'UTC') }, now);
    s.postponed = { from: s.nextRunAt!, to: at('2026-03-27T23:30:00Z') };
    s.nextRunAt = s.postponed.to;
    expect(listOccurrences(s, [], now, at('2026-03-29T00:00:00Z'), 50).items).toEqual([
      { at: '2026-03-27T23:30:00.000Z', postponedFrom: '2026-03-27T22:00:00.000Z' },
      { at: '2026-03-28T22:00:00.000Z' },
    ]);
  });
});

describe('decidePostpone', () => {
  const now = at('2026-11-01T00:00:00Z');

  it("moves New York's next 01:30 (EDT) by 90 minutes, to 02:00 EST, before the following day's", () => {
    const s = scheduleDoc({ when: cron('30 1 * * *', 'America/New_York') }, now);
    expect(s.nextRunAt!.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(decidePostpone(s, 90, now)).toEqual({
      ok: true,
      from: at('2026-11-01T05:30:00Z'),
      to: at('2026-11-01T07:00:00Z'),
    });
  });

  it('refuses to reach the following occurrence, or to move past a day from the planned time', () => {
    const hourly = scheduleDoc({ when: cron('0 * * * *', 'UTC') }, now);
    expect(decidePostpone(hourly, 59, now).ok).toBe(true);
    expect(decidePostpone(hourly, 60, now)).toMatchObject({ ok: false, status: 422 });
    const daily = scheduleDoc({ when: cron('0 3 * * 1', 'UTC') }, now); // weekly: room for a day
    const once = decidePostpone(daily, 1000, now);
    expect(once.ok).toBe(true);
    if (!once.ok) return;
    daily.postponed = { from: once.from, to: once.to };
    daily.nextRunAt = once.to;
    // A second postpone counts from the time first planned: 1000 + 441 > 1440.
    expect(decidePostpone(daily, 441, now)).toMatchObject({ ok: false, status: 422 });
    expect(decidePostpone(daily, 440, now).ok).toBe(true);
  });

  it('answers 409 for a schedule with nothing ahead or an occurrence due now', () => {
    const s = scheduleDoc({ when: cron('0 * * * *', 'UTC'), enabled: false, nextRunAt: null }, now);
    expect(decidePostpone(s, 5, now)).toMatchObject({ ok: false, status: 409 });
    const due = scheduleDoc({ when: cron('0 * * * *', 'UTC') }, now);
    expect(decidePostpone(due, 5, due.nextRunAt!)).toMatchObject({ ok: false, status: 409 });
  });
});

describe('icsDays', () => {
  const now = at('2026-06-01T00:00:00Z');
  const ics = (...events: string[]) =>
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events, 'END:VCALENDAR'].join('\r\n');

  it('reads all-day events with their exclusive end, timed ones by their written days, and skips cancelled ones', () => {
    const text = ics(
      'BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT',
      'BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260704T220000Z\r\nDTEND:20260705T000000Z\r\nSUMMARY:Late\r\nEND:VEVENT',
      'BEGIN:VEVENT\r\nUID:c\r\nDTSTART;VALUE=DATE:20260801\r\nSTATUS:CANCELLED\r\nSUMMARY:Off\r\nEND:VEVENT',
    );
    expect(icsDays(text, now)).toEqual([
      { from: '2026-07-04', to: '2026-07-04', summary: 'Late' },
      { from: '2026-12-24', to: '2026-12-26', summary: 'Christmas' },
    ]);
  });

  it('expands a yearly event within its horizon and leaves out an EXDATE', () => {
    const text = ics(
      'BEGIN:VEVENT\r\nUID:ny\r\nDTSTART;VALUE=DATE:20250101\r\nRRULE:FREQ=YEARLY\r\nEXDATE;VALUE=DATE:20270101\r\nSUMMARY:New year\r\nEND:VEVENT',
    );
    expect(icsDays(text, now).map((d) => d.from)).toEqual(['2026-01-01', '2028-01-01']);
  });

  it('refuses a text that is not iCalendar, saying so', () => {
    expect(() => icsDays('hello', now)).toThrow(/not an iCalendar text/);
    expect(() => icsDays('BEGIN:VCARD\r\nEND:VCARD', now)).toThrow(/no VCALENDAR/);
  });
});
