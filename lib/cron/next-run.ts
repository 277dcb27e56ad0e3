/**
 * When a schedule is next due. Everything here is a pure function of (schedule, instant) so callers can
 * store the answer as `nextRunAt` and a poller only compares it with the clock.
 */
import { UnprocessableError } from '../core/errors.js';
import { type CronSpec, parseCron } from './cron.js';
import { assertTimeZone, instantFor, type WallTime, wallClock } from './timezone.js';

export type IntervalUnit = 'minutes' | 'hours' | 'days';

export interface Every {
  readonly value: number;
  readonly unit: IntervalUnit;
}

export type ScheduleWhen =
  | { readonly kind: 'interval'; readonly every: Every; readonly anchor: Date }
  | { readonly kind: 'cron'; readonly expression: string; readonly timeZone: string }
  | { readonly kind: 'once'; readonly at: Date };

/**
 * How far ahead a cron search looks before declaring the expression impossible. Nine years, not five,
 * because `0 0 29 2 *` can legitimately wait eight (2096-02-29 -> 2104-02-29; 2100 is not a leap year).
 */
const SEARCH_YEARS = 9;

const UNIT_MS: Readonly<Record<IntervalUnit, number>> = {
  minutes: 60_000,
  hours: 3_600_000,
  // A day is a fixed 24 h here, not a calendar day: intervals are elapsed time, cron is wall-clock time.
  days: 86_400_000,
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Plain arithmetic rather than Date objects: these run for every candidate day of the search.
function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1]!;
}

/** Sakamoto's method: 0 = Sunday. */
function weekday(year: number, month: number, day: number): number {
  const y = month < 3 ? year - 1 : year;
  const t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4][month - 1]!;
  return (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + t + day) % 7;
}

function firstAtLeast(sorted: readonly number[], min: number): number | undefined {
  for (const v of sorted) if (v >= min) return v;
  return undefined;
}

function dayMatches(spec: CronSpec, year: number, month: number, day: number): boolean {
  const domOk = spec.daysOfMonth.includes(day);
  const dowOk = spec.daysOfWeek.includes(weekday(year, month, day));
  if (spec.dayOfMonthStar || spec.dayOfWeekStar) return domOk && dowOk;
  return domOk || dowOk;
}

/**
 * The first wall time at or after `from` that the spec matches, or null past `lastYear`. `from` may carry
 * minute 60 / hour 24 / day 32 overflows; the search carries them. It skips whole months, days and hours
 * whose field does not match, so a yearly expression costs a handful of steps, not half a million minutes.
 */
function nextMatchingWall(spec: CronSpec, from: WallTime, lastYear: number): WallTime | null {
  let { year, month, day, hour, minute } = from;
  while (year <= lastYear) {
    if (month > 12 || !spec.months.includes(month)) {
      const m = month > 12 ? undefined : firstAtLeast(spec.months, month);
      if (m === undefined) {
        year++;
        month = spec.months[0]!;
      } else {
        month = m;
      }
      day = 1;
      hour = 0;
      minute = 0;
      continue;
    }
    if (day > daysInMonth(year, month)) {
      month++;
      day = 1;
      hour = 0;
      minute = 0;
      continue;
    }
    if (!dayMatches(spec, year, month, day)) {
      // Unless the OR rule applies, the day of month must match, so jump straight to the next listed one.
      const orRule = !spec.dayOfMonthStar && !spec.dayOfWeekStar;
      day = orRule ? day + 1 : (firstAtLeast(spec.daysOfMonth, day + 1) ?? 32);
      hour = 0;
      minute = 0;
      continue;
    }
    const h = firstAtLeast(spec.hours, hour);
    if (h === undefined) {
      day++;
      hour = 0;
      minute = 0;
      continue;
    }
    if (h !== hour) {
      hour = h;
      minute = 0;
    }
    const mi = firstAtLeast(spec.minutes, minute);
    if (mi === undefined) {
      hour++;
      minute = 0;
      continue;
    }
    return { year, month, day, hour, minute: mi };
  }
  return null;
}

/**
 * The first occurrence of `spec` in `timeZone` strictly after `after`. Every matching local wall time fires
 * at most once: a time inside a spring-forward gap fires when the gap ends (and merges with a real
 * occurrence at that instant), a time inside a fall-back overlap fires at its first occurrence only, so
 * the repeated hour's second pass fires nothing.
 */
export function nextCronRun(spec: CronSpec, timeZone: string, after: Date): Date {
  const start = wallClock(after, timeZone);
  const lastYear = start.year + SEARCH_YEARS;
  // The current minute has begun already (at or before `after`), so the search starts at the next one.
  let from: WallTime = { ...start, minute: start.minute + 1 };
  for (;;) {
    const wall = nextMatchingWall(spec, from, lastYear);
    if (wall === null) {
      throw new UnprocessableError(
        `cron expression "${spec.source}" never matches (no occurrence within ${SEARCH_YEARS} years)`,
      );
    }
    const t = instantFor(wall, timeZone);
    // Instants never decrease as wall times increase, so this only loops while walking through the second
    // pass of an overlap (mapped to the first) or onto a gap end already returned.
    if (t.getTime() > after.getTime()) return t;
    from = { ...wall, minute: wall.minute + 1 };
  }
}

/**
 * The first `anchor + k * period` (k >= 0) strictly after `after`. After downtime the missed slots collapse
 * into this single next one rather than a burst of catch-up runs.
 */
export function nextIntervalRun(every: Every, anchor: Date, after: Date): Date {
  const unitMs = UNIT_MS[every.unit];
  if (unitMs === undefined) {
    throw new UnprocessableError(`interval unit "${String(every.unit)}" must be minutes, hours or days`);
  }
  if (!Number.isInteger(every.value) || every.value < 1) {
    throw new UnprocessableError(`interval value ${every.value} must be a positive integer`);
  }
  const period = every.value * unitMs;
  const a = anchor.getTime();
  const t = after.getTime();
  if (t < a) return new Date(a);
  return new Date(a + (Math.floor((t - a) / period) + 1) * period);
}

/** When `when` is next due strictly after `after`; null when a one-off has already passed. */
export function nextRunAt(when: ScheduleWhen, after: Date): Date | null {
  switch (when.kind) {
    case 'interval':
      return nextIntervalRun(when.every, when.anchor, after);
    case 'cron':
      assertTimeZone(when.timeZone);
      return nextCronRun(parseCron(when.expression), when.timeZone, after);
    case 'once':
      return when.at.getTime() > after.getTime() ? when.at : null;
  }
}

/** Whether a run stored as due at `nextRunAt` should start at `now`. */
export function isDue(nextRunAt: Date | null, now: Date): boolean {
  return nextRunAt !== null && nextRunAt.getTime() <= now.getTime();
}
