/**
 * Webhooks: where an org's events are delivered, signed as Standard Webhooks say. The secret is shown
 * when the webhook is made and when it is rotated, never again: it is sealed at rest.
 */
import { z } from 'zod';
import { idSchema, NulFreeString, Timestamp } from '../common.js';
import { type EventType, SUBSCRIBABLE_EVENT_TYPES } from './event.js';

export const WebhookId = idSchema('webhook');
export const DeliveryId = idSchema('delivery');

export const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe(
    'Where deliveries are POSTed: https in a deployed stack, to an address outside any private network; ' +
      'locally any http(s) URL, loopback included',
  );

export const WebhookEvents = z
  .array(z.enum(SUBSCRIBABLE_EVENT_TYPES as [EventType, ...EventType[]]))
  .min(1)
  .max(SUBSCRIBABLE_EVENT_TYPES.length)
  .refine((a) => new Set(a).size === a.length, 'each event type once')
  .describe(
    'The event types delivered here (rule.triggered is not one: it goes to the webhooks a rule names)',
  );

const Description = NulFreeString.max(500).describe('What the receiver is, for people');

export const CreateWebhookBody = z
  .strictObject({ url: WebhookUrl, events: WebhookEvents, description: Description.optional() })
  .meta({ id: 'CreateWebhookRequest' });
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const UpdateWebhookBody = z
  .strictObject({
    url: WebhookUrl.optional(),
    events: WebhookEvents.optional(),
    description: Description.optional(),
    enabled: z.boolean().optional().describe('true re-enables a webhook that was disabled after failures'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of url, events, description, enabled')
  .meta({ id: 'UpdateWebhookRequest' });
export type UpdateWebhookBody = z.infer<typeof UpdateWebhookBody>;

export const WebhookView = z
  .object({
    id: WebhookId,
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    failingSince: Timestamp.nullable().describe('The first failed delivery since the last success'),
    secretRotatedAt: Timestamp.nullable(),
    previousSecretExpiresAt: Timestamp.nullable().describe(
      'Until then deliveries are signed with the previous secret too, so receivers can switch over',
    ),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Webhook' });
export type WebhookView = z.infer<typeof WebhookView>;

const Secret = z
  .string()
  .describe('The signing secret, "whsec_" and base64: shown in this reply only. Verify deliveries with it.');

export const CreatedWebhook = z
  .object({ webhook: WebhookView, secret: Secret })
  .meta({ id: 'CreatedWebhook' });

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'retrying', 'failed'] as const;

const DeliveryAttemptView = z
  .object({
    at: Timestamp,
    latencyMs: z.number().int(),
    responseCode: z.number().int().nullable().describe('null when no answer came (refused, timeout)'),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookDeliveryAttempt' });

export const DeliveryView = z
  .object({
    id: DeliveryId,
    webhookId: WebhookId,
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempt: z.number().int().describe('Attempts made so far'),
    nextAttemptAt: Timestamp.nullable(),
    lastAttempt: DeliveryAttemptView.nullable(),
    attempts: z.array(DeliveryAttemptView).describe('Every attempt so far, oldest first'),
    createdAt: Timestamp,
  })
  .meta({ id: 'WebhookDelivery' });
export type DeliveryView = z.infer<typeof DeliveryView>;
