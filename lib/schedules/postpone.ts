/**
 * Postponing a schedule's next occurrence: it runs `minutes` later, once, for every machine it concerns;
 * the occurrences after it stay where they were. Bounded: the moved time is at most a day after the time
 * first planned (postponing again counts from there), before the occurrence that follows, and before the
 * schedule expires. The move is a compare-and-set on the nextRunAt read, so a tick claiming the
 * occurrence meanwhile wins and the postpone answers 409. The schedule.upcoming of the moved time goes
 * out again, its lead time before it (it announces each nextRunAt once).
 */
import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError } from '../core/errors.js';
import { unprocessable } from '../core/field-errors.js';
import type { Actor } from '../model/actor.js';
import { MAX_POSTPONE_MINUTES, type PostponeView } from '../model/calendars/overrides.js';
import { computeNextRunAt, type ScheduleDoc, scheduleStatus } from './rules.js';
import { findSchedule } from './schedules.js';
import { scheduleCollections } from './store.js';

const MINUTE_MS = 60_000;

export type PostponeDecision =
  | { ok: true; from: Date; to: Date }
  | { ok: false; status: 409 | 422; message: string };

/** Where the next occurrence moves, or why it cannot. Pure. */
export function decidePostpone(schedule: ScheduleDoc, minutes: number, now: Date): PostponeDecision {
  const next = schedule.nextRunAt;
  const status = scheduleStatus(schedule, now);
  if (!status.active || !next) {
    return { ok: false, status: 409, message: `The schedule has no occurrence ahead (${status.reason})` };
  }
  if (next.getTime() <= now.getTime()) {
    return { ok: false, status: 409, message: 'The next occurrence is due now: it cannot be moved any more' };
  }
  const pending = schedule.postponed && schedule.postponed.to.getTime() === next.getTime();
  const from = pending ? schedule.postponed!.from : next;
  const to = new Date(next.getTime() + minutes * MINUTE_MS);
  if (to.getTime() - from.getTime() > MAX_POSTPONE_MINUTES * MINUTE_MS) {
    return {
      ok: false,
      status: 422,
      message: `an occurrence moves at most ${MAX_POSTPONE_MINUTES} minutes after ${from.toISOString()}, when it was planned`,
    };
  }
  const following = computeNextRunAt(
    { ...schedule, runImmediately: false, runCount: schedule.runCount + 1 },
    from,
  );
  if (following && to.getTime() >= following.getTime()) {
    return {
      ok: false,
      status: 422,
      message: `the occurrence would reach the following one, at ${following.toISOString()}`,
    };
  }
  if (schedule.expiresAt && to.getTime() >= schedule.expiresAt.getTime()) {
    return { ok: false, status: 422, message: `the schedule expires at ${schedule.expiresAt.toISOString()}` };
  }
  return { ok: true, from, to };
}

export async function postponeSchedule(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  minutes: number,
  requestId: string | null,
): Promise<PostponeView> {
  const schedule = await findSchedule(deps, actor.orgId, id);
  const now = deps.now();
  const decision = decidePostpone(schedule, minutes, now);
  if (!decision.ok) {
    if (decision.status === 409) throw new ConflictError(decision.message);
    throw unprocessable([{ path: 'minutes', message: decision.message }]);
  }
  const { from, to } = decision;
  const written = await scheduleCollections(deps.db).schedules.findOneAndUpdate(
    { _id: id, orgId: actor.orgId, nextRunAt: schedule.nextRunAt, updatedAt: schedule.updatedAt },
    { $set: { nextRunAt: to, postponed: { from, to }, updatedAt: now } },
    { returnDocument: 'after' },
  );
  if (!written) throw new ConflictError(`Schedule ${id} changed or ran meanwhile; look again`);
  await recordAudit(deps, {
    actor,
    action: 'schedule.postpone',
    resource: { type: 'schedule', id, name: schedule.name },
    ...(requestId ? { requestId } : {}),
    details: { from: from.toISOString(), to: to.toISOString(), minutes },
  });
  return { scheduleId: id, from: from.toISOString(), to: to.toISOString(), nextRunAt: to.toISOString() };
}
