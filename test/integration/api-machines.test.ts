import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('machines', () => {
  const t = useTestDatabase('machines');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let viewer: string;
  let cloudId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    viewer = (await api.request('POST', '/v1/tokens', { token: owner, body: { name: 'v', role: 'viewer' } }))
      .body.token;
    const res = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'fleet', settings: { machines: 40, seed: 9, transitionMs: 0 } },
    });
    cloudId = res.body.cloud.id;
    await jobs.drain();
  });

  const get = (path: string, token = owner) => api.request('GET', path, { token });
  const post = (path: string, body?: unknown, token = owner) =>
    api.request('POST', path, { token, ...(body ? { body } : {}) });
  const jobCount = () => t.db.collection<AnyDoc>('jobs').countDocuments({});
  const auditCount = () => t.db.collection<AnyDoc>('audit').countDocuments({});

  async function machineIn(state: string) {
    const res = await get(`/v1/machines?cloud=${cloudId}&state=${state}&limit=1`);
    return res.body.items[0];
  }

  async function settle() {
    await jobs.drain();
    await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
  }

  it('lists the inventory with state, tag, search and cloud filters', async () => {
    const all = await get(`/v1/machines?limit=500`);
    expect(all.body.items).toHaveLength(40);
    const running = await get('/v1/machines?state=running&limit=500');
    expect(running.body.items.every((m: { state: string }) => m.state === 'running')).toBe(true);
    const prod = await get('/v1/machines?tag=env=prod&limit=500');
    expect(prod.body.items.length).toBeGreaterThan(0);
    expect(prod.body.items.every((m: { tags: Record<string, string> }) => m.tags.env === 'prod')).toBe(true);
    const anyTeam = await get('/v1/machines?tag=team&limit=500');
    expect(anyTeam.body.items).toHaveLength(40);
    const search = await get('/v1/machines?q=WEB-&limit=500');
    expect(search.body.items.every((m: { name: string }) => m.name.startsWith('web-'))).toBe(true);
  });

  it('filters by region and by conditions as JSON, and answers 400 naming the part for bad conditions', async () => {
    const all = (await get('/v1/machines?limit=500')).body.items as Array<{ region: string; size: string }>;
    const region = all[0]!.region;
    const inRegion = (await get(`/v1/machines?region=${region}&limit=500`)).body.items;
    expect(inRegion).toHaveLength(all.filter((m) => m.region === region).length);
    const size = all[0]!.size;
    const conditions = encodeURIComponent(JSON.stringify({ field: 'size', op: 'eq', value: size }));
    const bySize = (await get(`/v1/machines?conditions=${conditions}&limit=500`)).body.items;
    expect(bySize).toHaveLength(all.filter((m) => m.size === size).length);
    expect(bySize.length).toBeLessThan(all.length);

    const notJson = await get('/v1/machines?conditions=%7Bsize');
    expect(notJson.status).toBe(400);
    expect(notJson.body.errors).toEqual([
      expect.objectContaining({ in: 'query', path: 'conditions', message: expect.stringContaining('JSON') }),
    ]);
    const badField = encodeURIComponent(JSON.stringify({ field: 'colour', op: 'eq', value: 'red' }));
    const outside = await get(`/v1/machines?conditions=${badField}`);
    expect(outside.status).toBe(400);
    expect(outside.body.errors[0]).toMatchObject({ in: 'query', path: 'conditions.field' });
  });

  it('pages through the inventory sorted by name without repeats', async () => {
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { name: string }[]; nextCursor: string | null } } = await get(
        `/v1/machines?limit=7&sort=-name${cursor ? `&cursor=${cursor}` : ''}`,
      );
      names.push(...res.body.items.map((m) => m.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(names).toHaveLength(40);
    expect([...names].sort().reverse()).toEqual(names);
  });

  it('shows a machine with its capability flags, and never another org machine', async () => {
    const m = await machineIn('running');
    const res = await get(`/v1/machines/${m.id}`);
    expect(res.body).toMatchObject({ id: m.id, actions: { stop: true, start: false, reboot: true } });
    const other = await createTestOrg(t.db);
    expect((await get(`/v1/machines/${m.id}`, other.token)).status).toBe(404);
    expect((await post(`/v1/machines/${m.id}/actions/stop`, undefined, other.token)).status).toBe(404);
    expect((await get(`/v1/machines?limit=500`, other.token)).body.items).toEqual([]);
  });

  it('answers 422 and queues nothing when the flags forbid the action', async () => {
    const m = await machineIn('stopped');
    const before = await jobCount();
    const res = await post(`/v1/machines/${m.id}/actions/stop`);
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/Cannot stop .* it is stopped/);
    expect(await jobCount()).toBe(before);
  });

  it('answers 400 for an unknown action and 422 for a resize without a size', async () => {
    const m = await machineIn('running');
    expect((await post(`/v1/machines/${m.id}/actions/explode`)).status).toBe(400);
    expect((await post(`/v1/machines/${m.id}/actions/resize`, {})).status).toBe(422);
    expect((await post(`/v1/machines/${m.id}/actions/stop`, { hard: true })).status).toBe(400);
  });

  it('takes force on a stop, and refuses it on any other action with 422, queueing nothing', async () => {
    const m = await machineIn('running');
    const before = await jobCount();
    const resize = await post(`/v1/machines/${m.id}/actions/resize`, { size: 'sim.xlarge', force: true });
    expect(resize.status).toBe(422);
    expect(resize.body.detail).toBe('force applies to stop and reboot only');
    expect(await jobCount()).toBe(before);
    const res = await post(`/v1/machines/${m.id}/actions/stop`, { force: true });
    expect(res.status).toBe(202);
    expect(res.body.job.input).toMatchObject({ action: 'stop', force: true });
    await jobs.drain();
    await settle();
    expect((await get(`/v1/machines/${m.id}`)).body.state).toBe('stopped');
  });

  it('does not let a viewer act on machines', async () => {
    const m = await machineIn('running');
    expect((await post(`/v1/machines/${m.id}/actions/stop`, undefined, viewer)).status).toBe(403);
  });

  it('starts a stopped machine through a job, and the next poll shows it running', async () => {
    const m = await machineIn('stopped');
    const res = await post(`/v1/machines/${m.id}/actions/start`);
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/v1/jobs/${res.body.job.id}`);
    await jobs.drain();
    expect((await get(`/v1/machines/${m.id}`)).body.state).toBe('pending');
    await settle();
    expect((await get(`/v1/machines/${m.id}`)).body).toMatchObject({
      state: 'running',
      actions: { stop: true },
    });
  });

  it('renames and resizes machines', async () => {
    const m = await machineIn('stopped');
    await post(`/v1/machines/${m.id}/actions/rename`, { name: 'renamed-box' });
    await post(`/v1/machines/${m.id}/actions/resize`, { size: 'sim.xlarge' });
    await settle();
    expect((await get(`/v1/machines/${m.id}`)).body).toMatchObject({
      name: 'renamed-box',
      size: 'sim.xlarge',
      hourlyCost: 0.1344,
    });
  });

  it('fails the job with a clear error when the provider refuses, and audits it', async () => {
    const m = await machineIn('running');
    await t.db
      .collection<AnyDoc>('clouds')
      .updateOne({ _id: cloudId }, { $set: { 'settings.faults.auth': true } });
    try {
      const res = await post(`/v1/machines/${m.id}/actions/reboot`);
      await jobs.drain();
      const job = await get(`/v1/jobs/${res.body.job.id}`);
      expect(job.body).toMatchObject({ status: 'failed', error: { code: 'provider_auth_failed' } });
      const audit = await get(`/v1/audit?resourceId=${m.id}&action=machine.reboot`);
      expect(audit.body.items[0]).toMatchObject({
        result: 'failure',
        error: { code: 'provider_auth_failed' },
      });
    } finally {
      await t.db
        .collection<AnyDoc>('clouds')
        .updateOne({ _id: cloudId }, { $set: { 'settings.faults.auth': false } });
    }
  });

  it('destroys a machine: it shows terminated and can no longer be started', async () => {
    const m = await machineIn('running');
    await post(`/v1/machines/${m.id}/actions/destroy`);
    await settle();
    expect((await get(`/v1/machines/${m.id}`)).body).toMatchObject({
      state: 'terminated',
      actions: { start: false, destroy: false },
    });
    expect((await post(`/v1/machines/${m.id}/actions/start`)).status).toBe(422);
  });

  it('creates, lists, reverts and deletes snapshots', async () => {
    const m = await machineIn('running');
    const created = await post(`/v1/machines/${m.id}/snapshots`, { name: 'before-upgrade' });
    expect(created.status).toBe(202);
    await jobs.drain();
    const job = await get(`/v1/jobs/${created.body.job.id}`);
    const snapshotId = job.body.result.snapshot.id;
    const list = await get(`/v1/machines/${m.id}/snapshots`);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: snapshotId, name: 'before-upgrade', state: 'completed' }),
    ]);
    const revert = await post(`/v1/machines/${m.id}/snapshots/${snapshotId}/revert`);
    await jobs.drain();
    expect((await get(`/v1/jobs/${revert.body.job.id}`)).body.status).toBe('succeeded');
    const del = await api.request('DELETE', `/v1/machines/${m.id}/snapshots/${snapshotId}`, { token: owner });
    expect(del.status).toBe(202);
    await jobs.drain();
    expect((await get(`/v1/machines/${m.id}/snapshots`)).body.items).toEqual([]);
  });

  it('checks a snapshot id before answering 202: a bad shape is 400, an unknown snapshot 404, nothing queued', async () => {
    const [m, other] = (await get(`/v1/machines?cloud=${cloudId}&state=running&limit=2`)).body.items;
    const taken = await post(`/v1/machines/${other.id}/snapshots`, { name: 'the-other-machines' });
    await jobs.drain();
    const othersSnapshot = (await get(`/v1/jobs/${taken.body.job.id}`)).body.result.snapshot.id;
    expect(othersSnapshot).toMatch(/^simsnap-[0-9a-f]{12}$/);
    const before = await jobCount();
    const audits = await auditCount();
    const attempt = (snapshotId: string) => [
      post(`/v1/machines/${m.id}/snapshots/${snapshotId}/revert`),
      api.request('DELETE', `/v1/machines/${m.id}/snapshots/${snapshotId}`, { token: owner }),
    ];
    // Shapes no provider hands out, an encoded path among them: refused at the edge.
    for (const bad of [
      '..%2F..%2Fetc%2Fpasswd',
      'SIMSNAP-0123456789AB',
      'simsnap-XYZ',
      'simsnap-0123456789ab%00',
      'x'.repeat(65),
    ]) {
      for (const res of await Promise.all(attempt(bad))) {
        expect(res.status, bad).toBe(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.detail).toMatch(/snapshotId/);
      }
    }
    // An EC2 shape on a sim machine: a shape the API knows, not this provider's.
    for (const res of await Promise.all(attempt('snapset-0123456789abcdef'))) {
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(
        /is not a snapshot id of the sim provider: expected "simsnap-" and 12 lowercase hex/,
      );
    }
    // Well-shaped, but not one of this machine's: another machine's, or none at all.
    for (const missing of [othersSnapshot, 'simsnap-0123456789ab']) {
      for (const res of await Promise.all(attempt(missing))) {
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.detail).toBe(`Snapshot ${missing} is not a snapshot of machine ${m.name}`);
      }
    }
    expect(await jobCount()).toBe(before);
    expect(await auditCount()).toBe(audits);
    // The other machine's own snapshot is still there, untouched.
    expect((await get(`/v1/machines/${other.id}/snapshots`)).body.items).toEqual([
      expect.objectContaining({ id: othersSnapshot }),
    ]);
  });

  it('creates a machine in a cloud and puts it in the inventory', async () => {
    const res = await post(`/v1/clouds/${cloudId}/machines`, {
      name: 'fresh-01',
      region: 'sim-west-1',
      image: 'sim-ubuntu-24.04',
      size: 'sim.medium',
      tags: { env: 'dev' },
    });
    expect(res.status).toBe(202);
    await jobs.drain();
    const job = await get(`/v1/jobs/${res.body.job.id}`);
    expect(job.body.status).toBe('succeeded');
    const machine = await get(`/v1/machines/${job.body.result.machineId}`);
    expect(machine.body).toMatchObject({
      name: 'fresh-01',
      region: 'sim-west-1',
      tags: { env: 'dev', Name: 'fresh-01' },
    });
  });

  it("answers 404 for another org's jobs and snapshots, and 400 for a bad snapshot name", async () => {
    const m = await machineIn('running');
    const res = await post(`/v1/machines/${m.id}/snapshots`, { name: 'mine' });
    await jobs.drain();
    const other = await createTestOrg(t.db);
    expect((await get(`/v1/jobs/${res.body.job.id}`, other.token)).status).toBe(404);
    expect((await get(`/v1/machines/${m.id}/snapshots`, other.token)).status).toBe(404);
    expect((await post(`/v1/machines/${m.id}/snapshots`, { name: 'theirs' }, other.token)).status).toBe(404);
    const snapshotId = (await get(`/v1/jobs/${res.body.job.id}`)).body.result.snapshot.id;
    expect(
      (await post(`/v1/machines/${m.id}/snapshots/${snapshotId}/revert`, undefined, other.token)).status,
    ).toBe(404);
    expect(
      (await api.request('DELETE', `/v1/machines/${m.id}/snapshots/${snapshotId}`, { token: other.token }))
        .status,
    ).toBe(404);
    expect((await post(`/v1/machines/${m.id}/snapshots`, { name: '' })).status).toBe(400);
    expect((await post(`/v1/machines/${m.id}/snapshots`, { name: 'x', memory: true })).status).toBe(400);
    expect((await get('/v1/jobs/not-a-job-id')).status).toBe(400);
  });

  it('fails a create with an unknown image as a clear provider error', async () => {
    const res = await post(`/v1/clouds/${cloudId}/machines`, {
      name: 'bad',
      region: 'sim-west-1',
      image: 'no-such-image',
      size: 'sim.medium',
    });
    await jobs.drain();
    const job = await get(`/v1/jobs/${res.body.job.id}`);
    expect(job.body).toMatchObject({
      status: 'failed',
      error: { code: 'provider_resource_not_found', message: expect.stringMatching(/unknown image/) },
    });
  });
});
