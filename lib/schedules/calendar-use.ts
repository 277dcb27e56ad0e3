/**
 * Where schedules meet calendars: a schedule's exceptions name calendars of its org only (422 naming
 * each one that is not); the calendars of a schedule are read for its skip decision; and a calendar some
 * schedule names cannot be deleted (409 naming them).
 */
import { deleteCalendar } from '../calendars/calendars.js';
import { type CalendarDaysRef, isOccurrenceSkipped, type OccurrenceSkip } from '../calendars/decide.js';
import { calendarCollection, calendarDaysRef } from '../calendars/store.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError } from '../core/errors.js';
import { unprocessable } from '../core/field-errors.js';
import type { Actor } from '../model/actor.js';
import type { ScheduleExceptions } from '../model/calendars/calendar.js';
import type { ScheduleDoc } from './rules.js';
import { scheduleCollections } from './store.js';

export async function checkExceptionCalendars(
  deps: ServiceDeps,
  orgId: string,
  exceptions: ScheduleExceptions | null | undefined,
): Promise<void> {
  const ids = exceptions?.calendars ?? [];
  if (ids.length === 0) return;
  const found = await calendarCollection(deps.db)
    .find({ orgId, _id: { $in: ids } })
    .project<{ _id: string }>({ _id: 1 })
    .toArray();
  const known = new Set(found.map((c) => c._id));
  const problems = ids
    .map((id, i) => ({
      id,
      path: `exceptions.calendars.${i}`,
      message: `Calendar ${id} not found in this org`,
    }))
    .filter((p) => !known.has(p.id))
    .map(({ path, message }) => ({ path, message }));
  if (problems.length > 0) throw unprocessable(problems);
}

/** The calendars a schedule's exceptions name, as the skip decision reads them (of its org only). */
export async function calendarsOf(
  deps: ServiceDeps,
  schedule: Pick<ScheduleDoc, 'orgId' | 'exceptions'>,
): Promise<CalendarDaysRef[]> {
  const ids = schedule.exceptions?.calendars ?? [];
  if (ids.length === 0) return [];
  const docs = await calendarCollection(deps.db)
    .find({ orgId: schedule.orgId, _id: { $in: ids } })
    .toArray();
  return docs.map(calendarDaysRef);
}

/** Deletes the calendar unless a schedule of the org names it (409 naming up to five). */
export async function deleteCalendarUnlessUsed(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  requestId: string | null,
): Promise<void> {
  const users = await scheduleCollections(deps.db)
    .schedules.find({ orgId: actor.orgId, 'exceptions.calendars': id })
    .project<{ _id: string; name: string }>({ _id: 1, name: 1 })
    .limit(5)
    .toArray();
  if (users.length > 0) {
    const names = users.map((s) => `"${s.name}" (${s._id})`).join(', ');
    throw new ConflictError(`Calendar ${id} is used by schedules ${names}: remove it from them first`);
  }
  await deleteCalendar(deps, actor, id, requestId);
}

/** Why the schedule's occurrence at `at` is skipped (its exceptions, its windows), or null. */
export async function skippedOccurrence(
  deps: ServiceDeps,
  schedule: ScheduleDoc,
  at: Date,
): Promise<OccurrenceSkip | null> {
  if (!schedule.exceptions && !schedule.windows) return null;
  return isOccurrenceSkipped(schedule, at, await calendarsOf(deps, schedule));
}
