import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { getMongo } from '../../lib/db/client.js';
import { recordEvents } from '../../lib/events/record.js';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime.js';
import { uniqueDbName } from '../helpers/mongo.js';

describe('the local runtime over HTTP', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await startLocalRuntime({ port: 0, mongoUri: inject('mongoUri'), dbName: uniqueDbName('e2e') });
  });
  afterAll(() => runtime.stop());

  it('answers GET /v1/health with the database up', async () => {
    const res = await fetch(`${runtime.apiUrl}/v1/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ status: 'ok', database: { status: 'up' } });
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('answers 404 problem+json for an unknown route, with no stack trace', async () => {
    const res = await fetch(`${runtime.apiUrl}/v1/no-such-thing?x=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ status: 404, code: 'not_found', title: 'Not found' });
    expect(body.instance).toMatch(/^urn:nimbo:request:/);
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('answers 405 with Allow for a method the path does not serve', async () => {
    const res = await fetch(`${runtime.apiUrl}/v1/health`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('publishes recorded events to its local bus through its jobs queue, and lists them at GET /v1/events', async () => {
    const { orgId, token } = runtime.bootstrap!;
    const deps = { db: (await getMongo()).db, now: () => new Date() };
    const [event] = await recordEvents(deps, [
      {
        orgId,
        type: 'cloud.disabled',
        data: { cloudId: 'cld_0123456789abcdef', name: 'sim', provider: 'sim', reason: 'test' },
      },
    ]);
    await vi.waitFor(
      () => expect(runtime.eventBus.received.map((e) => JSON.parse(e.detail).id)).toContain(event!._id),
      { timeout: 10_000, interval: 50 },
    );
    const entry = runtime.eventBus.received.find((e) => JSON.parse(e.detail).id === event!._id)!;
    expect(entry).toMatchObject({ source: 'nimbo', detailType: 'cloud.disabled', resources: [] });
    await vi.waitFor(async () => {
      const stored = await deps.db.collection('events').findOne({ _id: event!._id as never });
      expect(stored?.publishedAt).toBeInstanceOf(Date);
    });

    const res = await fetch(`${runtime.apiUrl}/v1/events?type=cloud.disabled`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: Array<{ id: string }> }).items.map((e) => e.id)).toEqual([
      event!._id,
    ]);
  });

  it('refuses a body over 10 MB with 413, as API Gateway does', async () => {
    const res = await fetch(`${runtime.apiUrl}/v1/health`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
  });
});

describe('the local runtime without its database', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    process.env.MONGODB_TIMEOUT_MS = '300';
    // Port 1 on loopback: nothing listens there, so every connection is refused.
    runtime = await startLocalRuntime({ port: 0, mongoUri: 'mongodb://127.0.0.1:1', dbName: 'unreachable' });
  });
  afterAll(async () => {
    await runtime.stop();
    delete process.env.MONGODB_TIMEOUT_MS;
  });

  it('answers 503 problem+json with the database down, and says nothing about where it is', async () => {
    const res = await fetch(`${runtime.apiUrl}/v1/health`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ status: 503, code: 'database_unavailable', database: { status: 'down' } });
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
  });
});
