/** Lambda entry point for the one-minute EventBridge rule: finds due work and queues it, and resends lost jobs. */
import type { ScheduledEvent } from 'aws-lambda';
import { productionDeps } from '../lib/app/deps.js';
import type { DepsProvider } from '../lib/core/deps.js';
import { log } from '../lib/core/log.js';
import { enqueueDuePolls } from '../lib/inventory/due.js';
import { resendStrandedJobs } from '../lib/jobs/sweep.js';
import { enqueueDueProbes } from '../lib/probes/tick.js';
import { claimDueSchedules } from '../lib/schedules/runs.js';

export function createTickHandler(provideDeps: DepsProvider) {
  return async (
    event: Pick<ScheduledEvent, 'time' | 'id'>,
  ): Promise<{ pollsQueued: number; schedulesRun: number; probesQueued: number; jobsResent: number }> => {
    const deps = await provideDeps();
    const pollsQueued = await enqueueDuePolls(deps);
    const schedulesRun = await claimDueSchedules(deps);
    const probesQueued = await enqueueDueProbes(deps);
    const jobsResent = await resendStrandedJobs(deps);
    log.info('tick', {
      eventId: event.id,
      scheduledFor: event.time,
      pollsQueued,
      schedulesRun,
      probesQueued,
      jobsResent,
    });
    return { pollsQueued, schedulesRun, probesQueued, jobsResent };
  };
}

export const handler = createTickHandler(productionDeps);
