/**
 * A schedule run is complete once none of its machines is queued any more: every job ended, or none was
 * queued at all. Completion is a compare-and-set on `completedAt`, so of the workers recording the last
 * outcomes at once exactly one sees it, and the schedule.run.completed event goes out once.
 */
import { recordEvents } from '../events/record.js';
import type { JobDeps } from '../jobs/jobs.js';
import { type ScheduleRunDoc, scheduleCollections } from './store.js';

/**
 * An event must fit every receiver (EventBridge takes 256 KB): the results list at most this many
 * machines, failures first; the counts are always whole.
 */
export const MAX_RESULTS_IN_EVENT = 200;

type FinalStatus = 'succeeded' | 'failed' | 'skipped';

/** The event's data for a completed run: the counts, and each machine's outcome (failures first). */
export function runCompletedData(run: ScheduleRunDoc, scheduleName: string) {
  const final = run.machines.filter((m): m is typeof m & { status: FinalStatus } => m.status !== 'queued');
  const counts = { succeeded: 0, failed: 0, skipped: 0 };
  for (const m of final) counts[m.status]++;
  const rank: Record<FinalStatus, number> = { failed: 0, skipped: 1, succeeded: 2 };
  const results = [...final]
    .sort((a, b) => rank[a.status] - rank[b.status])
    .slice(0, MAX_RESULTS_IN_EVENT)
    .map((m) => ({
      machineId: m.machineId,
      name: m.name,
      status: m.status,
      jobId: m.jobId,
      error: m.error ? { code: m.error.code, message: m.error.message } : null,
    }));
  return {
    scheduleId: run.scheduleId,
    runId: run._id,
    name: scheduleName,
    action: run.action,
    counts,
    results,
    resultsTruncated: final.length > results.length,
  };
}

/** Marks the run complete if nothing of it is queued; answers whether this call completed it. */
export async function completeRunIfDone(deps: JobDeps, orgId: string, runId: string): Promise<boolean> {
  const { runs, schedules } = scheduleCollections(deps.db);
  const now = deps.now();
  const run = await runs.findOneAndUpdate(
    { _id: runId, orgId, completedAt: null, 'machines.status': { $ne: 'queued' } },
    { $set: { completedAt: now } },
    { returnDocument: 'after' },
  );
  if (!run) return false;
  const schedule = await schedules.findOne({ _id: run.scheduleId, orgId }, { projection: { name: 1 } });
  const data = runCompletedData(run, schedule?.name ?? run.scheduleId);
  await recordEvents(deps, [{ orgId, type: 'schedule.run.completed', data, at: now }]);
  return true;
}
