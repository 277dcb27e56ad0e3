/**
 * Webhooks of an org: made with a signing secret shown once, listed and changed without it, rotated
 * with a day's overlap. A URL is checked as a cloud's endpoint is (lib/clouds/endpoint.ts): in a
 * deployed stack https only, and never to an address inside a network; locally loopback is allowed so
 * people can try it with a receiver on their machine.
 */
import { recordAudit } from '../audit/audit.js';
import { checkedUrl } from '../clouds/endpoint.js';
import type { ServiceDeps } from '../core/deps.js';
import { getDataKey } from '../crypto/data-key.js';
import { type SealedValue, seal, unseal } from '../crypto/sealed.js';
import { collections } from '../db/collections.js';
import type { WebhookDoc } from '../db/documents.js';
import { findInOrg } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import type { Actor } from '../model/actor.js';
import { isoOrNull, newId } from '../model/common.js';
import type { CreateWebhookBody, UpdateWebhookBody, WebhookView } from '../model/events/webhook.js';
import { newWebhookSecret } from './signature.js';

/** How long a rotated-out secret still signs deliveries, so receivers can switch without losing any. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 3_600_000;

function secretContext(orgId: string, webhookId: string): string {
  return `nimbo:webhook:${orgId}:${webhookId}`;
}

async function sealSecret(orgId: string, webhookId: string, secret: string): Promise<SealedValue> {
  return seal(await getDataKey(), secret, secretContext(orgId, webhookId));
}

/** The secrets a delivery is signed with now: the current one, and the previous one until it expires. */
export async function signingSecrets(webhook: WebhookDoc, now: Date): Promise<string[]> {
  const key = await getDataKey();
  const context = secretContext(webhook.orgId, webhook._id);
  const secrets = [unseal(key, webhook.secret, context)];
  if (webhook.previousSecret && webhook.previousSecret.expiresAt > now) {
    secrets.push(unseal(key, webhook.previousSecret.sealed, context));
  }
  return secrets;
}

export function toWebhookView(doc: WebhookDoc, now: Date): WebhookView {
  const previous = doc.previousSecret && doc.previousSecret.expiresAt > now ? doc.previousSecret : null;
  return {
    id: doc._id,
    url: doc.url,
    events: doc.events,
    description: doc.description,
    enabled: doc.enabled,
    disabledReason: doc.disabledReason,
    failingSince: isoOrNull(doc.failingSince),
    secretRotatedAt: isoOrNull(doc.secretRotatedAt),
    previousSecretExpiresAt: isoOrNull(previous?.expiresAt),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function findWebhook(deps: ServiceDeps, orgId: string, id: string): Promise<WebhookDoc> {
  return findInOrg(collections(deps.db).webhooks, 'Webhook', orgId, id);
}

export async function createWebhook(
  deps: ServiceDeps,
  actor: Actor,
  body: CreateWebhookBody,
): Promise<{ webhook: WebhookView; secret: string }> {
  const url = await checkedUrl(body.url, 'url', { allowQuery: true });
  const now = deps.now();
  const id = newId('webhook');
  const secret = newWebhookSecret();
  const doc: WebhookDoc = {
    _id: id,
    orgId: actor.orgId,
    url,
    events: body.events,
    description: body.description ?? null,
    enabled: true,
    disabledReason: null,
    secret: await sealSecret(actor.orgId, id, secret),
    previousSecret: null,
    secretRotatedAt: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await collections(deps.db).webhooks.insertOne(doc);
  await recordAudit(deps, {
    actor,
    action: 'webhook.create',
    resource: { type: 'webhook', id, name: url },
    details: { events: body.events },
  });
  return { webhook: toWebhookView(doc, now), secret };
}

export async function listWebhooks(
  deps: ServiceDeps,
  orgId: string,
  page: PageRequest,
): Promise<Page<WebhookView>> {
  const result = await findPage(collections(deps.db).webhooks, { orgId }, page);
  const now = deps.now();
  return { items: result.items.map((d) => toWebhookView(d, now)), nextCursor: result.nextCursor };
}

export async function updateWebhook(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  body: UpdateWebhookBody,
): Promise<WebhookView> {
  const current = await findWebhook(deps, actor.orgId, id);
  const set: Partial<WebhookDoc> = { updatedAt: deps.now() };
  if (body.url !== undefined) set.url = await checkedUrl(body.url, 'url', { allowQuery: true });
  if (body.events !== undefined) set.events = body.events;
  if (body.description !== undefined) set.description = body.description;
  if (body.enabled !== undefined) {
    set.enabled = body.enabled;
    // Re-enabled: its failure streak starts over.
    if (body.enabled && !current.enabled) Object.assign(set, { disabledReason: null, failingSince: null });
    if (!body.enabled) set.disabledReason = 'disabled by an operator';
  }
  const updated = await collections(deps.db).webhooks.findOneAndUpdate(
    { _id: id, orgId: actor.orgId },
    { $set: set },
    { returnDocument: 'after' },
  );
  if (!updated) return toWebhookView(await findWebhook(deps, actor.orgId, id), deps.now());
  await recordAudit(deps, {
    actor,
    action: 'webhook.update',
    resource: { type: 'webhook', id, name: updated.url },
    details: Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
  });
  return toWebhookView(updated, deps.now());
}

/** Deleted with its deliveries, and taken out of the rules that name it: nothing is tried for it again. */
export async function deleteWebhook(deps: ServiceDeps, actor: Actor, id: string): Promise<void> {
  const webhook = await findWebhook(deps, actor.orgId, id);
  const { webhooks, deliveries, rules } = collections(deps.db);
  await webhooks.deleteOne({ _id: id, orgId: actor.orgId });
  await deliveries.deleteMany({ orgId: actor.orgId, webhookId: id });
  await rules.updateMany(
    { orgId: actor.orgId, webhookIds: id },
    { $pull: { webhookIds: id }, $set: { updatedAt: deps.now() } },
  );
  await recordAudit(deps, {
    actor,
    action: 'webhook.delete',
    resource: { type: 'webhook', id, name: webhook.url },
  });
}

/** A new secret, shown once; the old one keeps signing alongside for PREVIOUS_SECRET_TTL_MS. */
export async function rotateWebhookSecret(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
): Promise<{ webhook: WebhookView; secret: string }> {
  const current = await findWebhook(deps, actor.orgId, id);
  const now = deps.now();
  const secret = newWebhookSecret();
  const set: Partial<WebhookDoc> = {
    secret: await sealSecret(actor.orgId, id, secret),
    previousSecret: { sealed: current.secret, expiresAt: new Date(now.getTime() + PREVIOUS_SECRET_TTL_MS) },
    secretRotatedAt: now,
    updatedAt: now,
  };
  const updated = await collections(deps.db).webhooks.findOneAndUpdate(
    { _id: id, orgId: actor.orgId },
    { $set: set },
    { returnDocument: 'after' },
  );
  await recordAudit(deps, {
    actor,
    action: 'webhook.rotate_secret',
    resource: { type: 'webhook', id, name: current.url },
  });
  return { webhook: toWebhookView(updated ?? { ...current, ...set }, now), secret };
}
