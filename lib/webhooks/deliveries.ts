/** A webhook's delivery log, and the test delivery an operator sends to see a receiver work. */
import type { ServiceDeps } from '../core/deps.js';
import { collections } from '../db/collections.js';
import type { EventDoc } from '../db/documents.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { EVENT_TTL_MS, newDelivery } from '../events/record.js';
import type { Actor } from '../model/actor.js';
import { newId } from '../model/common.js';
import type { DeliveryView } from '../model/events/webhook.js';
import { attemptDelivery, type DeliveryDeps, toDeliveryView } from './deliver.js';
import { findWebhook } from './webhooks.js';

export async function listDeliveries(
  deps: ServiceDeps,
  orgId: string,
  webhookId: string,
  page: PageRequest & { status?: string | undefined },
): Promise<Page<DeliveryView>> {
  await findWebhook(deps, orgId, webhookId);
  const filter = {
    orgId,
    webhookId,
    ...(page.status ? { status: page.status as DeliveryView['status'] } : {}),
  };
  const result = await findPage(collections(deps.db).deliveries, filter, page);
  return { items: result.items.map(toDeliveryView), nextCursor: result.nextCursor };
}

/**
 * A webhook.test event for this webhook only (whatever its events), delivered now, once: the answer is
 * the attempt as the log shows it. A test is not retried and does not count towards disabling.
 */
export async function sendTestDelivery(
  deps: DeliveryDeps,
  actor: Actor,
  webhookId: string,
): Promise<DeliveryView> {
  const webhook = await findWebhook(deps, actor.orgId, webhookId);
  const now = deps.now();
  const event: EventDoc = {
    _id: newId('event'),
    orgId: actor.orgId,
    type: 'webhook.test',
    timestamp: now,
    data: { webhookId, message: 'A test delivery from Nimbo: if you can read this, your receiver works.' },
    expireAt: new Date(now.getTime() + EVENT_TTL_MS),
  };
  const c = collections(deps.db);
  await c.events.insertOne(event);
  const delivery = newDelivery(event, webhook._id, now);
  await c.deliveries.insertOne(delivery);
  const after = await attemptDelivery(deps, delivery, { test: true });
  return toDeliveryView(after);
}
