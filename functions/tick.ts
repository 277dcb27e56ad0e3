/** Lambda entry point for the one-minute EventBridge rule: finds due work and queues it. */
import type { ScheduledEvent } from 'aws-lambda';
import { log } from '../lib/log.js';
import { type DepsProvider, productionDeps } from '../lib/services/deps.js';
import { enqueueDuePolls } from '../lib/services/polls.js';
import { enqueueDueProbes } from '../lib/services/probe-tick.js';
import { claimDueSchedules } from '../lib/services/schedule-runs.js';

export function createTickHandler(provideDeps: DepsProvider) {
  return async (
    event: Pick<ScheduledEvent, 'time' | 'id'>,
  ): Promise<{ pollsQueued: number; schedulesRun: number; probesQueued: number }> => {
    const deps = await provideDeps();
    const pollsQueued = await enqueueDuePolls(deps);
    const schedulesRun = await claimDueSchedules(deps);
    const probesQueued = await enqueueDueProbes(deps);
    log.info('tick', {
      eventId: event.id,
      scheduledFor: event.time,
      pollsQueued,
      schedulesRun,
      probesQueued,
    });
    return { pollsQueued, schedulesRun, probesQueued };
  };
}

export const handler = createTickHandler(productionDeps);
