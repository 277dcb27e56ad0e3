/**
 * The local runtime's event bus, in place of the stack's EventBridge bus: the worker's publish jobs put
 * events on it exactly as they would on EventBridge (lib/events/publish.ts), and it logs each one as a
 * structured line (its type, id and org), which is what a local subscriber sees. It takes every entry;
 * the last ones are kept in memory for a look from tests.
 */
import { log } from '../../lib/core/log.js';
import type { BusEntry, BusEntryResult, EventBus } from '../../lib/messages/bus.js';

export class LocalEventBus implements EventBus {
  /** The entries taken, oldest first, at most `keep` of them. */
  readonly received: BusEntry[] = [];

  constructor(
    readonly name: string,
    private readonly keep = 1000,
  ) {}

  async put(entries: BusEntry[]): Promise<BusEntryResult[]> {
    for (const entry of entries) {
      const detail = JSON.parse(entry.detail) as { id?: unknown; orgId?: unknown };
      log.info('event published', {
        bus: this.name,
        source: entry.source,
        type: entry.detailType,
        id: detail.id,
        orgId: detail.orgId,
        eventTime: entry.time.toISOString(),
      });
      this.received.push(entry);
    }
    if (this.received.length > this.keep) this.received.splice(0, this.received.length - this.keep);
    return entries.map(() => ({ ok: true }));
  }
}
