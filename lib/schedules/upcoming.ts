/**
 * schedule.upcoming: a schedule with `notifyBeforeMinutes` tells of each run that long before it, naming
 * the machines its conditions select at that moment, so people can react (postpone, or keep a machine
 * out). Each occurrence is announced once: a compare-and-set records the nextRunAt announced. A run that
 * comes sooner than the lead time (a schedule created or changed late) is announced at the first tick
 * that sees it, as long as it is still ahead.
 */
import { eachLimited } from '../core/concurrency.js';
import { log } from '../core/log.js';
import { recordEvents } from '../events/record.js';
import type { JobDeps } from '../jobs/jobs.js';
import { findMachinesForAction } from '../machines/conditions.js';
import { scheduleActionName } from '../model/schedule.js';
import { upcomingExtras } from './postpone-link.js';
import type { ScheduleDoc } from './rules.js';
import { scheduleCollections } from './store.js';

/** The longest lead time a schedule may ask for (NotifyBefore's max). */
const MAX_LEAD_MS = 1440 * 60_000;

/** An event names at most this many machines (the first by id); `machinesTruncated` says when more match. */
export const MAX_MACHINES_IN_UPCOMING = 200;

/** Whether the schedule's next run is to be announced now. Pure, with the clock given. */
export function isUpcomingDue(
  s: Pick<ScheduleDoc, 'enabled' | 'nextRunAt' | 'notifyBeforeMinutes' | 'announcedRunAt'>,
  now: Date,
): boolean {
  if (!s.enabled || !s.nextRunAt || !s.notifyBeforeMinutes) return false;
  if (s.announcedRunAt && s.announcedRunAt.getTime() === s.nextRunAt.getTime()) return false;
  const at = s.nextRunAt.getTime();
  return at > now.getTime() && at - s.notifyBeforeMinutes * 60_000 <= now.getTime();
}

/** The tick's step: announces every run due for its schedule.upcoming; answers how many went out. */
export async function announceUpcomingRuns(deps: JobDeps, limit = 500): Promise<number> {
  const now = deps.now();
  const { schedules } = scheduleCollections(deps.db);
  // Spans orgs, like the due-schedules query: the system finding its work.
  const candidates = await schedules
    .find({
      enabled: true,
      notifyBeforeMinutes: { $gte: 1 },
      nextRunAt: { $gt: now, $lte: new Date(now.getTime() + MAX_LEAD_MS) },
    })
    .sort({ nextRunAt: 1 })
    .limit(limit)
    .toArray();
  let announced = 0;
  await eachLimited(
    candidates.filter((s) => isUpcomingDue(s, now)),
    8,
    async (s) => {
      try {
        if (await announce(deps, s, now)) announced++;
      } catch (err) {
        log.error('schedule.upcoming not sent', { scheduleId: s._id, error: err });
      }
    },
  );
  return announced;
}

async function announce(deps: JobDeps, s: ScheduleDoc, now: Date): Promise<boolean> {
  const runAt = s.nextRunAt!;
  // updatedAt untouched: the tick's claim compares it, and an announcement changes nothing it decides.
  const claimed = await scheduleCollections(deps.db).schedules.updateOne(
    { _id: s._id, orgId: s.orgId, nextRunAt: runAt, announcedRunAt: { $ne: runAt } },
    { $set: { announcedRunAt: runAt } },
  );
  if (claimed.modifiedCount !== 1) return false;
  const found = await findMachinesForAction(deps, s.orgId, s.conditions, MAX_MACHINES_IN_UPCOMING, now);
  const data = {
    scheduleId: s._id,
    name: s.name,
    action: scheduleActionName(s.action),
    runAt: runAt.toISOString(),
    minutesBefore: Math.max(1, Math.round((runAt.getTime() - now.getTime()) / 60_000)),
    machinesTruncated: found.truncated,
    machines: found.machines.map((m) => ({ machineId: m._id, name: m.name })),
    ...(await upcomingExtras(deps, s, runAt)),
  };
  await recordEvents(deps, [{ orgId: s.orgId, type: 'schedule.upcoming', data, at: now }]);
  return true;
}
