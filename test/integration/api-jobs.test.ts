import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { useTestDatabase } from '../helpers/mongo.js';

describe('GET /v1/jobs', () => {
  const t = useTestDatabase('api_jobs');
  let clock = new Date('2026-12-04T08:00:00Z');
  const now = () => clock;
  const jobs = testJobs(() => t.db, now);
  const api = testApi(() => t.db, now, jobs.queue);
  let owner: string;
  let other: string;
  let cloudId: string;
  let machineId: string;
  let stopJob: string;

  const get = (path: string, token = owner) => api.request('GET', path, { token });

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    ({ token: other } = await createTestOrg(t.db));
    const cloud = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'fleet', settings: { machines: 3, seed: 2, transitionMs: 0 } },
    });
    cloudId = cloud.body.cloud.id;
    await jobs.drain();
    await api.request('POST', '/v1/webhooks', {
      token: owner,
      body: { url: 'http://127.0.0.1:9/hooks', events: ['machine.state_changed'] },
    });
    clock = new Date(clock.getTime() + 60_000);
    machineId = (await get(`/v1/machines?cloud=${cloudId}&state=running&limit=1`)).body.items[0].id;
    stopJob = (await api.request('POST', `/v1/machines/${machineId}/actions/stop`, { token: owner })).body.job
      .id;
    await jobs.drain();
  });

  it("lists the org's jobs newest first, with their status and result", async () => {
    const res = await get('/v1/jobs');
    expect(res.status).toBe(200);
    const items = res.body.items as Array<{ id: string; type: string; createdAt: string }>;
    const times = items.map((j) => j.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(items.map((j) => j.type)).toEqual(expect.arrayContaining(['machine.action', 'cloud.poll']));
    expect(items.find((j) => j.id === stopJob)).toMatchObject({
      status: 'succeeded',
      result: { action: 'stop' },
    });
  });

  it('leaves out the jobs that carry events unless asked for by type', async () => {
    const all = (await get('/v1/jobs?limit=500')).body.items.map((j: { type: string }) => j.type);
    expect(all).not.toContain('webhook.deliver');
    const deliveries = (await get('/v1/jobs?type=webhook.deliver')).body.items;
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((j: { type: string }) => j.type === 'webhook.deliver')).toBe(true);
  });

  it('filters by status and by the resource acted on', async () => {
    const onMachine = (await get(`/v1/jobs?resourceId=${machineId}`)).body.items;
    expect(onMachine.map((j: { id: string }) => j.id)).toEqual([stopJob]);
    expect((await get('/v1/jobs?status=failed')).body.items).toEqual([]);
  });

  it("never lists another org's jobs", async () => {
    expect((await get('/v1/jobs', other)).body.items).toEqual([]);
  });

  it('answers 400 for an unknown status or type', async () => {
    const res = await get('/v1/jobs?status=done');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ in: 'query', path: 'status' })]);
    expect((await get('/v1/jobs?type=machine.fly')).status).toBe(400);
  });
});
