/**
 * Standard Webhooks signatures (standardwebhooks, the convention's own library): the secret is
 * "whsec_" and base64 of 24 random bytes; a delivery carries webhook-id, webhook-timestamp (Unix seconds)
 * and webhook-signature, "v1," and the base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`. While a rotated
 * secret is still honoured, the signature header holds one signature per secret, space-separated, as
 * the convention allows, so a receiver with either secret verifies.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signDelivery(
  secrets: readonly string[],
  eventId: string,
  at: Date,
  body: string,
): SignedHeaders {
  const signatures = secrets.map((s) => new Webhook(s).sign(eventId, at, body));
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
