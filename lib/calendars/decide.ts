/**
 * Whether an occurrence of a schedule is skipped, and why: its day (in the schedule's time zone) is one of
 * its exception dates or a day of one of its calendars, or its time is outside every maintenance window.
 * Pure: the occurrence instant and the calendars are given, nothing is read.
 *
 * Days and hours are wall-clock ones. On a spring-forward day a 02:30 cron runs at 03:00 local, on that
 * same local day; on a fall-back day 01:30 happens twice and both passes read as 01:30. A cron
 * schedule's time zone is its own; interval and once schedules read days and hours in UTC.
 */
import type { ScheduleWhen } from '../cron/next-run.js';
import { wallClock } from '../cron/timezone.js';
import type { CalendarDay, MaintenanceWindow } from '../model/calendars/calendar.js';
import { WEEKDAYS } from '../model/calendars/calendar.js';

export type SkipCode = 'exception_date' | 'calendar' | 'outside_window';

export interface OccurrenceSkip {
  code: SkipCode;
  reason: string;
}

/** What the decision reads of a calendar: its name and its days as inclusive ranges. */
export interface CalendarDaysRef {
  _id: string;
  name: string;
  days: ReadonlyArray<{ from: string; to: string }>;
}

export interface SkipRules {
  when: ScheduleWhen;
  exceptions?: { calendars: string[]; dates: CalendarDay[] } | null;
  windows?: MaintenanceWindow[] | null;
}

export function scheduleTimeZone(when: ScheduleWhen): string {
  return when.kind === 'cron' ? when.timeZone : 'UTC';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local day of `at` in `timeZone`, YYYY-MM-DD. */
export function localDateOf(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

export function asRange(day: CalendarDay): { from: string; to: string } {
  return typeof day === 'string' ? { from: day, to: day } : day;
}

/** YYYY-MM-DD strings order as the days do. */
function covers(range: { from: string; to: string }, date: string): boolean {
  return range.from <= date && date <= range.to;
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Whether the local weekday and minute of the day fall inside the window. */
export function insideWindow(w: MaintenanceWindow, weekday: number, minute: number): boolean {
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  const opens = (d: number) => w.days.includes(WEEKDAYS[(d + 7) % 7]!);
  if (from < to) return opens(weekday) && minute >= from && minute < to;
  // Overnight: opens on its day at `from`, closes the next day at `to`.
  return (opens(weekday) && minute >= from) || (opens(weekday - 1) && minute < to);
}

function describeWindow(w: MaintenanceWindow): string {
  return `${w.days.join(',')} ${w.from}-${w.to}`;
}

/**
 * Why the occurrence at `at` is skipped, or null when it runs. Exception dates come first, then the
 * calendars in the order the schedule names them, then the windows. Calendars the schedule names but
 * `calendars` lacks (deleted since) skip nothing.
 */
export function isOccurrenceSkipped(
  schedule: SkipRules,
  at: Date,
  calendars: readonly CalendarDaysRef[],
): OccurrenceSkip | null {
  const timeZone = scheduleTimeZone(schedule.when);
  const date = localDateOf(at, timeZone);
  const exceptions = schedule.exceptions;
  if (exceptions) {
    if (exceptions.dates.some((d) => covers(asRange(d), date))) {
      return {
        code: 'exception_date',
        reason: `${date} (${timeZone}) is one of the schedule's exception dates`,
      };
    }
    const byId = new Map(calendars.map((c) => [c._id, c]));
    for (const id of exceptions.calendars) {
      const cal = byId.get(id);
      if (cal?.days.some((r) => covers(r, date))) {
        return {
          code: 'calendar',
          reason: `${date} (${timeZone}) is a day of calendar "${cal.name}" (${id})`,
        };
      }
    }
  }
  const windows = schedule.windows;
  if (windows && windows.length > 0) {
    const w = wallClock(at, timeZone);
    const minute = w.hour * 60 + w.minute;
    if (!windows.some((win) => insideWindow(win, w.weekday, minute))) {
      const local = `${date} ${pad(w.hour)}:${pad(w.minute)} ${WEEKDAYS[w.weekday]}`;
      return {
        code: 'outside_window',
        reason: `${local} (${timeZone}) is outside the maintenance windows (${windows.map(describeWindow).join('; ')})`,
      };
    }
  }
  return null;
}
