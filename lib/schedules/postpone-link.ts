/** What schedule.upcoming says beyond the run itself: whether it was moved, skipped, and how to move it. */
import type { ServiceDeps } from '../core/deps.js';
import { skippedOccurrence } from './calendar-use.js';
import type { ScheduleDoc } from './rules.js';

export async function upcomingExtras(deps: ServiceDeps, s: ScheduleDoc, runAt: Date) {
  const moved = s.postponed && s.postponed.to.getTime() === runAt.getTime() ? s.postponed.from : null;
  return {
    postponedFrom: moved ? moved.toISOString() : null,
    skipped: await skippedOccurrence(deps, s, runAt),
    postpone: { method: 'POST' as const, href: `/v1/schedules/${s._id}/postpone` },
  };
}
