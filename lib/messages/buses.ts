/**
 * Which bus events go to: the stack's EventBridge bus when deployed, the local runtime's in-process bus in
 * local mode. Both are named by EVENT_BUS_NAME (`local://events` locally), as queues are by their URL
 * (queue.ts), so the publisher only knows "the bus". No EVENT_BUS_NAME: no bus, and nothing is published.
 */
import { ConfigurationError } from '../core/errors.js';
import type { BusDeps, EventBus } from './bus.js';
import { EventBridgeBus } from './eventbridge.js';

const localBuses = new Map<string, EventBus>();
const deployedBuses = new Map<string, EventBus>();

/** The local runtime registers its in-process bus here (never in a deployed stack). */
export function registerLocalBus(name: string, bus: EventBus): void {
  localBuses.set(name, bus);
}

export function unregisterLocalBus(name: string): void {
  localBuses.delete(name);
}

/** The bus of that name; one EventBridge bus object per name, so its client is reused by later invocations. */
export function busFor(name: string): EventBus {
  if (name.startsWith('local://')) {
    const local = localBuses.get(name);
    if (!local) throw new ConfigurationError(`The local event bus ${name} is not running`);
    return local;
  }
  let bus = deployedBuses.get(name);
  if (!bus) {
    bus = new EventBridgeBus(name);
    deployedBuses.set(name, bus);
  }
  return bus;
}

/** Whether events are to be published at all: a bus given, or named by EVENT_BUS_NAME. */
export function hasEventBus(deps: BusDeps, env: NodeJS.ProcessEnv = process.env): boolean {
  return deps.eventBus !== undefined || Boolean(env.EVENT_BUS_NAME);
}

/** The bus events go to; a ConfigurationError when none is configured. */
export function eventBusOf(deps: BusDeps, env: NodeJS.ProcessEnv = process.env): EventBus {
  if (deps.eventBus) return deps.eventBus;
  if (!env.EVENT_BUS_NAME) throw new ConfigurationError('No event bus: EVENT_BUS_NAME is not set');
  return busFor(env.EVENT_BUS_NAME);
}
