/**
 * Recording what happened: each event is checked against its published schema (lib/model/events), kept
 * in the `events` outbox for 30 days, and fanned out to a delivery per enabled webhook of its org that
 * asked for its type, whose first attempt is queued at once. A delivery exists once per event and
 * webhook (a unique index). An event recorded for named webhooks (a rule's rule.triggered) goes to those
 * only; machine events are also matched against the org's rules (queueRuleEvaluation). When an event bus
 * is configured (EVENT_BUS_NAME), a job per org also publishes the events to it (publish.ts).
 */
import { log } from '../core/log.js';
import { collections } from '../db/collections.js';
import type { DeliveryDoc, EventDoc } from '../db/documents.js';
import { enqueueJobs, type JobDeps, type NewJob } from '../jobs/jobs.js';
import { hasEventBus } from '../messages/buses.js';
import type { SystemActor } from '../model/actor.js';
import { newId } from '../model/common.js';
import { DIRECTED_EVENT_TYPES, type EventData, type EventType, NimboEvent } from '../model/events/event.js';
import { queueRuleEvaluation } from './rule-evaluation.js';

export const EVENT_TTL_MS = 30 * 86_400_000;
/** Deliveries and their log are kept as long as the events they carry. */
export const DELIVERY_TTL_MS = EVENT_TTL_MS;
/** Events per publish job: a recording of more (a poll of a large cloud) is published by several jobs. */
export const MAX_EVENTS_PER_PUBLISH_JOB = 500;

export interface NewEvent<T extends EventType = EventType> {
  orgId: string;
  type: T;
  data: EventData<T>;
  /** When it happened; the clock's now when absent. */
  at?: Date;
  /**
   * Delivered to these webhooks of the org only (the enabled ones), whatever events they subscribe to: a
   * rule's notification. Absent: to the enabled webhooks that subscribe to the type, unless the type is
   * directed (DIRECTED_EVENT_TYPES), which then goes to no webhook.
   */
  webhookIds?: string[];
}

/** The event as it goes out: the envelope of schemas/event.v1.schema.json. */
export function eventBody(doc: EventDoc): Record<string, unknown> {
  return {
    id: doc._id,
    version: 1,
    type: doc.type,
    timestamp: doc.timestamp.toISOString(),
    orgId: doc.orgId,
    data: doc.data,
  };
}

export function newDelivery(event: EventDoc, webhookId: string, now: Date): DeliveryDoc {
  return {
    _id: newId('delivery'),
    orgId: event.orgId,
    webhookId,
    eventId: event._id,
    eventType: event.type,
    status: 'pending',
    attempt: 0,
    nextAttemptAt: now,
    lastAttempt: null,
    createdAt: now,
    expireAt: new Date(now.getTime() + DELIVERY_TTL_MS),
  };
}

/** The job of the delivery's next attempt: a job for an attempt that already ran acts no more. */
export function deliveryJob(
  delivery: Pick<DeliveryDoc, '_id' | 'webhookId' | 'attempt'>,
  delaySeconds?: number,
): NewJob {
  return {
    type: 'webhook.deliver',
    resource: { type: 'webhook', id: delivery.webhookId },
    input: { deliveryId: delivery._id, attempt: delivery.attempt + 1 },
    // One attempt per job: the delivery schedules its own retries; the job retries only infrastructure.
    maxAttempts: 3,
    ...(delaySeconds ? { delaySeconds } : {}),
  };
}

/**
 * The jobs that publish these events of one org to the event bus. A job sends only those not published yet,
 * so its retries, and a second job for the same events, send nothing twice (publish.ts).
 */
export function publishJobs(orgId: string, eventIds: string[]): NewJob[] {
  const jobs: NewJob[] = [];
  for (let i = 0; i < eventIds.length; i += MAX_EVENTS_PER_PUBLISH_JOB) {
    jobs.push({
      type: 'events.publish',
      resource: { type: 'org', id: orgId },
      input: { eventIds: eventIds.slice(i, i + MAX_EVENTS_PER_PUBLISH_JOB) },
      // As many as the queue's redrive allows (infra/constructs/queues.ts); after that the tick's sweep.
      maxAttempts: 3,
    });
  }
  return jobs;
}

/** Records the events, queues their deliveries and their publication to the bus; answers what was recorded. */
export async function recordEvents(deps: JobDeps, events: NewEvent[]): Promise<EventDoc[]> {
  const now = deps.now();
  const publish = hasEventBus(deps);
  const docs: EventDoc[] = [];
  /** The webhooks an event was recorded for, by event id. */
  const named = new Map<string, string[]>();
  for (const e of events) {
    const doc: EventDoc = {
      _id: newId('event'),
      orgId: e.orgId,
      type: e.type,
      timestamp: e.at ?? now,
      data: e.data as Record<string, unknown>,
      expireAt: new Date(now.getTime() + EVENT_TTL_MS),
      ...(publish ? { publishQueuedAt: now, publishedAt: null } : {}),
    };
    // What goes out must be what the schema publishes: a mismatch is Nimbo's bug, never the receiver's.
    const checked = NimboEvent.safeParse(eventBody(doc));
    if (!checked.success) {
      log.error('event refused by its schema, not recorded', { type: e.type, issues: checked.error.issues });
      continue;
    }
    docs.push(doc);
    if (e.webhookIds) named.set(doc._id, e.webhookIds);
  }
  if (docs.length === 0) return [];
  const c = collections(deps.db);
  await c.events.insertMany(docs);
  for (const orgId of new Set(docs.map((d) => d.orgId))) {
    const ofOrg = docs.filter((d) => d.orgId === orgId);
    const fannedOut = ofOrg.filter(
      (d) => !named.has(d._id) && !DIRECTED_EVENT_TYPES.includes(d.type as EventType),
    );
    const addressed = ofOrg.filter((d) => named.has(d._id));
    const deliveries = [
      ...(await subscriberDeliveries(deps, orgId, fannedOut, now)),
      ...(await namedDeliveries(deps, orgId, addressed, named, now)),
    ];
    await queueDeliveries(deps, orgId, deliveries);
    await queueRuleEvaluation(deps, orgId, fannedOut);
    if (publish) {
      const actor: SystemActor = { type: 'system', orgId, name: 'events' };
      const ids = ofOrg.map((d) => d._id);
      await enqueueJobs(deps, actor, publishJobs(orgId, ids));
    }
  }
  return docs;
}

/** A delivery per event and enabled webhook of the org that subscribes to its type. */
async function subscriberDeliveries(
  deps: JobDeps,
  orgId: string,
  events: EventDoc[],
  now: Date,
): Promise<DeliveryDoc[]> {
  if (events.length === 0) return [];
  const hooks = await collections(deps.db)
    .webhooks.find({ orgId, enabled: true, events: { $in: [...new Set(events.map((d) => d.type))] } })
    .project<{ _id: string; events: string[] }>({ _id: 1, events: 1 })
    .toArray();
  return events.flatMap((e) =>
    hooks.filter((h) => h.events.includes(e.type)).map((h) => newDelivery(e, h._id, now)),
  );
}

/** A delivery per event and the enabled webhooks of the org it was recorded for (deleted ones are skipped). */
async function namedDeliveries(
  deps: JobDeps,
  orgId: string,
  events: EventDoc[],
  named: Map<string, string[]>,
  now: Date,
): Promise<DeliveryDoc[]> {
  const ids = [...new Set(events.flatMap((e) => named.get(e._id) ?? []))];
  if (ids.length === 0) return [];
  const hooks = await collections(deps.db)
    .webhooks.find({ orgId, enabled: true, _id: { $in: ids } })
    .project<{ _id: string }>({ _id: 1 })
    .toArray();
  const enabled = new Set(hooks.map((h) => h._id));
  return events.flatMap((e) =>
    (named.get(e._id) ?? []).filter((id) => enabled.has(id)).map((id) => newDelivery(e, id, now)),
  );
}

/** Saves new deliveries and queues their first attempts. */
export async function queueDeliveries(
  deps: JobDeps,
  orgId: string,
  deliveries: DeliveryDoc[],
): Promise<void> {
  if (deliveries.length === 0) return;
  await collections(deps.db).deliveries.insertMany(deliveries);
  const actor: SystemActor = { type: 'system', orgId, name: 'events' };
  await enqueueJobs(
    deps,
    actor,
    deliveries.map((d) => deliveryJob(d)),
  );
}
