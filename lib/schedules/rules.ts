/**
 * The pure decisions about a schedule: is it active (and if not, why), and when does it run next. Both
 * are functions of (schedule, instant) only, so the tick just compares the stored `nextRunAt` with the
 * clock, and tests need no database.
 */

import { nextRunAt, type ScheduleWhen } from '../cron/next-run.js';
import type { MaintenanceWindow, ScheduleExceptions } from '../model/calendars/calendar.js';
import type { ConditionNode } from '../model/condition.js';
import type { InactiveReason, ScheduleActionBody } from '../model/schedule.js';

/** `when` as stored: dates as dates; an interval carries its anchor (runs fall on anchor + k * every). */
export type StoredWhen = ScheduleWhen;

export interface ScheduleDoc {
  _id: string;
  orgId: string;
  name: string;
  description: string | null;
  enabled: boolean;
  conditions: ConditionNode;
  action: ScheduleActionBody;
  when: StoredWhen;
  startAfter: Date | null;
  expiresAt: Date | null;
  maxRunCount: number | null;
  /** schedule.upcoming goes out this many minutes before each run (absent in schedules made before). */
  notifyBeforeMinutes?: number | null;
  /** The nextRunAt whose schedule.upcoming went out: one announcement per occurrence. */
  announcedRunAt?: Date | null;
  /** Exception days (lib/calendars/decide.ts); absent in schedules made before. */
  exceptions?: ScheduleExceptions | null;
  /** Run only inside these windows; absent or null: any time. */
  windows?: MaintenanceWindow[] | null;
  /** The next occurrence, moved once by a postpone (lib/schedules/postpone.ts). */
  postponed?: { from: Date; to: Date } | null;
  runImmediately: boolean;
  runCount: number;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  createdBy: { type: 'token' | 'system'; id: string; name: string };
  createdAt: Date;
  updatedAt: Date;
}

/** What the timing decisions read. */
export type ScheduleTiming = Pick<
  ScheduleDoc,
  'enabled' | 'when' | 'startAfter' | 'expiresAt' | 'maxRunCount' | 'runImmediately' | 'runCount'
>;

export interface ScheduleStatus {
  active: boolean;
  reason: InactiveReason | null;
}

function maxReached(s: Pick<ScheduleDoc, 'maxRunCount' | 'runCount'>): boolean {
  return s.maxRunCount !== null && s.runCount >= s.maxRunCount;
}

/**
 * Active only while enabled, started, not expired, under its max run count, and with a run ahead. The
 * first reason that applies, in that order, is the one shown.
 */
export function scheduleStatus(
  schedule: ScheduleTiming & Pick<ScheduleDoc, 'nextRunAt'>,
  now: Date,
): ScheduleStatus {
  const inactive = (reason: InactiveReason): ScheduleStatus => ({ active: false, reason });
  if (!schedule.enabled) return inactive('disabled');
  if (schedule.expiresAt && now.getTime() >= schedule.expiresAt.getTime()) return inactive('expired');
  if (maxReached(schedule)) return inactive('max_run_count_reached');
  if (schedule.startAfter && now.getTime() < schedule.startAfter.getTime()) return inactive('not_started');
  if (schedule.nextRunAt === null) return inactive('no_next_run');
  return { active: true, reason: null };
}

/**
 * The next run strictly after `after` (or at `after` itself for a pending `runImmediately`), never before
 * startAfter, null when it would fall at or past expiresAt, when the max run count is reached, when a
 * one-off has passed, or when the schedule is disabled. `runCount` is the number of runs already made: the
 * tick passes the count including the run it is claiming.
 */
export function computeNextRunAt(schedule: ScheduleTiming, after: Date): Date | null {
  if (!schedule.enabled || maxReached(schedule)) return null;
  const start = schedule.startAfter;
  let next: Date | null;
  if (schedule.runImmediately && schedule.runCount === 0) {
    // The first run is due at once (or as soon as the schedule starts).
    next = start && start.getTime() > after.getTime() ? start : after;
  } else {
    // "Strictly after" the later of `after` and just before startAfter: an occurrence exactly at
    // startAfter counts.
    const from = start && start.getTime() - 1 > after.getTime() ? new Date(start.getTime() - 1) : after;
    next = nextRunAt(schedule.when, from);
  }
  if (next && schedule.expiresAt && next.getTime() >= schedule.expiresAt.getTime()) return null;
  return next;
}

/** The anchor of a new interval: runs fall on startAfter + k * every, or creation + k * every. */
export function intervalAnchor(startAfter: Date | null, now: Date): Date {
  return startAfter ?? now;
}
