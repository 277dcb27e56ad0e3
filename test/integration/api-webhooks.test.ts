/** Webhooks through the API: the secret shown once and sealed at rest, URLs guarded, org scoping, rotation. */

import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { signDelivery } from '../../lib/webhooks/signature.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const RECEIVER = 'http://127.0.0.1:9/hooks/nimbo?token=abc';

describe('webhooks', () => {
  const t = useTestDatabase('webhooks');
  const api = testApi(() => t.db);
  let owner: string;
  let other: string;
  let viewer: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    ({ token: other } = await createTestOrg(t.db));
    const made = await api.request('POST', '/v1/tokens', {
      token: owner,
      body: { name: 'v', role: 'viewer' },
    });
    viewer = made.body.token;
  });

  const create = (body: Record<string, unknown>, token = owner) =>
    api.request('POST', '/v1/webhooks', { token, body });

  it('is made with a secret shown once, sealed at rest and never shown again', async () => {
    const res = await create({
      url: RECEIVER,
      events: ['machine.unreachable', 'job.failed'],
      description: 'pager',
    });
    expect(res.status).toBe(201);
    const { webhook, secret } = res.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(webhook).toMatchObject({
      url: RECEIVER,
      events: ['machine.unreachable', 'job.failed'],
      description: 'pager',
      enabled: true,
      failingSince: null,
    });
    const stored = await t.db.collection<AnyDoc>('webhooks').findOne({ _id: webhook.id });
    expect(JSON.stringify(stored)).not.toContain(secret.slice(6));
    const got = await api.request('GET', `/v1/webhooks/${webhook.id}`, { token: owner });
    const list = await api.request('GET', '/v1/webhooks', { token: owner });
    for (const body of [got.body, list.body]) expect(JSON.stringify(body)).not.toContain(secret.slice(6));
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(webhook.id);
  });

  it('answers 400 naming the field for an unknown event type or a URL that is not http(s), and saves nothing', async () => {
    const before = await t.db.collection('webhooks').countDocuments();
    const badEvent = await create({ url: RECEIVER, events: ['machine.exploded'] });
    expect(badEvent.status).toBe(400);
    expect(JSON.stringify(badEvent.body.errors)).toContain('events');
    const badUrl = await create({ url: 'ftp://127.0.0.1/x', events: ['job.failed'] });
    expect(badUrl.status).toBe(400);
    expect(JSON.stringify(badUrl.body.errors)).toContain('url');
    expect(await t.db.collection('webhooks').countDocuments()).toBe(before);
  });

  it('refuses, in a deployed stack, plain http and an address inside a network, with 422 naming url', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'nimbo-api';
    try {
      const http = await create({ url: 'http://hooks.example.com/x', events: ['job.failed'] });
      expect(http.status).toBe(422);
      expect(http.body.errors).toEqual([
        { in: 'body', path: 'url', message: 'must be https in a deployed stack' },
      ]);
      const inside = await create({ url: 'https://127.0.0.1/x', events: ['job.failed'] });
      expect(inside.status).toBe(422);
      expect(inside.body.errors[0]).toMatchObject({ path: 'url' });
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }
  });

  it("answers 404 for another org's webhook, and 403 to a viewer", async () => {
    const { body } = await create({ url: RECEIVER, events: ['job.failed'] });
    expect((await api.request('GET', `/v1/webhooks/${body.webhook.id}`, { token: other })).status).toBe(404);
    expect((await api.request('DELETE', `/v1/webhooks/${body.webhook.id}`, { token: other })).status).toBe(
      404,
    );
    expect((await api.request('GET', '/v1/webhooks', { token: viewer })).status).toBe(403);
    expect((await create({ url: RECEIVER, events: ['job.failed'] }, viewer)).status).toBe(403);
  });

  it('changes events and disables and re-enables a webhook', async () => {
    const { body } = await create({ url: RECEIVER, events: ['job.failed'] });
    const id = body.webhook.id;
    const off = await api.request('PATCH', `/v1/webhooks/${id}`, {
      token: owner,
      body: { enabled: false, events: ['cloud.poll_failed'] },
    });
    expect(off.body).toMatchObject({
      enabled: false,
      disabledReason: 'disabled by an operator',
      events: ['cloud.poll_failed'],
    });
    const on = await api.request('PATCH', `/v1/webhooks/${id}`, { token: owner, body: { enabled: true } });
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null });
    expect((await api.request('PATCH', `/v1/webhooks/${id}`, { token: owner, body: {} })).status).toBe(400);
  });

  it('rotates the secret: the new one is shown once, and the old one still signs for a day', async () => {
    const { body } = await create({ url: RECEIVER, events: ['job.failed'] });
    const rotated = await api.request('POST', `/v1/webhooks/${body.webhook.id}/rotate-secret`, {
      token: owner,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(body.secret);
    const expires = Date.parse(rotated.body.webhook.previousSecretExpiresAt);
    expect(expires - Date.parse(rotated.body.webhook.secretRotatedAt)).toBe(24 * 3_600_000);
  });

  it('deletes a webhook: it is gone for good', async () => {
    const { body } = await create({ url: RECEIVER, events: ['job.failed'] });
    expect((await api.request('DELETE', `/v1/webhooks/${body.webhook.id}`, { token: owner })).status).toBe(
      204,
    );
    expect((await api.request('GET', `/v1/webhooks/${body.webhook.id}`, { token: owner })).status).toBe(404);
  });
});

describe('a delivery signature', () => {
  const current = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const previous = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
  const at = new Date();
  const body = JSON.stringify({ type: 'job.failed', data: { jobId: 'job_x' } });

  it('verifies with the Standard Webhooks library, with either secret while both sign', () => {
    const headers = signDelivery([current, previous], 'evt_0123456789abcdeF', at, body);
    expect(headers['webhook-id']).toBe('evt_0123456789abcdeF');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [current, previous])
      expect(new Webhook(s).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('does not verify a changed body or with another secret', () => {
    const headers = signDelivery([current], 'evt_0123456789abcdeF', at, body);
    expect(() => new Webhook(current).verify(`${body} `, { ...headers })).toThrow();
    expect(() => new Webhook(previous).verify(body, { ...headers })).toThrow();
  });
});
