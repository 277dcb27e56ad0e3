/**
 * A schedule's occurrences ahead, each with whether it will be skipped and why: the next one as stored
 * (a postponed one at its moved time), then each following one as the tick will compute it. Pure, given
 * the calendars; `occurrencesOf` reads them.
 */
import type { CalendarDaysRef } from '../calendars/decide.js';
import { isOccurrenceSkipped } from '../calendars/decide.js';
import type { ServiceDeps } from '../core/deps.js';
import type { OccurrencesView } from '../model/calendars/overrides.js';
import { MAX_OCCURRENCE_RANGE_DAYS } from '../model/calendars/overrides.js';
import { calendarsOf } from './calendar-use.js';
import { computeNextRunAt, type ScheduleDoc } from './rules.js';
import { findSchedule } from './schedules.js';

/** The walk from the next run to `from` takes at most this many steps (a max run count forbids jumping). */
const MAX_STEPS = 20_000;

type Occurrence = OccurrencesView['items'][number];

export function listOccurrences(
  schedule: ScheduleDoc,
  calendars: readonly CalendarDaysRef[],
  from: Date,
  to: Date,
  limit: number,
): OccurrencesView {
  const items: Occurrence[] = [];
  let at = schedule.nextRunAt;
  const postponed =
    schedule.postponed && at?.getTime() === schedule.postponed.to.getTime() ? schedule.postponed : null;
  let count = schedule.runCount;
  // Without a max run count, the walk may start at `from` itself rather than step towards it.
  if (at && !postponed && schedule.maxRunCount === null && at.getTime() < from.getTime()) {
    at = computeNextRunAt({ ...schedule, runImmediately: false }, new Date(from.getTime() - 1));
  }
  for (let step = 0; at && at.getTime() <= to.getTime() && step < MAX_STEPS; step++) {
    if (at.getTime() >= from.getTime()) {
      if (items.length === limit) return { items, truncated: true };
      const skipped = isOccurrenceSkipped(schedule, at, calendars);
      items.push({
        at: at.toISOString(),
        ...(postponed && step === 0 ? { postponedFrom: postponed.from.toISOString() } : {}),
        ...(skipped ? { skipped } : {}),
      });
    }
    count++;
    at = computeNextRunAt({ ...schedule, runImmediately: false, runCount: count }, at);
  }
  return { items, truncated: false };
}

export async function occurrencesOf(
  deps: ServiceDeps,
  orgId: string,
  id: string,
  query: { from?: string | undefined; to?: string | undefined; limit: number },
): Promise<OccurrencesView> {
  const schedule = await findSchedule(deps, orgId, id);
  const from = query.from ? new Date(query.from) : deps.now();
  const to = query.to
    ? new Date(query.to)
    : new Date(from.getTime() + MAX_OCCURRENCE_RANGE_DAYS * 86_400_000);
  return listOccurrences(schedule, await calendarsOf(deps, schedule), from, to, query.limit);
}
