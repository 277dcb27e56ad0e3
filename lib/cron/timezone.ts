/**
 * Wall-clock arithmetic in IANA time zones using only Intl (Node ships the full tz database). An instant's
 * UTC offset is derived by formatting it in the zone and reading the parts back as if they were UTC.
 *
 * DST choices (see instantFor):
 * - a wall time inside a spring-forward gap maps to the instant the gap ends (02:30 on Berlin's spring-forward
 *   day -> 03:00 CEST), so a daily job scheduled in the gap still runs exactly once that day;
 * - a wall time inside a fall-back overlap maps to its FIRST occurrence (01:30 on New York's fall-back day ->
 *   01:30 EDT), so it runs once, not twice.
 */
import { UnprocessableError } from '../core/errors.js';

export interface WallTime {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

export interface WallClock extends WallTime {
  /** 0-6, Sunday = 0. */
  readonly weekday: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// Building a DateTimeFormat costs far more than using one, and schedulers ask about the same few zones.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws UnprocessableError unless `timeZone` is an IANA zone name this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    throw new UnprocessableError('time zone must be a non-empty IANA name such as "Europe/Berlin"');
  }
  try {
    formatterFor(timeZone);
  } catch {
    throw new UnprocessableError(
      `unknown time zone "${timeZone}" (expected an IANA name such as "Europe/Berlin")`,
    );
  }
}

// en-US numeric output is "M/D/YYYY, HH:MM:SS"; reading it with a regex is several times faster than
// formatToParts, which matters because a cron search formats a handful of instants per answer.
const NUMERIC = /^(\d+)\/(\d+)\/(\d+)\D+(\d+):(\d+):(\d+)$/;

/** Local parts of `ms` in the zone, as a UTC millisecond count (seconds included, milliseconds dropped). */
function localAsUtc(ms: number, timeZone: string): number {
  const f = formatterFor(timeZone);
  const m = NUMERIC.exec(f.format(ms));
  if (m !== null) {
    const [, month, day, year, hour, minute, second] = m.map(Number) as number[];
    return Date.UTC(year!, month! - 1, day!, hour, minute, second);
  }
  // Should the runtime ever format differently, fall back to the slower but structured form.
  const n = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of f.formatToParts(ms)) {
    if (p.type in n) n[p.type as keyof typeof n] = Number(p.value);
  }
  return Date.UTC(n.year, n.month - 1, n.day, n.hour, n.minute, n.second);
}

/** The zone's UTC offset at instant `ms`, in milliseconds (local = utc + offset). */
function offsetAt(ms: number, timeZone: string): number {
  return localAsUtc(ms, timeZone) - Math.floor(ms / 1000) * 1000;
}

/** The local calendar date and time of `instant` in `timeZone`. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const local = new Date(localAsUtc(instant.getTime(), timeZone));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    weekday: local.getUTCDay(),
  };
}

/**
 * The instant at which the zone's clocks show `wall`. Overlaps resolve to the first occurrence and gaps to
 * the end of the gap (see the module comment). Assumes at most one offset change within a day either side
 * of `wall`; zones that changed twice within two days (a few historical cases) may resolve imprecisely.
 */
export function instantFor(wall: WallTime, timeZone: string): Date {
  const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const before = offsetAt(local - DAY_MS, timeZone);
  const after = offsetAt(local + DAY_MS, timeZone);
  // A larger offset means an earlier instant, so trying offsets in descending order finds the first
  // occurrence of an ambiguous wall time.
  const candidates = before === after ? [before] : [Math.max(before, after), Math.min(before, after)];
  for (const offset of candidates) {
    const t = local - offset;
    if (offsetAt(t, timeZone) === offset) return new Date(t);
  }
  // No offset reproduces the wall time: it lies in a gap. The offset change happens somewhere between the two
  // readings; binary-search it to the minute (zones change on minute boundaries).
  let lo = Math.floor((local - Math.max(before, after)) / MINUTE_MS);
  let hi = Math.ceil((local - Math.min(before, after)) / MINUTE_MS);
  const loOffset = offsetAt(lo * MINUTE_MS, timeZone);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid * MINUTE_MS, timeZone) === loOffset) lo = mid;
    else hi = mid;
  }
  return new Date(hi * MINUTE_MS);
}
