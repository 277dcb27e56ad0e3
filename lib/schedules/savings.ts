/**
 * What a stop schedule saves. Machines stopped by a run are off from the run until the next run of an
 * enabled start schedule whose conditions are the same (the "matching start"); without one, until this
 * schedule's own next run (nobody is assumed to start them by hand: an upper bound), and at most a
 * month. A saving is those hours × the sum of the stopped machines' hourlyCost, per currency (never
 * converted). The dry run estimates the next 730 hours (a month, as GET /v1/costs counts one) from the
 * schedule's occurrences; each run records what it saved, estimated when it queues its stops.
 */
import type { ServiceDeps } from '../core/deps.js';
import { log } from '../core/log.js';
import { hourlyOf, round6 } from '../costs/costs.js';
import type { SavingsReport } from '../costs/schemas.js';
import { findMachinesForAction } from '../machines/conditions.js';
import { checkAction } from '../machines/machines.js';
import { HOURS_PER_MONTH, type SavingsEstimate } from '../model/schedule.js';
import { computeNextRunAt, type ScheduleDoc, type ScheduleTiming } from './rules.js';
import { type ScheduleRunDoc, scheduleCollections } from './store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Occurrences looked at per estimate: a schedule every minute has 43,800 in a month; past this, stop. */
const MAX_OCCURRENCES = 50_000;

/** JSON with sorted keys: two conditions written in different key orders are the same conditions. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export const isStop = (s: Pick<ScheduleDoc, 'action'>) =>
  s.action.type === 'machine.action' && s.action.action === 'stop';

/** The enabled start schedule of the org with the same conditions (the first by name), or null. */
export async function matchingStart(deps: ServiceDeps, stop: ScheduleDoc): Promise<ScheduleDoc | null> {
  const starts = await scheduleCollections(deps.db)
    .schedules.find({
      orgId: stop.orgId,
      enabled: true,
      'action.type': 'machine.action',
      'action.action': 'start',
    })
    .sort({ name: 1 })
    .limit(200)
    .toArray();
  const want = canonical(stop.conditions);
  return starts.find((s) => s._id !== stop._id && canonical(s.conditions) === want) ?? null;
}

/** The first run of `s` strictly after `after` (runImmediately aside: a start is not re-run at once). */
function nextOf(s: ScheduleTiming, after: Date): Date | null {
  return computeNextRunAt({ ...s, runImmediately: false, runCount: Math.max(1, s.runCount) }, after);
}

/**
 * Hours the machines are off in [now, now + windowHours): from each occurrence of `stop` until the next
 * run of `start` after it (or, without `start`, for the rest of the window), overlapping spells counted
 * once. Pure, the clock given.
 */
export function offHoursInWindow(
  stop: ScheduleTiming,
  start: ScheduleTiming | null,
  now: Date,
  windowHours = HOURS_PER_MONTH,
): number {
  const end = now.getTime() + windowHours * HOUR_MS;
  let at = computeNextRunAt(stop, now);
  let runCount = stop.runCount;
  let coveredUntil = now.getTime();
  let off = 0;
  for (let i = 0; at && at.getTime() < end && i < MAX_OCCURRENCES; i++) {
    const from = Math.max(at.getTime(), coveredUntil);
    const until = start ? Math.min(nextOf(start, at)?.getTime() ?? end, end) : end;
    if (until > from) {
      off += until - from;
      coveredUntil = until;
    }
    if (!start) break; // off for the rest of the window
    runCount++;
    const next = computeNextRunAt({ ...stop, runCount }, at);
    if (next && next.getTime() <= at.getTime()) break;
    at = next;
  }
  return round6(off / HOUR_MS);
}

/** Hours a run at `at` keeps its machines off: to the matching start's next run, else to the stop's next. */
export function offHoursAfterRun(
  stop: Pick<ScheduleDoc, 'nextRunAt'>,
  start: ScheduleTiming | null,
  at: Date,
): { hours: number; basis: SavingsEstimate['basis'] } {
  const cap = at.getTime() + HOURS_PER_MONTH * HOUR_MS;
  const until = start ? nextOf(start, at) : stop.nextRunAt;
  const end = Math.min(until?.getTime() ?? cap, cap);
  return {
    hours: round6(Math.max(0, end - at.getTime()) / HOUR_MS),
    basis: start ? 'until_matching_start' : 'until_next_stop',
  };
}

async function savingsOf(
  deps: ServiceDeps,
  orgId: string,
  machineIds: string[],
  hours: number,
  basis: SavingsEstimate['basis'],
  start: ScheduleDoc | null,
): Promise<SavingsEstimate> {
  const priced = await hourlyOf(deps, orgId, machineIds);
  return {
    basis,
    startScheduleId: start?._id ?? null,
    offHours: hours,
    machines: machineIds.length,
    unpriced: priced.unpriced,
    saved: priced.perCurrency.map((p) => ({ currency: p.currency, amount: round6(p.hourly * hours) })),
  };
}

const nothing = (): SavingsEstimate => ({
  basis: 'not_a_stop',
  startScheduleId: null,
  offHours: 0,
  machines: 0,
  unpriced: 0,
  saved: [],
});

/** The dry run's figure: what the schedule would save in the next 730 hours, over the machines it would stop now. */
export async function estimateMonthlySavings(
  deps: ServiceDeps,
  schedule: ScheduleDoc,
  now: Date,
  /** As many as a run acts on (MAX_MACHINES_PER_RUN). */
  machineLimit = 10_000,
): Promise<SavingsEstimate> {
  if (!isStop(schedule)) return nothing();
  const start = await matchingStart(deps, schedule);
  const found = await findMachinesForAction(deps, schedule.orgId, schedule.conditions, machineLimit, now);
  const ids = found.machines
    .filter((m) => {
      try {
        checkAction(m, 'stop', {});
        return true;
      } catch {
        return false;
      }
    })
    .map((m) => m._id);
  const hours = offHoursInWindow(schedule, start, now);
  return savingsOf(
    deps,
    schedule.orgId,
    ids,
    hours,
    start ? 'until_matching_start' : 'until_next_stop',
    start,
  );
}

/**
 * What a run saves, over the machines it queued a stop for, recorded on the run. Never fails the run: a
 * failure to estimate is logged and recorded as null.
 */
export async function runSavings(
  deps: ServiceDeps,
  schedule: ScheduleDoc,
  run: ScheduleRunDoc,
): Promise<SavingsEstimate | null> {
  if (!isStop(schedule)) return null;
  try {
    const start = await matchingStart(deps, schedule);
    const { hours, basis } = offHoursAfterRun(schedule, start, run.at);
    const ids = run.machines.filter((m) => m.status === 'queued').map((m) => m.machineId);
    return await savingsOf(deps, schedule.orgId, ids, hours, basis, start);
  } catch (err) {
    log.error('schedule run savings not estimated', { scheduleId: schedule._id, error: err });
    return null;
  }
}

/** GET /v1/costs/savings: what the runs of [from, to) saved, per schedule and currency. */
export async function savingsReport(
  deps: ServiceDeps,
  orgId: string,
  query: { from?: string | undefined; to?: string | undefined },
): Promise<SavingsReport> {
  const to = query.to ? new Date(query.to) : deps.now();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
  const { runs, schedules } = scheduleCollections(deps.db);
  const match = { orgId, at: { $gte: from, $lt: to }, 'savings.basis': { $exists: true } };
  const [counts, amounts] = await Promise.all([
    runs
      .aggregate<{ _id: string; runs: number }>([
        { $match: match },
        { $group: { _id: '$scheduleId', runs: { $sum: 1 } } },
      ])
      .toArray(),
    runs
      .aggregate<{ _id: { s: string; c: string }; amount: number }>([
        { $match: match },
        { $unwind: '$savings.saved' },
        {
          $group: {
            _id: { s: '$scheduleId', c: '$savings.saved.currency' },
            amount: { $sum: '$savings.saved.amount' },
          },
        },
      ])
      .toArray(),
  ]);
  const names = new Map(
    (
      await schedules
        .find({ orgId, _id: { $in: counts.map((c) => c._id) } }, { projection: { name: 1 } })
        .toArray()
    ).map((s) => [s._id, s.name]),
  );
  const totals = new Map<string, number>();
  for (const a of amounts) totals.set(a._id.c, (totals.get(a._id.c) ?? 0) + a.amount);
  const bySchedule = counts
    .map((c) => ({
      scheduleId: c._id,
      name: names.get(c._id) ?? null,
      runs: c.runs,
      saved: amounts
        .filter((a) => a._id.s === c._id)
        .map((a) => ({ currency: a._id.c, amount: round6(a.amount) }))
        .sort((x, y) => x.currency.localeCompare(y.currency)),
    }))
    .sort(
      (x, y) =>
        (y.saved[0]?.amount ?? 0) - (x.saved[0]?.amount ?? 0) || x.scheduleId.localeCompare(y.scheduleId),
    );
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    totals: [...totals]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, amount]) => ({ currency, amount: round6(amount) })),
    schedules: bySchedule,
  };
}
