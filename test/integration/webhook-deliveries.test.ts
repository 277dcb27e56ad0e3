/**
 * Deliveries end to end: an event recorded, fanned out to the org's webhooks that asked for it, queued,
 * run by the real worker and POSTed to a receiver on 127.0.0.1 that verifies the signature with the
 * Standard Webhooks library. The clock is the test's: retries are driven by moving it, never by sleeping.
 */
import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkerHandler } from '../../functions/worker.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { recordEvents } from '../../lib/events/record.js';
import type { JobDeps } from '../../lib/jobs/jobs.js';
import { NimboEvent } from '../../lib/model/events/event.js';
import { enqueueDueDeliveries } from '../../lib/webhooks/deliver.js';
import { MAX_DELIVERY_ATTEMPTS, RETRY_DELAYS_MS } from '../../lib/webhooks/retry-policy.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { useTestDatabase } from '../helpers/mongo.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** Verified as the receiver would at the moment it arrived (the library checks the timestamp's age). */
function verify(secret: string, r: Received): unknown {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Number(r.headers['webhook-timestamp']) * 1000);
  try {
    return new Webhook(secret).verify(r.body, r.headers);
  } finally {
    vi.useRealTimers();
  }
}

describe('webhook deliveries', () => {
  const t = useTestDatabase('webhook-deliveries');
  let clock = new Date('2026-12-04T10:00:00Z');
  const now = () => clock;
  const deps = (): JobDeps => ({ db: t.db, now, queue });
  const queue: LocalSqsQueue = new LocalSqsQueue({
    name: `test-webhooks-${process.pid}`,
    db: () => t.db,
    handler: createWorkerHandler(async () => deps()),
    visibilityTimeoutMs: 0,
    maxReceiveCount: 3,
    now: () => clock.getTime(),
  });
  const api = testApi(() => t.db, now, queue);
  let receiver: Server;
  let url: string;
  let received: Received[];
  let answer: number;
  let owner: string;
  let orgId: string;
  let otherOrg: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    ({ orgId: otherOrg } = await createTestOrg(t.db));
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(answer);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    url = `http://127.0.0.1:${address.port}/hooks`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  beforeEach(async () => {
    received = [];
    answer = 204;
    await t.db.collection('webhooks').deleteMany({});
  });

  async function webhook(events: string[]) {
    const res = await api.request('POST', '/v1/webhooks', { token: owner, body: { url, events } });
    expect(res.status).toBe(201);
    return res.body as { webhook: { id: string }; secret: string };
  }

  const failed = (jobId: string) => ({
    orgId,
    type: 'job.failed' as const,
    data: {
      jobId,
      jobType: 'machine.action',
      resource: { type: 'machine', id: 'mch_0123456789abcdef' },
      attempts: 3,
      error: { code: 'provider_error', message: 'the cloud said no' },
    },
  });

  const deliveries = async (id: string) =>
    (await api.request('GET', `/v1/webhooks/${id}/deliveries`, { token: owner })).body.items;

  it('delivers an event to the webhooks that asked for it, signed so the receiver verifies it', async () => {
    const wanted = await webhook(['job.failed']);
    const other = await webhook(['cloud.disabled']);
    const [event] = await recordEvents(deps(), [failed('job_aaaaaaaaaaaaaaaa')]);
    await queue.drain();
    expect(received).toHaveLength(1);
    const [got] = received;
    const payload = verify(wanted.secret, got!);
    expect(NimboEvent.parse(payload)).toMatchObject({
      id: event!._id,
      type: 'job.failed',
      orgId,
      data: { jobId: 'job_aaaaaaaaaaaaaaaa' },
    });
    expect(got!.headers['webhook-id']).toBe(event!._id);
    expect(() => verify(other.secret, got!)).toThrow();
    const [log] = await deliveries(wanted.webhook.id);
    expect(log).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      lastAttempt: { responseCode: 204, error: null },
    });
    expect(await deliveries(other.webhook.id)).toEqual([]);
  });

  it("sends nothing to another org's webhooks, or to a disabled one", async () => {
    const off = await webhook(['job.failed']);
    await api.request('PATCH', `/v1/webhooks/${off.webhook.id}`, { token: owner, body: { enabled: false } });
    received = [];
    await recordEvents(deps(), [{ ...failed('job_bbbbbbbbbbbbbbbb'), orgId: otherOrg }]);
    await queue.drain();
    expect(received.filter((r) => r.body.includes('job_bbbbbbbbbbbbbbbb'))).toEqual([]);
    expect(await deliveries(off.webhook.id)).toEqual([]);
  });

  it('retries a failing receiver on the Standard Webhooks schedule, then disables the webhook after a day of failures and says so', async () => {
    const { webhook: hook } = await webhook(['job.failed']);
    const watcher = await webhook(['webhook.disabled']);
    answer = 500;
    await recordEvents(deps(), [failed('job_cccccccccccccccc')]);
    await queue.drain();
    const attempts = () => received.filter((r) => r.body.includes('job_cccccccccccccccc')).length;
    expect(attempts()).toBe(1);
    let [log] = await deliveries(hook.id);
    expect(log).toMatchObject({ status: 'pending', attempt: 1, lastAttempt: { responseCode: 500 } });
    expect(Date.parse(log.nextAttemptAt) - clock.getTime()).toBe(RETRY_DELAYS_MS[0]);
    expect((await api.request('GET', `/v1/webhooks/${hook.id}`, { token: owner })).body.failingSince).toBe(
      clock.toISOString(),
    );

    for (const wait of RETRY_DELAYS_MS) {
      clock = new Date(clock.getTime() + wait);
      await enqueueDueDeliveries(deps());
      await queue.drain();
    }
    expect(attempts()).toBe(MAX_DELIVERY_ATTEMPTS);
    [log] = await deliveries(hook.id);
    expect(log).toMatchObject({ status: 'failed', attempt: MAX_DELIVERY_ATTEMPTS, nextAttemptAt: null });
    const after = (await api.request('GET', `/v1/webhooks/${hook.id}`, { token: owner })).body;
    expect(after).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('HTTP 500') });

    // The watcher hears of it, signed with its own secret.
    const notice = received.find((r) => r.body.includes('"webhook.disabled"'));
    expect(notice).toBeDefined();
    const payload = verify(watcher.secret, notice!) as { data: unknown };
    expect(payload.data).toMatchObject({ webhookId: hook.id });
  });

  it('sends a test delivery at once, even to a disabled webhook, and logs it', async () => {
    const { webhook: hook, secret } = await webhook(['cloud.poll_failed']);
    await api.request('PATCH', `/v1/webhooks/${hook.id}`, { token: owner, body: { enabled: false } });
    const res = await api.request('POST', `/v1/webhooks/${hook.id}/test`, { token: owner });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ eventType: 'webhook.test', status: 'succeeded', attempt: 1 });
    const got = received.at(-1)!;
    expect(verify(secret, got)).toMatchObject({ type: 'webhook.test' });
    answer = 503;
    // A second later: the log is newest first, and two deliveries of one instant have no order.
    clock = new Date(clock.getTime() + 1000);
    const bad = await api.request('POST', `/v1/webhooks/${hook.id}/test`, { token: owner });
    expect(bad.body).toMatchObject({
      status: 'failed',
      lastAttempt: { responseCode: 503, error: 'the receiver answered HTTP 503' },
    });
    expect((await deliveries(hook.id)).map((d: { status: string }) => d.status)).toEqual([
      'failed',
      'succeeded',
    ]);
  });

  it('records a receiver that cannot be reached as a failed attempt with the reason', async () => {
    const res = await api.request('POST', '/v1/webhooks', {
      token: owner,
      body: { url: 'http://127.0.0.1:9/closed', events: ['job.failed'] },
    });
    const test = await api.request('POST', `/v1/webhooks/${res.body.webhook.id}/test`, { token: owner });
    expect(test.body).toMatchObject({
      status: 'failed',
      lastAttempt: { responseCode: null, error: 'could not connect: ECONNREFUSED' },
    });
  });
});
