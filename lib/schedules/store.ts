/**
 * How schedules and their runs are stored and shown: the documents, their collections, and
 * the API views of them (their indexes are in lib/db/collections.ts).
 */
import type { Collection, Db } from 'mongodb';
import { isoOrNull } from '../model/common.js';
import type { RunMachineStatus, SavingsEstimate, ScheduleRunView, ScheduleView } from '../model/schedule.js';
import { type ScheduleDoc, type StoredWhen, scheduleStatus } from './rules.js';

export type { ScheduleDoc } from './rules.js';

export interface ScheduleRunMachine {
  machineId: string;
  name: string;
  jobId: string | null;
  status: RunMachineStatus;
  reason?: string;
  error?: { code: string; message: string };
}

export interface ScheduleRunDoc {
  _id: string;
  orgId: string;
  scheduleId: string;
  at: Date;
  /** The machine action, or "script.run". */
  action: string;
  matched: number;
  queued: number;
  skipped: number;
  truncated: boolean;
  error: { code: string; message: string } | null;
  machines: ScheduleRunMachine[];
  /** When no machine of it was queued any more (schedule.run.completed went out); absent before. */
  completedAt?: Date | null;
  /** Set when the whole occurrence was skipped (lib/calendars/decide.ts); absent otherwise. */
  occurrenceSkipped?: { code: 'exception_date' | 'calendar' | 'outside_window'; reason: string } | null;
  /** What the run saves (stop schedules; lib/schedules/savings.ts); absent before, null if not estimated. */
  savings?: SavingsEstimate | null;
  /** Run history is kept for RUN_RETENTION_DAYS (TTL). */
  expireAt: Date;
}

export const RUN_RETENTION_DAYS = 90;

export function scheduleCollections(db: Db): {
  schedules: Collection<ScheduleDoc>;
  runs: Collection<ScheduleRunDoc>;
} {
  return {
    schedules: db.collection<ScheduleDoc>('schedules'),
    runs: db.collection<ScheduleRunDoc>('schedule_runs'),
  };
}

function whenView(when: StoredWhen): ScheduleView['when'] {
  switch (when.kind) {
    case 'interval':
      return { kind: 'interval', every: { ...when.every }, anchor: when.anchor.toISOString() };
    case 'cron':
      return { kind: 'cron', expression: when.expression, timeZone: when.timeZone };
    case 'once':
      return { kind: 'once', at: when.at.toISOString() };
  }
}

export function toScheduleView(doc: ScheduleDoc, now: Date): ScheduleView {
  const status = scheduleStatus(doc, now);
  return {
    id: doc._id,
    name: doc.name,
    description: doc.description,
    enabled: doc.enabled,
    conditions: doc.conditions,
    action: doc.action,
    when: whenView(doc.when),
    startAfter: isoOrNull(doc.startAfter),
    expiresAt: isoOrNull(doc.expiresAt),
    maxRunCount: doc.maxRunCount,
    notifyBeforeMinutes: doc.notifyBeforeMinutes ?? null,
    exceptions: doc.exceptions ?? null,
    windows: doc.windows ?? null,
    postponed:
      doc.postponed && doc.nextRunAt?.getTime() === doc.postponed.to.getTime()
        ? { from: doc.postponed.from.toISOString(), to: doc.postponed.to.toISOString() }
        : null,
    runImmediately: doc.runImmediately,
    runCount: doc.runCount,
    nextRunAt: isoOrNull(doc.nextRunAt),
    lastRunAt: isoOrNull(doc.lastRunAt),
    active: status.active,
    inactiveReason: status.reason,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** Per-run machine entries shown in a list of runs; the run itself shows them all. */
export const RUN_LIST_MACHINES = 100;

export function toScheduleRunView(
  doc: ScheduleRunDoc,
  maxMachines = Number.POSITIVE_INFINITY,
): ScheduleRunView {
  const count = (s: RunMachineStatus) => doc.machines.filter((m) => m.status === s).length;
  return {
    id: doc._id,
    scheduleId: doc.scheduleId,
    at: doc.at.toISOString(),
    action: doc.action,
    matched: doc.matched,
    queued: doc.queued,
    skipped: doc.skipped,
    succeeded: count('succeeded'),
    failed: count('failed'),
    truncated: doc.truncated,
    error: doc.error,
    completedAt: isoOrNull(doc.completedAt),
    occurrenceSkipped: doc.occurrenceSkipped ?? null,
    machines: doc.machines.slice(0, maxMachines).map((m) => ({
      machineId: m.machineId,
      name: m.name,
      jobId: m.jobId,
      status: m.status,
      ...(m.reason ? { reason: m.reason } : {}),
      ...(m.error ? { error: m.error } : {}),
    })),
    dryRun: false,
  };
}
