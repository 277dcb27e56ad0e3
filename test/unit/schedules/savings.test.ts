import { describe, expect, it } from 'vitest';
import type { ScheduleTiming } from '../../../lib/schedules/rules.js';
import { offHoursAfterRun, offHoursInWindow } from '../../../lib/schedules/savings.js';

const cron = (expression: string, over: Partial<ScheduleTiming> = {}): ScheduleTiming => ({
  enabled: true,
  when: { kind: 'cron', expression, timeZone: 'UTC' },
  startAfter: null,
  expiresAt: null,
  maxRunCount: null,
  runImmediately: false,
  runCount: 0,
  ...over,
});

const monday = new Date('2026-05-04T10:00:00Z');

describe('the hours a stop schedule keeps machines off', () => {
  it('counts each night from the 20:00 stop to the 08:00 start, and the weekend whole', () => {
    // One week: four 12-hour nights and Friday 20:00 to Monday 08:00.
    expect(offHoursInWindow(cron('0 20 * * 1-5'), cron('0 8 * * 1-5'), monday, 7 * 24)).toBe(4 * 12 + 60);
  });

  it('without a start, counts from the first stop to the end of the window', () => {
    expect(offHoursInWindow(cron('0 20 * * *'), null, monday, 730)).toBe(720);
  });

  it('counts once the hours of several stops before one start', () => {
    const every6h = cron('0 */6 * * *');
    // Stops at 12:00 and 18:00 and 00:00 and 06:00, one start at 08:00 the next day: off from 12:00 to 08:00.
    expect(offHoursInWindow(every6h, cron('0 8 * * *'), monday, 24)).toBe(20);
  });

  it('counts nothing for a stop that will not run again, or that is disabled', () => {
    const past = { kind: 'once' as const, at: new Date('2026-05-01T00:00:00Z') };
    expect(offHoursInWindow({ ...cron('0 20 * * *'), when: past }, null, monday)).toBe(0);
    expect(offHoursInWindow(cron('0 20 * * *', { enabled: false }), null, monday)).toBe(0);
  });

  it("stops counting at the stop's expiry", () => {
    const expires = cron('0 20 * * *', { expiresAt: new Date('2026-05-06T00:00:00Z') });
    // Nights of the 4th and 5th only: 2 × 12 hours.
    expect(offHoursInWindow(expires, cron('0 8 * * *'), monday, 730)).toBe(24);
  });

  it("gives a run the hours to the next start, else to the stop's next run, at most a month", () => {
    const at = new Date('2026-05-08T20:00:00Z'); // a Friday
    expect(offHoursAfterRun({ nextRunAt: null }, cron('0 8 * * 1-5'), at)).toEqual({
      hours: 60,
      basis: 'until_matching_start',
    });
    expect(offHoursAfterRun({ nextRunAt: new Date('2026-05-11T20:00:00Z') }, null, at)).toEqual({
      hours: 72,
      basis: 'until_next_stop',
    });
    expect(offHoursAfterRun({ nextRunAt: null }, null, at)).toEqual({ hours: 730, basis: 'until_next_stop' });
  });
});
