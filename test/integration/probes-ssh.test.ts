/**
 * Probes of machines one can log in to, against a real OpenSSH server on 127.0.0.1: a bring-your-own host
 * (ssh cloud) and a machine of another cloud with a key associated get the TCP probe on their SSH port and
 * the SSH probe's facts; a machine without an association gets the TCP probe only. Failure cases: the
 * port closed (sshd stopped), a changed host key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { collections, ensureIndexes } from '../../lib/db/collections.js';
import { newId } from '../../lib/model/common.js';
import { enqueueDueProbes } from '../../lib/probes/tick.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { closedLoopbackPort } from '../helpers/loopback.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { insertLoopbackCloud, insertLoopbackMachines } from '../helpers/probe-fixtures.js';
import { useSshd } from '../helpers/sshd.js';

describe('probes over SSH', () => {
  const t = useTestDatabase('probes_ssh');
  const sshd = useSshd();
  let clock = new Date('2026-11-25T12:00:00Z');
  const now = () => clock;
  const jobs = testJobs(() => t.db, now);
  const api = testApi(() => t.db, now, jobs.queue);
  let owner: string;
  let orgId: string;
  let cloudId: string;
  let keyId: string;
  let hostId: string;
  let associatedId: string;

  const get = (path: string) => api.request('GET', path, { token: owner });
  const post = (path: string, body?: unknown) =>
    api.request('POST', path, { token: owner, ...(body ? { body } : {}) });

  async function probeNow(machineId: string) {
    const res = await post(`/v1/machines/${machineId}/probe`);
    expect(res.status).toBe(202);
    await jobs.drain();
    const job = (await get(`/v1/jobs/${res.body.job.id}`)).body;
    expect(job.status).toBe('succeeded');
    return job.result.probe;
  }

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    const cloud = await post('/v1/clouds', { provider: 'ssh', name: 'own hosts' });
    expect(cloud.status).toBe(201);
    cloudId = cloud.body.cloud.id;
    keyId = (await post('/v1/keys', { name: 'bootstrap', privateKey: sshd.bootstrapKey.privateKey })).body.id;
    const host = await post(`/v1/clouds/${cloudId}/machines`, {
      address: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      keyId,
      name: 'box',
    });
    expect(host.status).toBe(201);
    hostId = host.body.id;
    await jobs.drain();
  });

  it('probes bring-your-own hosts periodically by default', async () => {
    expect((await get(`/v1/clouds/${cloudId}/probe-settings`)).body).toMatchObject({
      enabled: true,
      port: null,
    });
    expect(await enqueueDueProbes(jobs.deps())).toBe(1);
    await jobs.drain();
    const machine = (await get(`/v1/machines/${hostId}`)).body;
    expect(machine.probe.tcp).toMatchObject({ reachable: true, port: sshd.port });
    expect(machine.probe.ssh).toMatchObject({ ok: true, user: sshd.user });
  });

  it("probes the host's SSH port, then collects its facts in one login, and pins its host key", async () => {
    clock = new Date(clock.getTime() + 60_000);
    const probe = await probeNow(hostId);
    expect(probe.tcp).toMatchObject({ host: '127.0.0.1', port: sshd.port, reachable: true, lossPercent: 0 });
    expect(probe.ssh).toMatchObject({ ok: true, error: null, port: sshd.port, user: sshd.user });
    const f = probe.ssh.facts;
    expect(f.uptimeSeconds).toBeGreaterThan(0);
    expect(f.loadAverage).toHaveLength(3);
    expect(f.cores).toBeGreaterThanOrEqual(1);
    expect(f.memory.totalBytes).toBeGreaterThan(0);
    expect(f.disk.mount).toBe('/');
    expect(f.kernel).toMatch(/^Linux /);
    expect(f.distribution.id).toBeTruthy();

    const machine = (await get(`/v1/machines/${hostId}`)).body;
    expect(machine.sshHostKey.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(machine.unreachableSince).toBeNull();
    const history = (await get(`/v1/machines/${hostId}/probes?limit=2`)).body.items;
    expect(history.map((p: AnyDoc) => p.kind).sort()).toEqual(['ssh', 'tcp']);
    expect((await get(`/v1/machines/${hostId}/probes?kind=ssh`)).body.items[0].result.facts.kernel).toBe(
      f.kernel,
    );
  });

  it('runs the SSH probe on a machine of another cloud only where a key is associated with it', async () => {
    const other = await insertLoopbackCloud(t.db, orgId, { probes: { enabled: false } });
    const [withKey, without] = await insertLoopbackMachines(t.db, other, 2);
    associatedId = withKey!._id;
    await collections(t.db).keyAssociations.insertOne({
      _id: newId('keyAssociation'),
      orgId,
      keyId,
      machineId: withKey!._id,
      user: sshd.user,
      port: sshd.port,
      createdAt: clock,
      lastUsedAt: null,
    });
    const a = await probeNow(withKey!._id);
    expect(a.tcp).toMatchObject({ reachable: true, port: sshd.port });
    expect(a.ssh).toMatchObject({ ok: true, user: sshd.user, port: sshd.port });
    // No association: the TCP probe on the default port (22; nothing listens there in tests), no login.
    const b = await probeNow(without!._id);
    expect(b.tcp.port).toBe(22);
    expect(b.ssh).toBeNull();
  });

  it('records a closed port as unreachable without trying to log in, and recovers when it is open', async () => {
    const port = await closedLoopbackPort();
    const associations = collections(t.db).keyAssociations;
    await associations.updateOne({ machineId: associatedId }, { $set: { port } });
    clock = new Date(clock.getTime() + 60_000);
    const down = clock;
    const probe = await probeNow(associatedId);
    expect(probe.tcp).toMatchObject({
      port,
      reachable: false,
      lossPercent: 100,
      error: 'connection refused',
    });
    expect(probe.ssh).toBeNull();
    expect((await get(`/v1/machines/${associatedId}`)).body.unreachableSince).toBe(down.toISOString());

    await associations.updateOne({ machineId: associatedId }, { $set: { port: sshd.port } });
    clock = new Date(clock.getTime() + 60_000);
    const back = await probeNow(associatedId);
    expect(back.tcp.reachable).toBe(true);
    expect(back.ssh.ok).toBe(true);
    expect((await get(`/v1/machines/${associatedId}`)).body.unreachableSince).toBeNull();
  });

  it('refuses a changed host key: reachable, but the SSH probe fails and says why', async () => {
    await sshd.restart({ newHostKey: true });
    clock = new Date(clock.getTime() + 60_000);
    const probe = await probeNow(hostId);
    expect(probe.tcp.reachable).toBe(true);
    expect(probe.ssh).toMatchObject({ ok: false, facts: null, error: { code: 'ssh_host_key_mismatch' } });
    expect(probe.ssh.error.message).toMatch(/host key .* changed/i);
    expect((await get(`/v1/machines/${hostId}`)).body.unreachableSince).toBeNull();
  });
});
