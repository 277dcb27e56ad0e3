import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc } from '../../lib/db/documents.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { closedLoopbackPort, type LoopbackListener, openLoopbackListener } from '../helpers/loopback.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { insertLoopbackCloud, insertLoopbackMachines } from '../helpers/probe-fixtures.js';

describe('probes through the API', () => {
  const t = useTestDatabase('probes_api');
  let clock = new Date('2026-11-25T12:00:00Z');
  const now = () => clock;
  const jobs = testJobs(() => t.db, now);
  const api = testApi(() => t.db, now, jobs.queue);
  let owner: string;
  let viewer: string;
  let orgId: string;
  let otherOwner: string;
  let listener: LoopbackListener;
  let cloud: CloudDoc;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    ({ token: otherOwner } = await createTestOrg(t.db));
    viewer = (await api.request('POST', '/v1/tokens', { token: owner, body: { name: 'v', role: 'viewer' } }))
      .body.token;
    listener = await openLoopbackListener();
    cloud = await insertLoopbackCloud(t.db, orgId, { probes: { port: listener.port } });
  });
  afterAll(() => listener.close());

  const get = (path: string, token = owner) => api.request('GET', path, { token });
  const post = (path: string, token = owner) => api.request('POST', path, { token });
  const patch = (path: string, body: unknown, token = owner) => api.request('PATCH', path, { token, body });

  async function probeNow(machineId: string) {
    const res = await post(`/v1/machines/${machineId}/probe`);
    expect(res.status).toBe(202);
    await jobs.drain();
    return (await get(`/v1/jobs/${res.body.job.id}`)).body;
  }

  it('probes a machine on demand as a job, and shows the result on the machine and in its history', async () => {
    const [m] = await insertLoopbackMachines(t.db, cloud, 1);
    const res = await post(`/v1/machines/${m!._id}/probe`);
    expect(res.status).toBe(202);
    expect(res.body.job).toMatchObject({ type: 'machine.probe', status: 'queued' });
    expect(res.headers.location).toBe(`/v1/jobs/${res.body.job.id}`);
    await jobs.drain();

    const job = (await get(`/v1/jobs/${res.body.job.id}`)).body;
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ probed: 1, reachable: 1, unreachable: 0 });
    expect(job.result.probe.tcp).toMatchObject({
      host: '127.0.0.1',
      port: listener.port,
      reachable: true,
      attempts: 3,
      received: 3,
      lossPercent: 0,
    });

    const machine = (await get(`/v1/machines/${m!._id}`)).body;
    expect(machine.probe).toMatchObject({ at: clock.toISOString(), tcp: { reachable: true }, ssh: null });
    expect(machine.unreachableSince).toBeNull();

    const history = (await get(`/v1/machines/${m!._id}/probes`)).body;
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({ machineId: m!._id, kind: 'tcp', at: clock.toISOString() });
    expect(history.items[0].result.rttMs.min).toBeGreaterThan(0);

    const audit = await t.db
      .collection<AnyDoc>('audit')
      .findOne({ action: 'machine.probe', 'resource.id': m!._id });
    expect(audit).toMatchObject({ result: 'success', details: { reachable: true, lossPercent: 0 } });
  });

  it('keeps the first failure of an outage in unreachableSince, and clears it on success', async () => {
    const port = await closedLoopbackPort();
    const down = await insertLoopbackCloud(t.db, orgId, { probes: { port } });
    const [m] = await insertLoopbackMachines(t.db, down, 1);
    const firstFailure = clock;

    const first = await probeNow(m!._id);
    expect(first.result).toMatchObject({ probed: 1, reachable: 0, unreachable: 1 });
    expect(first.result.probe.tcp).toMatchObject({ lossPercent: 100, error: 'connection refused' });
    expect((await get(`/v1/machines/${m!._id}`)).body.unreachableSince).toBe(firstFailure.toISOString());

    clock = new Date(clock.getTime() + 5 * 60_000);
    await probeNow(m!._id);
    expect((await get(`/v1/machines/${m!._id}`)).body.unreachableSince).toBe(firstFailure.toISOString());

    clock = new Date(clock.getTime() + 5 * 60_000);
    const back = await openLoopbackListener(port);
    try {
      const ok = await probeNow(m!._id);
      expect(ok.result.probe.tcp.reachable).toBe(true);
    } finally {
      await back.close();
    }
    const machine = (await get(`/v1/machines/${m!._id}`)).body;
    expect(machine.unreachableSince).toBeNull();
    expect(machine.probe.at).toBe(clock.toISOString());

    const events = await t.db
      .collection<AnyDoc>('audit')
      .find({ 'resource.id': m!._id, action: { $in: ['machine.unreachable', 'machine.reachable'] } })
      .sort({ time: 1 })
      .toArray();
    expect(events.map((e) => e.action)).toEqual(['machine.unreachable', 'machine.reachable']);
    expect(events[1]!.details).toMatchObject({
      unreachableSince: firstFailure.toISOString(),
      downForMs: 600_000,
    });
    // And for webhooks: the outage's start and end as events, each once.
    const told = await t.db
      .collection<AnyDoc>('events')
      .find({ 'data.machineId': m!._id })
      .sort({ timestamp: 1 })
      .toArray();
    expect(told.map((e) => e.type)).toEqual(['machine.unreachable', 'machine.reachable']);
    expect(told[0]!.data).toMatchObject({
      since: firstFailure.toISOString(),
      failedProbes: 1,
      error: { code: 'probe_failed', message: 'connection refused' },
    });
    expect(told[1]!.data).toMatchObject({ unreachableSince: firstFailure.toISOString(), downSeconds: 600 });
  });

  it('pages through the history newest first, filters by kind, and expires it after the retention', async () => {
    const [m] = await insertLoopbackMachines(t.db, cloud, 1);
    const times: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock = new Date(clock.getTime() + 60_000);
      times.push(clock.toISOString());
      await probeNow(m!._id);
    }
    const page1 = (await get(`/v1/machines/${m!._id}/probes?limit=2`)).body;
    expect(page1.items.map((p: AnyDoc) => p.at)).toEqual([times[2], times[1]]);
    const page2 = (await get(`/v1/machines/${m!._id}/probes?limit=2&cursor=${page1.nextCursor}`)).body;
    expect(page2.items.map((p: AnyDoc) => p.at)).toEqual([times[0]]);
    expect(page2.nextCursor).toBeNull();
    expect((await get(`/v1/machines/${m!._id}/probes?kind=ssh`)).body.items).toEqual([]);
    expect((await get(`/v1/machines/${m!._id}/probes?sort=at&limit=1`)).body.items[0].at).toBe(times[0]);

    const stored = await t.db
      .collection<AnyDoc>('probes')
      .findOne({ machineId: m!._id }, { sort: { at: -1 } });
    expect(stored!.expireAt).toEqual(new Date(new Date(times[2]!).getTime() + 30 * 86_400_000));
    const indexes = await t.db.collection('probes').indexes();
    expect(indexes.find((i) => i.name === 'expireAt_1')).toMatchObject({ expireAfterSeconds: 0 });
  });

  it('answers 404 for a machine of another org, and queues nothing', async () => {
    const [m] = await insertLoopbackMachines(t.db, cloud, 1);
    const before = await t.db.collection('jobs').countDocuments({});
    expect((await post(`/v1/machines/${m!._id}/probe`, otherOwner)).status).toBe(404);
    expect((await get(`/v1/machines/${m!._id}/probes`, otherOwner)).status).toBe(404);
    expect((await get(`/v1/clouds/${cloud._id}/probe-settings`, otherOwner)).status).toBe(404);
    expect(
      (await patch(`/v1/clouds/${cloud._id}/probe-settings`, { enabled: true }, otherOwner)).status,
    ).toBe(404);
    expect(await t.db.collection('jobs').countDocuments({})).toBe(before);
  });

  it('refuses to probe a missing machine or one without an address (422), and a viewer (403)', async () => {
    const [missing] = await insertLoopbackMachines(t.db, cloud, 1, { missingSince: clock });
    const [noIp] = await insertLoopbackMachines(t.db, cloud, 1, { publicIps: [], privateIps: [] });
    const [ok] = await insertLoopbackMachines(t.db, cloud, 1);
    const a = await post(`/v1/machines/${missing!._id}/probe`);
    expect(a.status).toBe(422);
    expect(a.body.detail).toMatch(/missing/);
    const b = await post(`/v1/machines/${noIp!._id}/probe`);
    expect(b.status).toBe(422);
    expect(b.body.detail).toMatch(/no IP address/);
    expect((await post(`/v1/machines/${ok!._id}/probe`, viewer)).status).toBe(403);
    expect((await get(`/v1/machines/${ok!._id}/probes`, viewer)).status).toBe(200);
    expect((await get('/v1/machines/not-an-id/probes')).status).toBe(400);
  });

  it("shows and changes a cloud's probe settings (admin only), with the provider's defaults until set", async () => {
    const fresh = await insertLoopbackCloud(t.db, orgId);
    const path = `/v1/clouds/${fresh._id}/probe-settings`;
    expect((await get(path, viewer)).body).toEqual({
      enabled: false,
      intervalMinutes: 5,
      port: null,
      attempts: 3,
      timeoutMs: 2000,
      retentionDays: 30,
    });
    const changed = await patch(path, { enabled: true, intervalMinutes: 2, port: 2222, retentionDays: 7 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ enabled: true, intervalMinutes: 2, port: 2222, retentionDays: 7 });
    expect((await patch(path, { port: null })).body.port).toBeNull();
    expect((await get(path)).body).toMatchObject({ enabled: true, intervalMinutes: 2, port: null });
    const audit = await t.db
      .collection<AnyDoc>('audit')
      .findOne({ action: 'cloud.probes.update', 'resource.id': fresh._id });
    expect(audit?.details).toEqual({
      changes: { enabled: true, intervalMinutes: 2, port: 2222, retentionDays: 7 },
    });

    expect((await patch(path, { enabled: false }, viewer)).status).toBe(403);
    for (const bad of [
      {},
      { port: 0 },
      { intervalMinutes: 0 },
      { attempts: 11 },
      { bogus: 1 },
      { enabled: 'yes' },
    ]) {
      const res = await patch(path, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await get(path)).body).toMatchObject({ enabled: true, intervalMinutes: 2, port: null });
  });

  it('refuses settings whose probe cannot fit a probe job (422, nothing written), and clamps older ones', async () => {
    const fresh = await insertLoopbackCloud(t.db, orgId);
    const path = `/v1/clouds/${fresh._id}/probe-settings`;
    // 10 × 10 s of TCP next to the SSH probe's 23 s: far over a job's 45 s.
    const refused = await patch(path, { attempts: 10, timeoutMs: 10_000 });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('at most 22000 ms fit a probe job');
    const timeoutOnly = await patch(path, { timeoutMs: 8_000 }); // 3 attempts × 8 s
    expect(timeoutOnly.status).toBe(422);
    expect((await get(path)).body).toMatchObject({ attempts: 3, timeoutMs: 2000 });
    expect(await t.db.collection('audit').countDocuments({ 'resource.id': fresh._id })).toBe(0);
    expect((await patch(path, { attempts: 5, timeoutMs: 4_400 })).status).toBe(200);

    // Stored before the rule existed: in effect (and shown) with as many attempts as fit.
    const legacy = await insertLoopbackCloud(t.db, orgId, {
      probes: { enabled: true, attempts: 10, timeoutMs: 10_000 },
    });
    const shown = await get(`/v1/clouds/${legacy._id}/probe-settings`);
    expect(shown.body).toMatchObject({ enabled: true, attempts: 2, timeoutMs: 10_000 });
    expect((await patch(`/v1/clouds/${legacy._id}/probe-settings`, { intervalMinutes: 10 })).status).toBe(
      200,
    );
  });
});
