import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../lib/core/errors.js';
import { parseCron } from '../../../lib/cron/cron.js';
import { isDue, nextCronRun, nextIntervalRun, nextRunAt } from '../../../lib/cron/next-run.js';

const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/** The first `count` occurrences after `from`, found by feeding each answer back in. */
const runs = (expression: string, timeZone: string, from: string, count: number) => {
  const spec = parseCron(expression);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    t = nextCronRun(spec, timeZone, t);
    out.push(iso(t));
  }
  return out;
};

describe('the next run of a cron schedule', () => {
  it('runs every 15 minutes on the quarter hours', () => {
    expect(runs('*/15 * * * *', 'UTC', '2026-05-04T10:07:30Z', 4)).toEqual([
      '2026-05-04T10:15:00Z',
      '2026-05-04T10:30:00Z',
      '2026-05-04T10:45:00Z',
      '2026-05-04T11:00:00Z',
    ]);
  });

  it('is strictly after the given instant, even when that instant is an occurrence', () => {
    expect(runs('*/15 * * * *', 'UTC', '2026-05-04T10:15:00Z', 1)).toEqual(['2026-05-04T10:30:00Z']);
    expect(runs('*/15 * * * *', 'UTC', '2026-05-04T10:14:59.999Z', 1)).toEqual(['2026-05-04T10:15:00Z']);
  });

  it('runs a daily 02:30 job at 02:30 local time, today if still ahead, else tomorrow', () => {
    expect(runs('30 2 * * *', 'Europe/Berlin', '2026-05-04T00:00:00Z', 2)).toEqual([
      '2026-05-04T00:30:00Z',
      '2026-05-05T00:30:00Z',
    ]);
    expect(runs('30 2 * * *', 'Europe/Berlin', '2026-05-04T00:30:00Z', 1)).toEqual(['2026-05-05T00:30:00Z']);
  });

  it('skips the weekend for a weekday 09:00 job', () => {
    // 2026-05-08 is a Friday.
    expect(runs('0 9 * * 1-5', 'America/New_York', '2026-05-08T12:00:00Z', 3)).toEqual([
      '2026-05-08T13:00:00Z',
      '2026-05-11T13:00:00Z',
      '2026-05-12T13:00:00Z',
    ]);
    expect(runs('0 9 * * MON-FRI', 'America/New_York', '2026-05-08T14:00:00Z', 1)).toEqual([
      '2026-05-11T13:00:00Z',
    ]);
  });

  it('moves a first-of-the-month job from January 31 to February 1', () => {
    expect(runs('0 0 1 * *', 'UTC', '2026-01-31T12:00:00Z', 3)).toEqual([
      '2026-02-01T00:00:00Z',
      '2026-03-01T00:00:00Z',
      '2026-04-01T00:00:00Z',
    ]);
  });

  it('runs a 31st-of-the-month job only in months that have one', () => {
    expect(runs('0 0 31 * *', 'UTC', '2026-01-31T12:00:00Z', 3)).toEqual([
      '2026-03-31T00:00:00Z',
      '2026-05-31T00:00:00Z',
      '2026-07-31T00:00:00Z',
    ]);
  });

  it('waits for the next leap year for a February 29 job', () => {
    expect(runs('0 0 29 2 *', 'UTC', '2027-01-01T00:00:00Z', 2)).toEqual([
      '2028-02-29T00:00:00Z',
      '2032-02-29T00:00:00Z',
    ]);
  });

  it('waits eight years across 2100, which is not a leap year', () => {
    expect(runs('0 0 29 2 *', 'UTC', '2096-03-01T00:00:00Z', 1)).toEqual(['2104-02-29T00:00:00Z']);
  });

  it('matches either the day of month or the weekday when both are restricted', () => {
    // 2026-02-13 is a Friday, 2026-03-13 too; the Fridays between also match.
    expect(runs('0 0 13 * 5', 'UTC', '2026-02-01T00:00:00Z', 6)).toEqual([
      '2026-02-06T00:00:00Z',
      '2026-02-13T00:00:00Z',
      '2026-02-20T00:00:00Z',
      '2026-02-27T00:00:00Z',
      '2026-03-06T00:00:00Z',
      '2026-03-13T00:00:00Z',
    ]);
    // In April 2026 the 13th is a Monday and still matches.
    expect(runs('0 0 13 * 5', 'UTC', '2026-04-11T00:00:00Z', 2)).toEqual([
      '2026-04-13T00:00:00Z',
      '2026-04-17T00:00:00Z',
    ]);
  });

  it('requires both day fields when one of them starts with *', () => {
    // Odd days of the month that are also Mondays.
    expect(runs('0 0 */2 * 1', 'UTC', '2026-06-01T00:00:00Z', 3)).toEqual([
      '2026-06-15T00:00:00Z',
      '2026-06-29T00:00:00Z',
      '2026-07-13T00:00:00Z',
    ]);
  });

  it('treats day-of-week 7 as Sunday', () => {
    // 2026-05-10 is a Sunday.
    expect(runs('0 12 * * 7', 'UTC', '2026-05-04T00:00:00Z', 1)).toEqual(['2026-05-10T12:00:00Z']);
  });

  it('runs a yearly job on January 1 local time', () => {
    expect(runs('@yearly', 'Asia/Tokyo', '2026-06-01T00:00:00Z', 2)).toEqual([
      '2026-12-31T15:00:00Z',
      '2027-12-31T15:00:00Z',
    ]);
  });

  it('throws "never matches" for a date that does not exist', () => {
    const spec = parseCron('0 0 30 2 *');
    expect(() => nextCronRun(spec, 'UTC', at('2026-01-01T00:00:00Z'))).toThrow(UnprocessableError);
    expect(() => nextCronRun(spec, 'UTC', at('2026-01-01T00:00:00Z'))).toThrow(
      'cron expression "0 0 30 2 *" never matches',
    );
  });

  it('finds a once-every-four-years occurrence from arbitrary instants in well under 10 ms each', () => {
    const spec = parseCron('15 4 29 2 *');
    // A fixed Park-Miller sequence: arbitrary instants over 2000-2059, the same on every run.
    let seed = 12345;
    const instants = Array.from({ length: 100 }, () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return new Date(Date.UTC(2000, 0, 1) + Math.floor((seed / 2_147_483_647) * 60 * 365 * 86_400_000));
    });
    for (const t of instants) expect(nextCronRun(spec, 'Europe/Berlin', t).getTime()).toBeGreaterThan(+t);
    // A loose sanity bound, not a benchmark. The pass above warmed up the zone's formatter and the JIT; the
    // best of three passes keeps a busy test machine from failing it.
    const passes = [1, 2, 3].map(() => {
      const started = performance.now();
      for (const t of instants) nextCronRun(spec, 'Europe/Berlin', t);
      return performance.now() - started;
    });
    expect(Math.min(...passes)).toBeLessThan(50);
  });
});

describe('the next run of an interval schedule', () => {
  const anchor = at('2026-05-04T10:00:00Z');

  it('starts at the anchor when asked before it', () => {
    expect(nextIntervalRun({ value: 15, unit: 'minutes' }, anchor, at('2026-05-04T09:00:00Z'))).toEqual(
      anchor,
    );
  });

  it('is the next slot strictly after the given instant', () => {
    const every = { value: 15, unit: 'minutes' } as const;
    expect(nextIntervalRun(every, anchor, anchor)).toEqual(at('2026-05-04T10:15:00Z'));
    expect(nextIntervalRun(every, anchor, at('2026-05-04T10:14:59Z'))).toEqual(at('2026-05-04T10:15:00Z'));
    expect(nextIntervalRun({ value: 2, unit: 'hours' }, anchor, anchor)).toEqual(at('2026-05-04T12:00:00Z'));
    expect(nextIntervalRun({ value: 1, unit: 'days' }, anchor, anchor)).toEqual(at('2026-05-05T10:00:00Z'));
  });

  it('collapses ten periods missed during downtime into the single next slot', () => {
    const every = { value: 1, unit: 'hours' } as const;
    const lastRun = at('2026-05-04T12:00:00Z');
    const backUp = at('2026-05-04T22:30:00Z');
    expect(nextIntervalRun(every, anchor, backUp)).toEqual(at('2026-05-04T23:00:00Z'));
    // Only one of the missed slots is due; the next answer after it is an hour later, not another missed slot.
    expect(isDue(nextIntervalRun(every, anchor, lastRun), backUp)).toBe(true);
    expect(nextIntervalRun(every, anchor, at('2026-05-04T23:00:00Z'))).toEqual(at('2026-05-05T00:00:00Z'));
  });

  it('rejects a period that is not a positive whole number of units', () => {
    expect(() => nextIntervalRun({ value: 0, unit: 'hours' }, anchor, anchor)).toThrow(
      'interval value 0 must be a positive integer',
    );
    expect(() => nextIntervalRun({ value: 1.5, unit: 'hours' }, anchor, anchor)).toThrow(UnprocessableError);
  });
});

describe('the next run of any schedule', () => {
  const after = at('2026-05-04T10:07:00Z');

  it('dispatches interval and cron schedules', () => {
    expect(
      nextRunAt(
        { kind: 'interval', every: { value: 5, unit: 'minutes' }, anchor: at('2026-05-04T00:00:00Z') },
        after,
      ),
    ).toEqual(at('2026-05-04T10:10:00Z'));
    expect(nextRunAt({ kind: 'cron', expression: '0 9 * * *', timeZone: 'Europe/Berlin' }, after)).toEqual(
      at('2026-05-05T07:00:00Z'),
    );
  });

  it('runs a one-off once, and never again once it has passed', () => {
    const once = { kind: 'once', at: at('2026-05-04T12:00:00Z') } as const;
    expect(nextRunAt(once, after)).toEqual(once.at);
    expect(nextRunAt(once, once.at)).toBeNull();
    expect(nextRunAt(once, at('2026-05-05T00:00:00Z'))).toBeNull();
  });

  it('rejects an unknown time zone or a bad expression', () => {
    expect(() =>
      nextRunAt({ kind: 'cron', expression: '0 9 * * *', timeZone: 'Europe/Atlantis' }, after),
    ).toThrow('unknown time zone "Europe/Atlantis"');
    expect(() => nextRunAt({ kind: 'cron', expression: '0 25 * * *', timeZone: 'UTC' }, after)).toThrow(
      'cron field "hour": 25 is out of range 0-23',
    );
  });
});

describe('whether a run is due', () => {
  const now = at('2026-05-04T10:00:00Z');

  it('is due at and after its time, not before', () => {
    expect(isDue(now, now)).toBe(true);
    expect(isDue(at('2026-05-04T09:59:00Z'), now)).toBe(true);
    expect(isDue(at('2026-05-04T10:00:01Z'), now)).toBe(false);
  });

  it('is never due without a next run', () => {
    expect(isDue(null, now)).toBe(false);
  });
});
