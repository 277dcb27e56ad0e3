/** Lambda entry point for the one-minute EventBridge rule: finds due work and queues it. */
import type { ScheduledEvent } from 'aws-lambda';
import { log } from '../lib/log.js';
import { type DepsProvider, productionDeps } from '../lib/services/deps.js';
import { enqueueDuePolls } from '../lib/services/polls.js';

export function createTickHandler(provideDeps: DepsProvider) {
  return async (event: Pick<ScheduledEvent, 'time' | 'id'>): Promise<{ pollsQueued: number }> => {
    const deps = await provideDeps();
    const pollsQueued = await enqueueDuePolls(deps);
    log.info('tick', { eventId: event.id, scheduledFor: event.time, pollsQueued });
    return { pollsQueued };
  };
}

export const handler = createTickHandler(productionDeps);
