import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const instant = { machines: 6, seed: 3, transitionMs: 0 };

describe('clouds', () => {
  const t = useTestDatabase('clouds');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let orgId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
  });

  async function tokenWithRole(role: string) {
    const res = await api.request('POST', '/v1/tokens', { token: owner, body: { name: role, role } });
    return res.body.token as string;
  }

  async function addSim(name: string, settings: Record<string, unknown> = instant, token = owner) {
    return api.request('POST', '/v1/clouds', { token, body: { provider: 'sim', name, settings } });
  }

  const count = (coll: string, filter = {}) => t.db.collection(coll).countDocuments({ orgId, ...filter });

  it('adds a sim cloud, labelled as a simulator, and its first poll fills the inventory', async () => {
    const res = await addSim('lab');
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/clouds/${res.body.cloud.id}`);
    expect(res.body.cloud).toMatchObject({
      name: 'lab',
      provider: 'sim',
      simulated: true,
      enabled: true,
      lastPollAt: null,
    });
    await jobs.drain();
    const job = await api.request('GET', `/v1/jobs/${res.body.pollJobId}`, { token: owner });
    expect(job.body).toMatchObject({ status: 'succeeded', result: { listed: 6, appeared: 6 } });
    const cloud = await api.request('GET', `/v1/clouds/${res.body.cloud.id}`, { token: owner });
    expect(cloud.body.lastPollAt).not.toBeNull();
    expect(await count('machines', { cloudId: res.body.cloud.id })).toBe(6);
  });

  it('answers 409 for a second cloud of the same name, and saves nothing', async () => {
    await addSim('twin');
    const before = await count('clouds');
    const res = await addSim('twin');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('conflict');
    expect(await count('clouds')).toBe(before);
  });

  it('answers 422 and saves nothing when the provider rejects the credentials, and audits the failure', async () => {
    const before = await count('clouds');
    const res = await addSim('badcreds', { ...instant, faults: { auth: true } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/rejected the credentials/);
    expect(await count('clouds')).toBe(before);
    const audit = await api.request('GET', '/v1/audit?action=cloud.create&result=failure', { token: owner });
    expect(audit.body.items[0]).toMatchObject({ result: 'failure', error: { code: 'provider_auth_failed' } });
  });

  it.each([
    ['an unknown provider', { provider: 'gcp', name: 'x' }],
    ['an AWS cloud without regions', { provider: 'aws', name: 'x', credentials: { type: 'role' } }],
    [
      'a malformed region',
      { provider: 'aws', name: 'x', regions: ['mars-1'], credentials: { type: 'role' } },
    ],
    [
      'an unknown credentials field',
      { provider: 'aws', name: 'x', regions: ['eu-west-1'], credentials: { type: 'role', x: 1 } },
    ],
    ['a fleet too large', { provider: 'sim', name: 'x', settings: { machines: 10_000_000 } }],
  ])('answers 400 for %s, and saves nothing', async (_label, body) => {
    const before = await count('clouds');
    const res = await api.request('POST', '/v1/clouds', { token: owner, body });
    expect(res.status).toBe(400);
    expect(await count('clouds')).toBe(before);
  });

  it('lets only admins add clouds', async () => {
    for (const role of ['viewer', 'operator']) {
      const res = await addSim(`by-${role}`, instant, await tokenWithRole(role));
      expect(res.status).toBe(403);
    }
    expect((await addSim('by-admin', instant, await tokenWithRole('admin'))).status).toBe(201);
  });

  it("answers 404 for another org's cloud on every route", async () => {
    const mine = await addSim('private');
    const other = await createTestOrg(t.db);
    const id = mine.body.cloud.id;
    for (const [method, path, body] of [
      ['GET', `/v1/clouds/${id}`],
      ['PATCH', `/v1/clouds/${id}`, { name: 'stolen' }],
      ['DELETE', `/v1/clouds/${id}`],
      ['POST', `/v1/clouds/${id}/poll`],
      ['GET', `/v1/clouds/${id}/sizes`],
      [
        'POST',
        `/v1/clouds/${id}/machines`,
        { name: 'x', region: 'sim-east-1', image: 'sim-debian-12', size: 'sim.small' },
      ],
    ] as const) {
      const res = await api.request(method, path, { token: other.token, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const list = await api.request('GET', '/v1/clouds', { token: other.token });
    expect(list.body.items).toEqual([]);
  });

  it('renames, disables (polls then refused) and re-enables a cloud', async () => {
    const { body } = await addSim('renameme');
    const id = body.cloud.id;
    const renamed = await api.request('PATCH', `/v1/clouds/${id}`, {
      token: owner,
      body: { name: 'renamed' },
    });
    expect(renamed.body.name).toBe('renamed');
    const disabled = await api.request('PATCH', `/v1/clouds/${id}`, {
      token: owner,
      body: { enabled: false },
    });
    expect(disabled.body).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(/disabled by/),
    });
    expect((await api.request('POST', `/v1/clouds/${id}/poll`, { token: owner })).status).toBe(422);
    const enabled = await api.request('PATCH', `/v1/clouds/${id}`, { token: owner, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    expect((await api.request('POST', `/v1/clouds/${id}/poll`, { token: owner })).status).toBe(202);
    expect((await api.request('PATCH', `/v1/clouds/${id}`, { token: owner, body: {} })).status).toBe(400);
  });

  it('deletes a cloud but keeps its machines, marked missing', async () => {
    const { body } = await addSim('doomed');
    await jobs.drain();
    const id = body.cloud.id;
    expect((await api.request('DELETE', `/v1/clouds/${id}`, { token: owner })).status).toBe(204);
    expect((await api.request('GET', `/v1/clouds/${id}`, { token: owner })).status).toBe(404);
    const visible = await api.request('GET', `/v1/machines?cloud=${id}`, { token: owner });
    expect(visible.body.items).toEqual([]);
    const missing = await api.request('GET', `/v1/machines?cloud=${id}&missing=true`, { token: owner });
    expect(missing.body.items).toHaveLength(6);
    expect(missing.body.items.every((m: { missingSince: string | null }) => m.missingSince !== null)).toBe(
      true,
    );
  });

  it('keeps the inventory intact and records the error when a poll fails', async () => {
    const { body } = await addSim('flaky');
    await jobs.drain();
    const id = body.cloud.id;
    const before = await t.db.collection<AnyDoc>('machines').find({ cloudId: id }).sort({ _id: 1 }).toArray();
    // The simulated provider starts refusing the credentials.
    await t.db
      .collection<AnyDoc>('clouds')
      .updateOne({ _id: id }, { $set: { 'settings.faults.auth': true } });
    const poll = await api.request('POST', `/v1/clouds/${id}/poll`, { token: owner });
    await jobs.drain();
    const job = await api.request('GET', `/v1/jobs/${poll.body.job.id}`, { token: owner });
    expect(job.body).toMatchObject({ status: 'failed', error: { code: 'provider_auth_failed' } });
    const after = await t.db.collection<AnyDoc>('machines').find({ cloudId: id }).sort({ _id: 1 }).toArray();
    expect(after).toEqual(before);
    const cloud = await api.request('GET', `/v1/clouds/${id}`, { token: owner });
    expect(cloud.body).toMatchObject({
      consecutiveFailures: 1,
      lastPollError: { code: 'provider_auth_failed' },
    });
  });

  it('retries a throttled poll and fails it after three attempts, leaving the inventory alone', async () => {
    const { body } = await addSim('throttled');
    await jobs.drain();
    const id = body.cloud.id;
    await t.db
      .collection<AnyDoc>('clouds')
      .updateOne({ _id: id }, { $set: { 'settings.faults.throttleRate': 1 } });
    const poll = await api.request('POST', `/v1/clouds/${id}/poll`, { token: owner });
    await jobs.drain();
    const job = await api.request('GET', `/v1/jobs/${poll.body.job.id}`, { token: owner });
    expect(job.body).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'provider_throttled' } });
    expect(await count('machines', { cloudId: id, missingSince: null })).toBe(6);
  });

  it("lists a cloud's sizes, images and locations from its provider", async () => {
    const { body } = await addSim('catalog');
    const id = body.cloud.id;
    const sizes = await api.request('GET', `/v1/clouds/${id}/sizes`, { token: owner });
    expect(sizes.body.items).toContainEqual(
      expect.objectContaining({ id: 'sim.small', hourlyPrice: 0.0168 }),
    );
    const images = await api.request('GET', `/v1/clouds/${id}/images`, { token: owner });
    expect(images.body.items.length).toBeGreaterThan(0);
    const locations = await api.request('GET', `/v1/clouds/${id}/locations`, { token: owner });
    expect(locations.body.items).toContainEqual(expect.objectContaining({ region: 'sim-east-1' }));
  });
});
