/**
 * Publishing recorded events to the event bus: the stack's EventBridge bus when deployed, the local
 * runtime's bus in local mode (lib/messages/buses.ts). recordEvents queues one 'events.publish' job per org
 * and recording, carrying the event ids; the job puts them in batches and marks each event the bus took
 * (`publishedAt`), so a retried job sends only what did not go. Entries the bus did not take now (throttled,
 * its internal failure) fail the job as transient, for the queue's redelivery to send them; the tick's sweep
 * (republish.ts) queues again what a job that failed for good left unpublished. Nothing is dropped silently:
 * the only events never sent are those the bus can never take (too large, refused as malformed), kept with
 * the reason in `publishRefused` and logged as errors.
 *
 * What other systems' EventBridge rules see:
 *   Source      "nimbo", for every event: rules tell them apart by detail-type (and detail.orgId)
 *   DetailType  the event type: "machine.state_changed", "cloud.disabled", ... (lib/model/events/event.ts)
 *   Detail      the event as webhooks get it (schemas/event.v1.schema.json): {id, version, type, timestamp,
 *               orgId, data}
 *   Time        the event's timestamp (when it happened, not when it was published)
 *   Resources   none: Nimbo's ids are not ARNs, and the provider's would need accounts Nimbo does not know
 * e.g. {"source": ["nimbo"], "detail-type": ["machine.unreachable"], "detail": {"orgId": ["org_…"]}}.
 * Delivery is at least once, as EventBridge's own: a worker that stops between a put and its mark sends
 * those events again, so receivers deduplicate on detail.id.
 */
import { log } from '../core/log.js';
import { collections } from '../db/collections.js';
import type { EventDoc, JobDoc } from '../db/documents.js';
import type { JobDeps } from '../jobs/jobs.js';
import {
  type BusEntry,
  type BusEntryResult,
  EventBusRefusedError,
  EventBusUnavailableError,
} from '../messages/bus.js';
import { eventBusOf } from '../messages/buses.js';
import { eventBody } from './record.js';

/** The Source of every event Nimbo puts on a bus. */
export const EVENT_SOURCE = 'nimbo';
/** PutEvents takes at most 10 entries per call. */
export const MAX_ENTRIES_PER_PUT = 10;
/** PutEvents' size limit, for one entry and for the entries of one call together, counted as entrySize does. */
export const MAX_PUT_BYTES = 256 * 1024;

/** Codes of entries the bus will never take as they are: marked refused, never sent again. */
const REFUSED_FOR_GOOD = new Set([
  'MalformedDetail',
  'InvalidArgument',
  'RedactionFailure',
  'InvalidAccountIdException',
]);
/** Codes that only a change of the deployment (the role's permissions) fixes: the job fails, not retried. */
const NOT_ALLOWED = new Set([
  'AccessDeniedException',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);
// Any other code (InternalFailure, ThrottlingException, one not documented yet) is worth another attempt.

export function busEntry(doc: EventDoc): BusEntry {
  return {
    source: EVENT_SOURCE,
    detailType: doc.type,
    detail: JSON.stringify(eventBody(doc)),
    time: doc.timestamp,
    resources: [],
  };
}

/** An entry's size as EventBridge counts it: 14 bytes for Time, then the UTF-8 bytes of the rest. */
export function entrySize(e: BusEntry): number {
  return (
    14 +
    Buffer.byteLength(e.source) +
    Buffer.byteLength(e.detailType) +
    Buffer.byteLength(e.detail) +
    e.resources.reduce((n, r) => n + Buffer.byteLength(r), 0)
  );
}

/** In order, as few batches as fit: each at most 10 items and MAX_PUT_BYTES together (every item fits alone). */
export function batchBySize<T extends { size: number }>(items: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length === MAX_ENTRIES_PER_PUT || bytes + item.size > MAX_PUT_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface PublishOutcome {
  /** Taken by the bus in this run. */
  published: number;
  /** Never to be sent (too large, refused as malformed): kept with the reason. */
  refused: number;
  /** Nothing to do: published or refused before (an earlier attempt), or expired. */
  skipped: number;
}

type Failure = Extract<BusEntryResult, { ok: false }>;

interface Pending {
  doc: EventDoc;
  entry: BusEntry;
  size: number;
}

/**
 * Puts the org's events of these ids that are not published yet on the bus. Throws EventBusUnavailableError
 * (transient) when some were not taken now, EventBusRefusedError when the bus does not allow Nimbo to put
 * them, or the bus's own error when a call failed; what was taken before is marked either way.
 */
export async function publishEvents(
  deps: JobDeps,
  orgId: string,
  eventIds: string[],
): Promise<PublishOutcome> {
  const c = collections(deps.db);
  const bus = eventBusOf(deps);
  const docs = await c.events
    .find({ _id: { $in: eventIds }, orgId, publishedAt: null, publishRefused: null })
    .sort({ timestamp: 1, _id: 1 })
    .toArray();
  const outcome: PublishOutcome = { published: 0, refused: 0, skipped: eventIds.length - docs.length };
  const pending: Pending[] = docs.map((doc) => {
    const entry = busEntry(doc);
    return { doc, entry, size: entrySize(entry) };
  });

  const refuse = async (items: Array<{ doc: EventDoc; code: string; message: string }>) => {
    if (items.length === 0) return;
    const at = deps.now();
    for (const { doc, code, message } of items) {
      log.error('event refused by the event bus: it will not be published', {
        bus: bus.name,
        eventId: doc._id,
        type: doc.type,
        orgId,
        code,
        message,
      });
      await c.events.updateOne(
        { _id: doc._id, orgId, publishedAt: null },
        { $set: { publishRefused: { code, message, at } } },
      );
    }
    outcome.refused += items.length;
  };

  await refuse(
    pending
      .filter((p) => p.size > MAX_PUT_BYTES)
      .map((p) => ({
        doc: p.doc,
        code: 'event_too_large',
        message: `The event is ${p.size} bytes as EventBridge counts them; a PutEvents entry takes at most ${MAX_PUT_BYTES}`,
      })),
  );

  const notTaken: Failure[] = [];
  const notAllowed: Failure[] = [];
  for (const batch of batchBySize(pending.filter((p) => p.size <= MAX_PUT_BYTES))) {
    // A call that fails throws here: the batches before it are marked, this one and the rest go next attempt.
    const results = await bus.put(batch.map((p) => p.entry));
    const taken: string[] = [];
    const refused: Array<{ doc: EventDoc; code: string; message: string }> = [];
    for (const [i, r] of results.entries()) {
      const { doc } = batch[i]!;
      if (r.ok) taken.push(doc._id);
      else if (REFUSED_FOR_GOOD.has(r.errorCode))
        refused.push({ doc, code: r.errorCode, message: r.errorMessage });
      else if (NOT_ALLOWED.has(r.errorCode)) notAllowed.push(r);
      else notTaken.push(r);
    }
    if (taken.length > 0) {
      await c.events.updateMany(
        { _id: { $in: taken }, orgId, publishedAt: null },
        { $set: { publishedAt: deps.now() } },
      );
      outcome.published += taken.length;
    }
    await refuse(refused);
  }

  const summary = (failed: Failure[]) =>
    `${[...new Set(failed.map((f) => f.errorCode))].join(', ')}: ${failed[0]!.errorMessage}`;
  if (notTaken.length > 0) {
    throw new EventBusUnavailableError(
      `The event bus ${bus.name} did not take ${notTaken.length} of ${docs.length} events (${summary(notTaken)}); ` +
        `${outcome.published} were published, the others are sent again on the next attempt`,
    );
  }
  if (notAllowed.length > 0) {
    throw new EventBusRefusedError(
      `The event bus ${bus.name} does not allow Nimbo to put ${notAllowed.length} events (${summary(notAllowed)}): ` +
        'the function needs events:PutEvents on it for the source "nimbo"',
    );
  }
  return outcome;
}

/** The 'events.publish' job: the events it names, those not published yet. */
export async function executePublishJob(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const ids = Array.isArray(job.input.eventIds)
    ? job.input.eventIds.filter((id): id is string => typeof id === 'string')
    : [];
  return { ...(await publishEvents(deps, job.orgId, ids)) };
}
