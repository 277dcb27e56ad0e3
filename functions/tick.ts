/** Lambda entry point for the one-minute EventBridge rule: finds due work and queues it, and resends lost jobs. */
import type { ScheduledEvent } from 'aws-lambda';
import { productionDeps } from '../lib/app/deps.js';
import { runTick, type TickCounts } from '../lib/app/tick.js';
import type { DepsProvider } from '../lib/core/deps.js';
import { log } from '../lib/core/log.js';

export function createTickHandler(provideDeps: DepsProvider) {
  return async (event: Pick<ScheduledEvent, 'time' | 'id'>): Promise<TickCounts> => {
    const counts = await runTick(await provideDeps());
    log.info('tick', { eventId: event.id, scheduledFor: event.time, ...counts });
    return counts;
  };
}

export const handler = createTickHandler(productionDeps);
