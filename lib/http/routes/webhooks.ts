import { z } from 'zod';
import {
  CreatedWebhook,
  CreateWebhookBody,
  DELIVERY_STATUSES,
  DeliveryView,
  UpdateWebhookBody,
  WebhookId,
  WebhookView,
} from '../../model/events/webhook.js';
import { listQuery, pageOf } from '../../model/list.js';
import { listDeliveries, sendTestDelivery } from '../../webhooks/deliveries.js';
import {
  createWebhook,
  deleteWebhook,
  findWebhook,
  listWebhooks,
  rotateWebhookSecret,
  toWebhookView,
  updateWebhook,
} from '../../webhooks/webhooks.js';
import { defineRoute } from '../route.js';

const WebhookParams = z.strictObject({ id: WebhookId });

export const postWebhook = defineRoute({
  method: 'POST',
  path: '/v1/webhooks',
  operationId: 'createWebhook',
  summary: 'Deliver events to a URL; the signing secret is in this reply only',
  description:
    'Deliveries are POSTs of the event (schemas/event.v1.schema.json) signed as Standard Webhooks say: ' +
    'webhook-id, webhook-timestamp and webhook-signature ("v1," and the base64 HMAC-SHA256 of ' +
    '`${id}.${timestamp}.${body}` with the secret).',
  tag: 'webhooks',
  auth: 'admin',
  body: CreateWebhookBody,
  responses: { 201: { description: 'The webhook and its secret', schema: CreatedWebhook } },
  handler: async ({ body, actor, deps }) => ({
    status: 201,
    body: await createWebhook(await deps(), actor, body),
  }),
});

export const getWebhooks = defineRoute({
  method: 'GET',
  path: '/v1/webhooks',
  operationId: 'listWebhooks',
  summary: "The org's webhooks (never their secrets)",
  tag: 'webhooks',
  auth: 'admin',
  query: listQuery(['createdAt'], '-createdAt'),
  responses: { 200: { description: 'A page of webhooks', schema: pageOf(WebhookView, 'WebhookPage') } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listWebhooks(await deps(), actor.orgId, query),
  }),
});

export const getWebhook = defineRoute({
  method: 'GET',
  path: '/v1/webhooks/{id}',
  operationId: 'getWebhook',
  summary: 'One webhook (never its secret)',
  tag: 'webhooks',
  auth: 'admin',
  params: WebhookParams,
  responses: { 200: { description: 'The webhook', schema: WebhookView } },
  handler: async ({ params, actor, deps }) => {
    const d = await deps();
    return { status: 200, body: toWebhookView(await findWebhook(d, actor.orgId, params.id), d.now()) };
  },
});

export const patchWebhook = defineRoute({
  method: 'PATCH',
  path: '/v1/webhooks/{id}',
  operationId: 'updateWebhook',
  summary: "Change a webhook's URL, events or description; enable or disable it",
  tag: 'webhooks',
  auth: 'admin',
  params: WebhookParams,
  body: UpdateWebhookBody,
  responses: { 200: { description: 'The webhook', schema: WebhookView } },
  handler: async ({ params, body, actor, deps }) => ({
    status: 200,
    body: await updateWebhook(await deps(), actor, params.id, body),
  }),
});

export const deleteWebhookRoute = defineRoute({
  method: 'DELETE',
  path: '/v1/webhooks/{id}',
  operationId: 'deleteWebhook',
  summary: 'Delete a webhook and its deliveries',
  tag: 'webhooks',
  auth: 'admin',
  params: WebhookParams,
  responses: { 204: { description: 'Deleted' } },
  handler: async ({ params, actor, deps }) => {
    await deleteWebhook(await deps(), actor, params.id);
    return { status: 204 };
  },
});

export const postWebhookRotation = defineRoute({
  method: 'POST',
  path: '/v1/webhooks/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  summary: 'A new signing secret, in this reply only; the old one also signs for 24 hours',
  tag: 'webhooks',
  auth: 'admin',
  params: WebhookParams,
  responses: { 200: { description: 'The webhook and its new secret', schema: CreatedWebhook } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await rotateWebhookSecret(await deps(), actor, params.id),
  }),
});

export const getWebhookDeliveries = defineRoute({
  method: 'GET',
  path: '/v1/webhooks/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  summary: "A webhook's deliveries, newest first: status, attempts, latency and the receiver's answer",
  tag: 'webhooks',
  auth: 'admin',
  params: WebhookParams,
  query: listQuery(['createdAt'], '-createdAt').extend({ status: z.enum(DELIVERY_STATUSES).optional() }),
  responses: {
    200: { description: 'A page of deliveries', schema: pageOf(DeliveryView, 'WebhookDeliveryPage') },
  },
  handler: async ({ params, query, actor, deps }) => ({
    status: 200,
    body: await listDeliveries(await deps(), actor.orgId, params.id, query),
  }),
});

export const postWebhookTest = defineRoute({
  method: 'POST',
  path: '/v1/webhooks/{id}/test',
  operationId: 'testWebhook',
  summary: 'Deliver a webhook.test event to this webhook now, once, and answer how it went',
  description:
    'Sent even to a disabled webhook, so a receiver can be checked before it is enabled again. ' +
    'The attempt is in the delivery log; it is not retried.',
  tag: 'webhooks',
  auth: 'admin',
  params: WebhookParams,
  responses: { 200: { description: 'The test delivery', schema: DeliveryView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await sendTestDelivery(await deps(), actor, params.id),
  }),
});

export const webhookRoutes = [
  postWebhook,
  getWebhooks,
  getWebhook,
  patchWebhook,
  deleteWebhookRoute,
  postWebhookRotation,
  getWebhookDeliveries,
  postWebhookTest,
];
