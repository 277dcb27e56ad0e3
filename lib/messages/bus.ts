/**
 * What an event bus is to Nimbo: it takes entries in batches and says, per entry, whether it took it.
 * The stack's EventBridge bus (eventbridge.ts) and the local runtime's in-process bus implement it;
 * buses.ts says which one is in use.
 */
import { NimboError } from '../core/errors.js';

/** One event as a bus takes it: the fields of an EventBridge PutEvents entry. */
export interface BusEntry {
  source: string;
  detailType: string;
  /** JSON text. */
  detail: string;
  time: Date;
  resources: string[];
}

/** Per entry, in the order sent: taken, or refused with the bus's error code and words. */
export type BusEntryResult = { ok: true } | { ok: false; errorCode: string; errorMessage: string };

export interface EventBus {
  /** The bus's name, for logs and errors. */
  readonly name: string;
  /**
   * Puts at most 10 entries (PutEvents' limit) in one call and answers one result per entry. Throws when
   * the call itself fails: then none of the entries is known to have gone.
   */
  put(entries: BusEntry[]): Promise<BusEntryResult[]>;
}

/** The bus did not take events just now (throttled, a server error, a timeout): worth another attempt. */
export class EventBusUnavailableError extends NimboError {
  override readonly name = 'EventBusUnavailableError';
  readonly code = 'event_bus_unavailable';
}

/**
 * The bus refuses Nimbo's events whatever the attempt (permissions): not retried by the job, because
 * only a change of the deployment helps. The events stay unpublished, for the tick's sweep to try again.
 */
export class EventBusRefusedError extends NimboError {
  override readonly name = 'EventBusRefusedError';
  readonly code = 'event_bus_refused';
}

/** What the services that publish take: tests pass a bus; otherwise EVENT_BUS_NAME names it (buses.ts). */
export interface BusDeps {
  eventBus?: EventBus;
}
