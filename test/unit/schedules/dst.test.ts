/**
 * Cron schedules across daylight-saving changes. The rule under test: every matching LOCAL wall time fires
 * at most once. A wall time skipped by spring-forward fires when the gap ends (03:00 new time); a wall time
 * repeated by fall-back fires at its first occurrence only, so the repeated hour's second pass fires nothing.
 */
import { describe, expect, it } from 'vitest';
import { parseCron } from '../../../lib/cron/cron.js';
import { nextCronRun } from '../../../lib/cron/next-run.js';
import { wallClock } from '../../../lib/cron/timezone.js';

const HOUR = 3_600_000;
const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/** Every occurrence in [from, until), found by feeding each answer back into nextCronRun. */
const occurrences = (expression: string, timeZone: string, from: string, until: string): Date[] => {
  const spec = parseCron(expression);
  const out: Date[] = [];
  let t = nextCronRun(spec, timeZone, new Date(from));
  while (t < new Date(until)) {
    out.push(t);
    t = nextCronRun(spec, timeZone, t);
  }
  return out;
};

const onLocalDate = (instants: Date[], timeZone: string, day: number) =>
  instants.filter((t) => wallClock(t, timeZone).day === day);

const local = (t: Date, timeZone: string) => {
  const w = wallClock(t, timeZone);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
};

describe.each([
  {
    zone: 'Europe/Berlin',
    // 2026-03-29 02:00 CET -> 03:00 CEST.
    spring: {
      day: 29,
      window: ['2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z'],
      gapEnd: '2026-03-29T01:00:00Z',
    },
    // 2026-10-25 03:00 CEST -> 02:00 CET; 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    fall: {
      day: 25,
      job: '30 2 * * *',
      window: ['2026-10-23T22:00:00Z', '2026-10-26T23:00:00Z'],
      first: '2026-10-25T00:30:00Z',
    },
  },
  {
    zone: 'America/New_York',
    // 2026-03-08 02:00 EST -> 03:00 EDT.
    spring: {
      day: 8,
      window: ['2026-03-07T05:00:00Z', '2026-03-10T04:00:00Z'],
      gapEnd: '2026-03-08T07:00:00Z',
    },
    // 2026-11-01 02:00 EDT -> 01:00 EST; 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    fall: {
      day: 1,
      job: '30 1 * * *',
      window: ['2026-10-31T04:00:00Z', '2026-11-03T05:00:00Z'],
      first: '2026-11-01T05:30:00Z',
    },
  },
])('daylight-saving changes in $zone', ({ zone, spring, fall }) => {
  it('runs a daily 02:30 job exactly once on the spring-forward day, when the skipped hour ends', () => {
    const runs = occurrences('30 2 * * *', zone, spring.window[0]!, spring.window[1]!);
    expect(runs).toHaveLength(3);
    const thatDay = onLocalDate(runs, zone, spring.day);
    expect(thatDay.map(iso)).toEqual([spring.gapEnd]);
    expect(local(thatDay[0]!, zone)).toBe('03:00');
    // The days either side run at 02:30 as usual.
    expect(runs.map((t) => local(t, zone))).toEqual(['02:30', '03:00', '02:30']);
  });

  it('runs a daily job in the repeated hour exactly once on the fall-back day, at its first occurrence', () => {
    const runs = occurrences(fall.job, zone, fall.window[0]!, fall.window[1]!);
    expect(runs).toHaveLength(3);
    expect(onLocalDate(runs, zone, fall.day).map(iso)).toEqual([fall.first]);
  });

  it('never returns an instant at or before the one it was given, minute by minute through both changes', () => {
    const spec = parseCron('*/20 * * * *');
    for (const [from, until] of [spring.window, fall.window]) {
      for (let t = new Date(from!).getTime(); t < new Date(until!).getTime(); t += 7 * 60_000) {
        const next = nextCronRun(spec, zone, new Date(t)).getTime();
        expect(next).toBeGreaterThan(t);
        expect(next - t).toBeLessThanOrEqual(2 * HOUR);
      }
    }
  });
});

describe('an hourly job across the New York changes', () => {
  const zone = 'America/New_York';

  it('runs 24 times on the fall-back day: once per wall hour, skipping the repeated 01:00 EST', () => {
    // Local 2026-11-01 lasts 25 real hours, 04:00Z to 05:00Z the next day.
    const runs = occurrences('0 * * * *', zone, '2026-11-01T03:59:00Z', '2026-11-02T05:00:00Z');
    expect(runs).toHaveLength(24);
    expect(new Set(runs.map(iso)).size).toBe(24);
    expect(runs.map((t) => wallClock(t, zone).hour)).toEqual(Array.from({ length: 24 }, (_, h) => h));
    const gaps = runs.slice(1).map((t, i) => t.getTime() - runs[i]!.getTime());
    // One hour apart, except 01:00 EDT (05:00Z) -> 02:00 EST (07:00Z): the second 01:00 does not fire.
    expect(gaps.filter((g) => g !== HOUR)).toEqual([2 * HOUR]);
    expect(iso(runs[1]!)).toBe('2026-11-01T05:00:00Z');
    expect(iso(runs[2]!)).toBe('2026-11-01T07:00:00Z');
  });

  it('runs 23 times on the spring-forward day, each one real hour apart', () => {
    // Local 2026-03-08 lasts 23 real hours, 05:00Z to 04:00Z the next day. 02:00 does not exist; it maps to
    // 03:00 EDT, which is also the 03:00 occurrence, so the two fire once together.
    const runs = occurrences('0 * * * *', zone, '2026-03-08T04:59:00Z', '2026-03-09T04:00:00Z');
    expect(runs).toHaveLength(23);
    expect(new Set(runs.map(iso)).size).toBe(23);
    const gaps = runs.slice(1).map((t, i) => t.getTime() - runs[i]!.getTime());
    expect(gaps.every((g) => g === HOUR)).toBe(true);
    expect(runs.map((t) => local(t, zone)).slice(0, 4)).toEqual(['00:00', '01:00', '03:00', '04:00']);
  });

  it('does not fire every minute during the repeated hour a second time', () => {
    // 01:59 EDT is 05:59Z; the next minute on the wall clock that has not yet happened is 02:00 EST.
    expect(iso(nextCronRun(parseCron('* * * * *'), zone, new Date('2026-11-01T05:59:00Z')))).toBe(
      '2026-11-01T07:00:00Z',
    );
    // Asked from inside the second pass (01:15 EST), it still waits for 02:00 EST.
    expect(iso(nextCronRun(parseCron('* * * * *'), zone, new Date('2026-11-01T06:15:00Z')))).toBe(
      '2026-11-01T07:00:00Z',
    );
  });
});
