/**
 * Deploying keys safely, against a real OpenSSH server on 127.0.0.1: only clean one-line keys are written,
 * disassociation removes only the line Nimbo added (never an operator's own line for the key), key jobs on
 * one machine run one at a time, and a host key pinned by a concurrent first contact is enforced.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runJobMessage } from '../../lib/app/job-runner.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { MachineDoc } from '../../lib/db/documents.js';
import { acquireLease, releaseLease } from '../../lib/jobs/periodic-tasks.js';
import { keyLeaseKey } from '../../lib/keys/deploy.js';
import { machineLogins, pinHostKey, withMachineSsh } from '../../lib/keys/ssh-access.js';
import { SshHostKeyMismatchError } from '../../lib/ssh/errors.js';
import { generateSshKeyPair } from '../../lib/ssh/keypair.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { recordingQueue, testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { useSshd } from '../helpers/sshd.js';

describe('deploying SSH keys safely', () => {
  const t = useTestDatabase('keydeploy');
  const sshd = useSshd();
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  // For jobs a test runs by hand (runJobMessage), in the order it chooses: recorded, never delivered.
  const held = recordingQueue();
  const heldApi = testApi(() => t.db, undefined, held.queue);
  const heldDeps = () => ({ db: t.db, now: () => new Date(), queue: held.queue });
  let owner: string;
  let orgId: string;
  let machineId: string;

  const get = (path: string, token = owner) => api.request('GET', path, { token });
  const post = (path: string, body?: unknown, token = owner) =>
    api.request('POST', path, { token, ...(body ? { body } : {}) });
  const del = (path: string, token = owner) => api.request('DELETE', path, { token });

  /** Queues a job without running it; answers its message. */
  async function queueHeld(method: 'POST' | 'DELETE', path: string, body?: unknown) {
    const reply = await heldApi.request(method, path, { token: owner, ...(body ? { body } : {}) });
    expect(reply.status).toBe(202);
    return { version: 1 as const, jobId: reply.body.job.id as string, orgId };
  }

  /** Runs the queued jobs and returns the job as it ended. */
  async function finished(reply: { status: number; body: any }) {
    expect(reply.status).toBe(202);
    await jobs.drain();
    return (await get(`/v1/jobs/${reply.body.job.id}`)).body;
  }

  /** A key comment hiding a second authorized_keys line, for the attacker's key. */
  function injectedLine() {
    const attacker = generateSshKeyPair('ed25519').publicKey.split(' ').slice(0, 2).join(' ');
    return `command="/bin/sh" ${attacker}`;
  }

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    const cloud = await post('/v1/clouds', { provider: 'ssh', name: 'own hosts' });
    const key = await post('/v1/keys', { name: 'bootstrap', privateKey: sshd.bootstrapKey.privateKey });
    const host = await post(`/v1/clouds/${cloud.body.cloud.id}/machines`, {
      address: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      keyId: key.body.id,
      name: 'box',
    });
    expect(host.status).toBe(201);
    machineId = host.body.id;
    await jobs.drain();
  });

  it('refuses to deploy a stored public key that is not one clean line, and writes nothing', async () => {
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n`);
    const id = (await post('/v1/keys', { name: 'tampered' })).body.id;
    const body = { keyId: id, user: sshd.user, port: sshd.port };
    const msg = await queueHeld('POST', `/v1/machines/${machineId}/keys`, body);
    const keys = t.db.collection<AnyDoc>('keys');
    const clean = (await keys.findOne({ _id: id }))!.publicKey;
    // As stored before comments were checked on import.
    await keys.updateOne({ _id: id }, { $set: { publicKey: `${clean}\n${injectedLine()}` } });
    await runJobMessage(heldDeps(), msg);
    const job = (await get(`/v1/jobs/${msg.jobId}`)).body;
    expect(job.status).toBe('failed');
    expect(job.error.message).toMatch(/line break or another control character: refusing to deploy it/);
    const res = await post(`/v1/machines/${machineId}/keys`, body);
    expect(res.status).toBe(422);
    expect(sshd.readAuthorizedKeys()).toBe(`${sshd.bootstrapKey.publicKey}\n`);
    await keys.deleteOne({ _id: id });
  });

  it('disassociating a key stored before comments were checked removes every line Nimbo wrote for it', async () => {
    const id = (await post('/v1/keys', { name: 'legacy-injected' })).body.id;
    const keys = t.db.collection<AnyDoc>('keys');
    const stored = `${(await keys.findOne({ _id: id }))!.publicKey}\n${injectedLine()}`;
    await keys.updateOne({ _id: id }, { $set: { publicKey: stored } });
    // What the old deploy wrote, and the association it recorded (no `added` then).
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n${stored}\n`);
    await t.db.collection<AnyDoc>('key_associations').insertOne({
      _id: `keyAssociation_legacy${Date.now()}`,
      orgId,
      keyId: id,
      machineId,
      user: sshd.user,
      port: sshd.port,
      createdAt: new Date(),
      lastUsedAt: null,
    });
    const job = await finished(await del(`/v1/machines/${machineId}/keys/${id}`));
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ linesRemoved: 2, addedByNimbo: true });
    expect(sshd.readAuthorizedKeys()).toBe(`${sshd.bootstrapKey.publicKey}\n`);
    expect((await del(`/v1/keys/${id}`)).status).toBe(204);
  });

  it("never removes a line Nimbo did not add: the operator's own line for the key stays, and the job says so", async () => {
    const id = (await post('/v1/keys', { name: 'operators-own' })).body.id;
    const pub = (await get(`/v1/keys/${id}`)).body.publicKey;
    const own = `from="127.0.0.1" ${pub}`;
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n${own}\n`);
    const body = { keyId: id, user: sshd.user, port: sshd.port };
    const associated = await finished(await post(`/v1/machines/${machineId}/keys`, body));
    expect(associated.result).toMatchObject({ added: false, verified: true });
    const assoc = await t.db.collection<AnyDoc>('key_associations').findOne({ keyId: id });
    expect(assoc?.added).toBe(false);
    const job = await finished(await del(`/v1/machines/${machineId}/keys/${id}`));
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ linesRemoved: 0, addedByNimbo: false });
    expect(job.result.note).toMatch(/already in authorized_keys when it was associated/);
    expect(sshd.readAuthorizedKeys()).toBe(`${sshd.bootstrapKey.publicKey}\n${own}\n`);
    expect((await get(`/v1/machines/${machineId}/keys`)).body.items).toEqual([]);
  });

  it('removes only the exact line Nimbo added: a line with options added later for the same key stays', async () => {
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n`);
    const id = (await post('/v1/keys', { name: 'nimbos-line' })).body.id;
    const pub = (await get(`/v1/keys/${id}`)).body.publicKey;
    const body = { keyId: id, user: sshd.user, port: sshd.port };
    expect((await finished(await post(`/v1/machines/${machineId}/keys`, body))).result).toMatchObject({
      added: true,
    });
    const own = `from="127.0.0.1" ${pub}`;
    sshd.writeAuthorizedKeys(`${sshd.readAuthorizedKeys()}${own}\n`);
    const job = await finished(await del(`/v1/machines/${machineId}/keys/${id}`));
    expect(job.result).toMatchObject({ linesRemoved: 1, addedByNimbo: true });
    expect(sshd.readAuthorizedKeys()).toBe(`${sshd.bootstrapKey.publicKey}\n${own}\n`);
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n`);
  });

  it('defers a key job while another holds the machine (retried shortly, not failed), then runs it', async () => {
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n`);
    const deps = heldDeps();
    const lease = await acquireLease(deps, keyLeaseKey(machineId), 60_000);
    expect(lease).not.toBeNull();
    const id = (await post('/v1/keys', { name: 'waits' })).body.id;
    const msg = await queueHeld('POST', `/v1/machines/${machineId}/keys`, {
      keyId: id,
      user: sshd.user,
      port: sshd.port,
    });
    const sentBefore = held.sent.length;
    expect(await runJobMessage(deps, msg)).toBe('done');
    const waiting = (await get(`/v1/jobs/${msg.jobId}`)).body;
    expect(waiting).toMatchObject({ status: 'queued', error: { code: 'change_pending' } });
    expect(waiting.error.message).toMatch(/Another key job is changing/);
    // Asked again with a delayed message.
    expect(held.sent.slice(sentBefore).map((m) => JSON.parse(m.body))).toEqual([msg]);
    expect(held.sent.at(-1)?.delaySeconds).toBeGreaterThan(0);
    expect(sshd.readAuthorizedKeys()).toBe(`${sshd.bootstrapKey.publicKey}\n`);
    await releaseLease(deps, lease!, {});
    expect(await runJobMessage(deps, msg)).toBe('done');
    expect((await get(`/v1/jobs/${msg.jobId}`)).body).toMatchObject({ status: 'succeeded' });
    const pub = (await get(`/v1/keys/${id}`)).body.publicKey;
    expect(sshd.readAuthorizedKeys()).toBe(`${sshd.bootstrapKey.publicKey}\n${pub}\n`);
    await finished(await del(`/v1/machines/${machineId}/keys/${id}`));
  });

  it('runs concurrent key jobs on one machine one at a time: no line is lost', async () => {
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n`);
    const login = { user: sshd.user, port: sshd.port };
    const ids: string[] = [];
    for (const name of ['together-0', 'together-1', 'together-2']) {
      ids.push((await post('/v1/keys', { name })).body.id);
    }
    const [leaving, a, b] = ids as [string, string, string];
    await finished(await post(`/v1/machines/${machineId}/keys`, { keyId: leaving, ...login }));
    // A removal (it rewrites the file) alongside two appends.
    const messages = [
      await queueHeld('DELETE', `/v1/machines/${machineId}/keys/${leaving}`),
      await queueHeld('POST', `/v1/machines/${machineId}/keys`, { keyId: a, ...login }),
      await queueHeld('POST', `/v1/machines/${machineId}/keys`, { keyId: b, ...login }),
    ];
    await Promise.all(messages.map((m) => runJobMessage(heldDeps(), m)));
    // Those that found the machine busy run again (as their delayed message would).
    for (let round = 0; round < 3; round++) {
      for (const m of messages) {
        if ((await get(`/v1/jobs/${m.jobId}`)).body.status === 'queued') await runJobMessage(heldDeps(), m);
      }
    }
    for (const m of messages) expect((await get(`/v1/jobs/${m.jobId}`)).body.status).toBe('succeeded');
    const lines = await Promise.all([a, b].map(async (id) => (await get(`/v1/keys/${id}`)).body.publicKey));
    const text = sshd.readAuthorizedKeys();
    expect(text.trim().split('\n').sort()).toEqual([sshd.bootstrapKey.publicKey, ...lines].sort());
    for (const id of [a, b]) await finished(await del(`/v1/machines/${machineId}/keys/${id}`));
    expect(sshd.readAuthorizedKeys()).toBe(`${sshd.bootstrapKey.publicKey}\n`);
  });

  it('refuses a host key that another first contact pinned meanwhile, before running anything', async () => {
    const machines = t.db.collection<MachineDoc>('machines');
    const stored = (await machines.findOne({ _id: machineId }))!;
    const deps = { db: t.db, now: () => new Date() };
    // This worker read the machine before any pin; another then pinned a different key.
    const stale: MachineDoc = { ...stored, sshHostKey: null };
    const other = { fingerprint: 'SHA256:pinned-by-another-first-contact', pinnedAt: new Date() };
    await machines.updateOne({ _id: machineId }, { $set: { sshHostKey: other } });
    let ran = false;
    const work = async () => {
      ran = true;
    };
    await expect(withMachineSsh(deps, stale, await machineLogins(deps, stale), work)).rejects.toThrow(
      SshHostKeyMismatchError,
    );
    expect(ran).toBe(false);
    expect((await machines.findOne({ _id: machineId }))?.sshHostKey?.fingerprint).toBe(other.fingerprint);
    // The same key pinned by the other contact is fine: the stored pin is taken over.
    await machines.updateOne({ _id: machineId }, { $set: { sshHostKey: stored.sshHostKey } });
    const again: MachineDoc = { ...stored, sshHostKey: null };
    await pinHostKey(deps, again, sshd.hostKeyFingerprint);
    expect(again.sshHostKey?.fingerprint).toBe(sshd.hostKeyFingerprint);
    await expect(pinHostKey(deps, { ...stored, sshHostKey: null }, 'SHA256:another')).rejects.toThrow(
      /host key of .* changed: expected SHA256:/,
    );
  });
});
