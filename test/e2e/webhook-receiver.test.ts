/**
 * The events issue's "done" path, over HTTP against the local runtime with its real clock and queue: a
 * newcomer registers a webhook to a receiver on 127.0.0.1, stops a sim machine, and gets a signed
 * machine.state_changed naming it; the receiver fails the first attempt, which the delivery log shows,
 * and the retry (5 s later, as Standard Webhooks schedule it) succeeds.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime.js';
import { uniqueDbName } from '../helpers/mongo.js';

interface Received {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('a webhook to a local receiver', () => {
  let runtime: LocalRuntime;
  let token: string;
  let receiver: Server;
  let url: string;
  const received: Received[] = [];
  /** The receiver's answers in turn; then 204. */
  const answers = [500];
  let onReceive: (() => void) | undefined;

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${runtime.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Resolves once the receiver has had `n` requests, or fails after `ms`. */
  function receivedCount(n: number, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${n} deliveries`)), ms);
      const check = () => {
        if (received.length < n) return;
        clearTimeout(timer);
        onReceive = undefined;
        resolve();
      };
      onReceive = check;
      check();
    });
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ at: Date.now(), headers: req.headers, body });
        res.writeHead(answers.shift() ?? 204);
        res.end();
        onReceive?.();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    url = `http://127.0.0.1:${address.port}/hooks`;
    runtime = await startLocalRuntime({
      port: 0,
      mongoUri: inject('mongoUri'),
      dbName: uniqueDbName('webhook-e2e'),
      tickPeriodMs: 3_600_000,
    });
    token = runtime.bootstrap!.token;
  });
  afterAll(async () => {
    await runtime.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('gets a signed machine.state_changed for a stopped machine, retried after a failed first attempt', async () => {
    const hook = await call('POST', '/v1/webhooks', { url, events: ['machine.state_changed'] });
    expect(hook.status).toBe(201);
    const { secret } = hook.body;
    const webhookId = hook.body.webhook.id;

    await runtime.jobs.drain();
    const list = await call('GET', '/v1/machines?state=running&limit=1');
    const machine = list.body.items[0];
    const stoppedAt = Date.now();
    expect((await call('POST', `/v1/machines/${machine.id}/actions/stop`)).status).toBe(202);

    await receivedCount(1, 5_000);
    const log = await call('GET', `/v1/webhooks/${webhookId}/deliveries`);
    expect(log.body.items).toEqual([
      expect.objectContaining({
        eventType: 'machine.state_changed',
        attempt: 1,
        lastAttempt: expect.objectContaining({ responseCode: 500 }),
        attempts: [expect.objectContaining({ responseCode: 500 })],
      }),
    ]);
    expect(log.body.items[0].status).not.toBe('succeeded');

    await receivedCount(2, 20_000);
    const [first, second] = received;
    // The same event, retried: one webhook-id, verified with the secret the newcomer was given.
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(4_000);
    const event = new Webhook(secret).verify(second!.body, second!.headers as Record<string, string>);
    expect(event).toMatchObject({
      type: 'machine.state_changed',
      version: 1,
      data: { machineId: machine.id, name: machine.name, from: 'running', to: 'stopping' },
    });
    expect(first!.at - stoppedAt).toBeLessThan(5_000);

    await runtime.jobs.drain();
    const after = await call('GET', `/v1/webhooks/${webhookId}/deliveries`);
    expect(after.body.items[0]).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      lastAttempt: expect.objectContaining({ responseCode: 204 }),
      attempts: [
        expect.objectContaining({ responseCode: 500 }),
        expect.objectContaining({ responseCode: 204 }),
      ],
    });
  }, 40_000);
});
