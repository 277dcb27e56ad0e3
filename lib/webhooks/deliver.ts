/**
 * Delivering an event to a webhook, one attempt per job: sign, POST, record the attempt on the delivery
 * (its log), then either done, or the next try scheduled by the retry policy. A wait that fits in an SQS
 * delay is queued at once; longer ones are queued by the tick when due (enqueueDueDeliveries). A webhook
 * whose deliveries have failed for a day is disabled, and a webhook.disabled event says so.
 */
import { isDeployed } from '../clouds/endpoint.js';
import { log } from '../core/log.js';
import { collections } from '../db/collections.js';
import type { DeliveryAttempt, DeliveryDoc, JobDoc, WebhookDoc } from '../db/documents.js';
import { deliveryJob, eventBody, recordEvents } from '../events/record.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import type { SystemActor } from '../model/actor.js';
import { isoOrNull } from '../model/common.js';
import type { DeliveryView } from '../model/events/webhook.js';
import { type AttemptOutcome, deliveryAddressGuard, type PostOptions, postSigned } from './post.js';
import { MAX_DELIVERY_ATTEMPTS, nextAttemptAt, shouldDisable } from './retry-policy.js';
import { signDelivery } from './signature.js';
import { signingSecrets } from './webhooks.js';

/** SQS's longest DelaySeconds: a retry due sooner is queued with a delay, a later one by the tick. */
const MAX_QUEUE_DELAY_S = 900;
/** A delivery claimed by the tick but never run (its message lost) is claimed again after this. */
const STUCK_AFTER_MS = 30 * 60_000;

export interface DeliveryDeps extends JobDeps {
  /** How attempts connect: tests pass a resolver; the guard follows the stack (public addresses only). */
  post?: PostOptions;
}

export function toDeliveryView(d: DeliveryDoc): DeliveryView {
  return {
    id: d._id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempt: d.attempt,
    nextAttemptAt: isoOrNull(d.status === 'succeeded' || d.status === 'failed' ? null : d.nextAttemptAt),
    lastAttempt: d.lastAttempt && attemptView(d.lastAttempt),
    attempts: (d.attempts ?? (d.lastAttempt ? [d.lastAttempt] : [])).map(attemptView),
    createdAt: d.createdAt.toISOString(),
  };
}

function attemptView(a: DeliveryAttempt) {
  return { ...a, at: a.at.toISOString() };
}

/**
 * One attempt of one delivery, recorded; answers the delivery as it is after. A test attempt
 * (`test`) is never retried and leaves the webhook's failure streak alone.
 */
export async function attemptDelivery(
  deps: DeliveryDeps,
  delivery: DeliveryDoc,
  o: { test?: boolean } = {},
): Promise<DeliveryDoc> {
  const c = collections(deps.db);
  const [webhook, event] = await Promise.all([
    c.webhooks.findOne({ _id: delivery.webhookId, orgId: delivery.orgId }),
    c.events.findOne({ _id: delivery.eventId, orgId: delivery.orgId }),
  ]);
  const now = deps.now();
  if (!webhook || (!webhook.enabled && !o.test) || !event) {
    const why = !webhook
      ? 'the webhook was deleted'
      : !event
        ? 'the event expired'
        : 'the webhook is disabled';
    return settle(deps, delivery, { status: 'failed', nextAttemptAt: null }, { at: now, error: why });
  }
  const body = JSON.stringify(eventBody(event));
  const headers = signDelivery(await signingSecrets(webhook, now), event._id, now, body);
  const outcome = await postSigned(webhook.url, { ...headers }, body, {
    allowAddress: deliveryAddressGuard(isDeployed()),
    ...deps.post,
  });
  const attempt = delivery.attempt + 1;
  const attemptLog = {
    at: now,
    latencyMs: outcome.latencyMs,
    responseCode: outcome.responseCode,
    error: outcome.error,
  };
  if (o.test) {
    return settle(
      deps,
      delivery,
      { status: outcome.ok ? 'succeeded' : 'failed', attempt, nextAttemptAt: null },
      attemptLog,
    );
  }
  if (outcome.ok) {
    await c.webhooks.updateOne(
      { _id: webhook._id, failingSince: { $ne: null } },
      { $set: { failingSince: null } },
    );
    return settle(deps, delivery, { status: 'succeeded', attempt, nextAttemptAt: null }, attemptLog);
  }
  const next = nextAttemptAt(attempt, now);
  const failingSince = webhook.failingSince ?? now;
  if (!webhook.failingSince)
    await c.webhooks.updateOne({ _id: webhook._id, failingSince: null }, { $set: { failingSince: now } });
  const after = await settle(
    deps,
    delivery,
    { status: next ? 'retrying' : 'failed', attempt, nextAttemptAt: next },
    attemptLog,
  );
  if (next) await queueSoonRetry(deps, after, next, now);
  else if (shouldDisable(failingSince, now, false))
    await disableWebhook(deps, webhook, failingSince, outcome);
  return after;
}

async function settle(
  deps: JobDeps,
  delivery: DeliveryDoc,
  set: Partial<DeliveryDoc>,
  attempt: { at: Date; latencyMs?: number; responseCode?: number | null; error: string | null },
): Promise<DeliveryDoc> {
  const lastAttempt = {
    at: attempt.at,
    latencyMs: attempt.latencyMs ?? 0,
    responseCode: attempt.responseCode ?? null,
    error: attempt.error,
  };
  const updated = await collections(deps.db).deliveries.findOneAndUpdate(
    { _id: delivery._id, orgId: delivery.orgId },
    { $set: { ...set, lastAttempt }, $push: { attempts: lastAttempt } },
    { returnDocument: 'after' },
  );
  return updated ?? { ...delivery, ...set, lastAttempt };
}

async function queueSoonRetry(deps: JobDeps, delivery: DeliveryDoc, at: Date, now: Date): Promise<void> {
  const delay = Math.ceil((at.getTime() - now.getTime()) / 1000);
  if (delay > MAX_QUEUE_DELAY_S) return;
  // Claimed now (pending), so the tick does not queue it a second time.
  await collections(deps.db).deliveries.updateOne(
    { _id: delivery._id, status: 'retrying' },
    { $set: { status: 'pending' } },
  );
  await enqueueJobs(deps, systemActor(delivery.orgId), [deliveryJob(delivery, delay)]);
}

async function disableWebhook(
  deps: JobDeps,
  webhook: WebhookDoc,
  failingSince: Date,
  last: AttemptOutcome,
): Promise<void> {
  const reason = `every delivery failed since ${failingSince.toISOString()} (last: ${last.error})`;
  const c = collections(deps.db);
  const res = await c.webhooks.updateOne(
    { _id: webhook._id, enabled: true },
    { $set: { enabled: false, disabledReason: reason, updatedAt: deps.now() } },
  );
  if (res.modifiedCount === 0) return;
  log.warn('webhook disabled after sustained failure', { webhookId: webhook._id, orgId: webhook.orgId });
  await c.deliveries.updateMany(
    { orgId: webhook.orgId, webhookId: webhook._id, status: { $in: ['pending', 'retrying'] } },
    { $set: { status: 'failed', nextAttemptAt: null } },
  );
  await recordEvents(deps, [
    {
      orgId: webhook.orgId,
      type: 'webhook.disabled',
      data: { webhookId: webhook._id, url: webhook.url, reason, failingSince: failingSince.toISOString() },
    },
  ]);
}

function systemActor(orgId: string): SystemActor {
  return { type: 'system', orgId, name: 'webhooks' };
}

/** The job: one attempt of the delivery it names, unless it was settled meanwhile. */
export async function executeWebhookDelivery(
  deps: DeliveryDeps,
  job: JobDoc,
): Promise<Record<string, unknown>> {
  const delivery = await collections(deps.db).deliveries.findOne({
    _id: String(job.input.deliveryId),
    orgId: job.orgId,
  });
  if (!delivery || delivery.status === 'succeeded' || delivery.status === 'failed') {
    return { deliveryId: job.input.deliveryId, skipped: delivery ? delivery.status : 'deleted' };
  }
  // A second job for one attempt (a delayed message, and the tick's re-claim of it) sends nothing twice.
  if (job.input.attempt !== delivery.attempt + 1) {
    return { deliveryId: delivery._id, skipped: `attempt ${String(job.input.attempt)} already ran` };
  }
  const after = await attemptDelivery(deps, delivery);
  return {
    deliveryId: after._id,
    status: after.status,
    attempt: after.attempt,
    responseCode: after.lastAttempt?.responseCode ?? null,
  };
}

/** The tick's part: queue the retries that are due (and any claimed long ago but never run). */
export async function enqueueDueDeliveries(deps: JobDeps, limit = 500): Promise<number> {
  const c = collections(deps.db);
  const now = deps.now();
  const due = await c.deliveries
    .find({
      $or: [
        { status: 'retrying', nextAttemptAt: { $lte: now } },
        { status: 'pending', nextAttemptAt: { $lte: new Date(now.getTime() - STUCK_AFTER_MS) } },
      ],
    })
    .limit(limit)
    .toArray();
  let queued = 0;
  for (const d of due) {
    const claimed = await c.deliveries.updateOne(
      { _id: d._id, status: d.status, nextAttemptAt: d.nextAttemptAt },
      { $set: { status: 'pending', nextAttemptAt: now } },
    );
    if (claimed.modifiedCount === 0) continue;
    await enqueueJobs(deps, systemActor(d.orgId), [deliveryJob(d)]);
    queued++;
  }
  return queued;
}

export { MAX_DELIVERY_ATTEMPTS };
