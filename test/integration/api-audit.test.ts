import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('GET /v1/audit', () => {
  const t = useTestDatabase('audit');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let orgId: string;
  let cloudId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    const res = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'audited', settings: { machines: 5, transitionMs: 0 } },
    });
    cloudId = res.body.cloud.id;
    await jobs.drain();
    await api.request('PATCH', `/v1/clouds/${cloudId}`, { token: owner, body: { name: 'audited-2' } });
  });

  const get = (q: string, token = owner) => api.request('GET', `/v1/audit${q}`, { token });

  it('records who changed what, newest first', async () => {
    const res = await get('?limit=500');
    expect(res.status).toBe(200);
    const actions = res.body.items.map((e: { action: string }) => e.action);
    expect(actions[0]).toBe('cloud.update');
    expect(actions).toEqual(
      expect.arrayContaining(['token.create', 'cloud.create', 'machine.appeared', 'cloud.poll']),
    );
    const update = res.body.items[0];
    expect(update).toMatchObject({
      actor: { type: 'token', name: 'owner (bootstrap)' },
      resource: { type: 'cloud', id: cloudId, name: 'audited-2' },
      result: 'success',
      details: { changes: { name: 'audited-2' } },
    });
    expect(update.requestId).toMatch(/^test-/);
  });

  it('filters by resource, actor, action, result and time', async () => {
    expect(
      (await get(`?resourceId=${cloudId}`)).body.items.every(
        (e: { resource: { id: string } }) => e.resource.id === cloudId,
      ),
    ).toBe(true);
    const appeared = await get('?action=machine.appeared&limit=500');
    expect(appeared.body.items).toHaveLength(5);
    expect(appeared.body.items[0].actor).toEqual({ type: 'system', id: 'system:poller', name: 'poller' });
    expect((await get('?actor=system:poller&limit=500')).body.items.length).toBeGreaterThanOrEqual(5);
    expect((await get('?result=failure')).body.items).toEqual([]);
    expect((await get('?from=2999-01-01T00:00:00Z')).body.items).toEqual([]);
    expect((await get('?to=2000-01-01T00:00:00Z')).body.items).toEqual([]);
    expect((await get('?from=yesterday')).status).toBe(400);
  });

  it('pages newest first with the cursor', async () => {
    const first = await get('?limit=3');
    const second = await get(`?limit=3&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map((e: { id: string }) => e.id);
    expect(new Set(ids).size).toBe(6);
    expect(first.body.items[2].time >= second.body.items[0].time).toBe(true);
  });

  it("shows nothing of another org's trail", async () => {
    const other = await createTestOrg(t.db);
    const res = await get('?limit=500', other.token);
    expect(res.body.items.map((e: { action: string }) => e.action)).toEqual(['token.create']);
  });

  it("expires events after the org's retention, through a TTL index", async () => {
    const indexes = await t.db.collection<AnyDoc>('audit').indexes();
    expect(indexes).toContainEqual(expect.objectContaining({ key: { expireAt: 1 }, expireAfterSeconds: 0 }));
    const event = await t.db.collection<AnyDoc>('audit').findOne({ orgId });
    const days = (event!.expireAt.getTime() - event!.time.getTime()) / 86_400_000;
    expect(days).toBe(90);
  });
});
