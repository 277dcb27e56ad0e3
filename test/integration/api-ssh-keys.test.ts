/**
 * SSH keys end to end, against a real OpenSSH server on 127.0.0.1: import and generate, deploy a key with
 * the bootstrap key and verify it, undeploy it leaving other lines alone, host key pinning, and the
 * failure cases (a key the server will not accept, a refused key, a closed port, a changed host key).
 */
import ssh2 from 'ssh2';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { generateSshKeyPair } from '../../lib/ssh/keypair.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { useSshd } from '../helpers/sshd.js';

describe('SSH keys', () => {
  const t = useTestDatabase('sshkeys');
  // The server takes ed25519 keys only: an RSA key can be written to authorized_keys but never logs in.
  const sshd = useSshd({ extraConfig: ['PubkeyAcceptedAlgorithms ssh-ed25519'] });
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let operator: string;
  let cloudId: string;
  let bootstrapId: string;
  let machineId: string;

  const get = (path: string, token = owner) => api.request('GET', path, { token });
  const post = (path: string, body?: unknown, token = owner) =>
    api.request('POST', path, { token, ...(body ? { body } : {}) });
  const del = (path: string, token = owner) => api.request('DELETE', path, { token });

  /** Runs the queued jobs and returns the job as it ended. */
  async function finished(reply: { status: number; body: any }) {
    expect(reply.status).toBe(202);
    await jobs.drain();
    return (await get(`/v1/jobs/${reply.body.job.id}`)).body;
  }

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    operator = (await post('/v1/tokens', { name: 'op', role: 'operator' })).body.token;
    const cloud = await post('/v1/clouds', { provider: 'ssh', name: 'own hosts' });
    expect(cloud.status).toBe(201);
    cloudId = cloud.body.cloud.id;
    const key = await post('/v1/keys', { name: 'bootstrap', privateKey: sshd.bootstrapKey.privateKey });
    expect(key.status).toBe(201);
    bootstrapId = key.body.id;
    const host = await post(`/v1/clouds/${cloudId}/machines`, {
      address: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      keyId: bootstrapId,
      name: 'box',
    });
    expect(host.status).toBe(201);
    machineId = host.body.id;
    await jobs.drain();
  });

  it('imports a key: public key and fingerprint shown, the first key is the default, no private part in views', async () => {
    const key = (await get(`/v1/keys/${bootstrapId}`)).body;
    expect(key).toMatchObject({
      name: 'bootstrap',
      algorithm: 'ssh-ed25519',
      fingerprint: sshd.bootstrapKey.fingerprint,
      isDefault: true,
      encrypted: false,
    });
    const list = await get('/v1/keys');
    expect(JSON.stringify(list.body)).not.toMatch(/PRIVATE KEY/);
    const stored = await t.db.collection<AnyDoc>('keys').findOne({ _id: bootstrapId });
    expect(JSON.stringify(stored)).not.toMatch(/PRIVATE KEY/);
  });

  it('generates ed25519 by default and RSA on request; names are unique per org; one default', async () => {
    const ed = await post('/v1/keys', { name: 'gen-ed' });
    expect(ed.body).toMatchObject({ algorithm: 'ssh-ed25519', isDefault: false });
    const rsa = await post('/v1/keys', { name: 'gen-rsa', type: 'rsa', bits: 4096, default: true });
    expect(rsa.body).toMatchObject({ algorithm: 'ssh-rsa', isDefault: true });
    expect((await get(`/v1/keys/${bootstrapId}`)).body.isDefault).toBe(false);
    expect((await post('/v1/keys', { name: 'gen-ed' })).status).toBe(409);
    await api.request('PATCH', `/v1/keys/${bootstrapId}`, { token: owner, body: { default: true } });
    const defaults = (await get('/v1/keys')).body.items.filter((k: { isDefault: boolean }) => k.isDefault);
    expect(defaults.map((k: { id: string }) => k.id)).toEqual([bootstrapId]);
  });

  it('keeps exactly one default key per org when keys are created and made default concurrently', async () => {
    const { token, orgId: other } = await createTestOrg(t.db);
    const keys = t.db.collection<AnyDoc>('keys');
    const created = await Promise.all(
      ['c1', 'c2', 'c3', 'c4'].map((name) => api.request('POST', '/v1/keys', { token, body: { name } })),
    );
    expect(created.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(created.filter((r) => r.body.isDefault)).toHaveLength(1);
    expect(await keys.countDocuments({ orgId: other, isDefault: true })).toBe(1);
    const patched = await Promise.all(
      created.map((r) => api.request('PATCH', `/v1/keys/${r.body.id}`, { token, body: { default: true } })),
    );
    // A switch that lost to others twice says so (409); at least one wins, and only one key is default.
    expect(patched.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(patched.some((r) => r.status === 200)).toBe(true);
    expect(await keys.countDocuments({ orgId: other, isDefault: true })).toBe(1);
    // The database itself refuses a second default in an org.
    const second = await keys.findOne({ orgId: other, isDefault: false });
    await expect(keys.updateOne({ _id: second!._id }, { $set: { isDefault: true } })).rejects.toMatchObject({
      code: 11000,
    });
  });

  it('refuses invalid imports with 422 and writes nothing', async () => {
    const other = generateSshKeyPair('ed25519');
    const before = await t.db.collection('keys').countDocuments({});
    const mismatch = await post('/v1/keys', {
      name: 'bad',
      privateKey: sshd.bootstrapKey.privateKey,
      publicKey: other.publicKey,
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.detail).toMatch(/does not match/);
    expect((await post('/v1/keys', { name: 'bad', privateKey: 'x'.repeat(64) })).status).toBe(422);
    expect((await post('/v1/keys', { name: 'bad', type: 'rsa', bits: 1024 })).status).toBe(400);
    expect(await t.db.collection('keys').countDocuments({})).toBe(before);
  });

  it('shows the private key to admins and owners only, and audits each read', async () => {
    expect((await get(`/v1/keys/${bootstrapId}/private`, operator)).status).toBe(403);
    const res = await get(`/v1/keys/${bootstrapId}/private`);
    expect(res.status).toBe(200);
    expect(res.body.privateKey.trim()).toBe(sshd.bootstrapKey.privateKey.trim());
    const audit = await get(`/v1/audit?resourceId=${bootstrapId}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('key.read_private');
  });

  let deployId: string;

  it('deploys a key with the bootstrap key, verifies it, and pins the host key on first contact', async () => {
    sshd.writeAuthorizedKeys(`# keep this comment\n${sshd.bootstrapKey.publicKey}`); // no final newline
    deployId = (await post('/v1/keys', { name: 'deploy' })).body.id;
    const job = await finished(
      await post(
        `/v1/machines/${machineId}/keys`,
        { keyId: deployId, user: sshd.user, port: sshd.port },
        operator,
      ),
    );
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ added: true, verified: true });
    const deployKey = (await get(`/v1/keys/${deployId}`)).body;
    expect(sshd.readAuthorizedKeys()).toBe(
      `# keep this comment\n${sshd.bootstrapKey.publicKey}\n${deployKey.publicKey}\n`,
    );
    const machine = (await get(`/v1/machines/${machineId}`)).body;
    expect(machine.sshHostKey.fingerprint).toBe(sshd.hostKeyFingerprint);
    const assoc = (await get(`/v1/machines/${machineId}/keys`)).body.items;
    expect(assoc).toEqual([expect.objectContaining({ keyId: deployId, user: sshd.user, port: sshd.port })]);
  });

  it('does not append a key twice', async () => {
    const job = await finished(
      await post(`/v1/machines/${machineId}/keys`, { keyId: deployId, user: sshd.user, port: sshd.port }),
    );
    expect(job.result).toMatchObject({ added: false });
    const pub = (await get(`/v1/keys/${deployId}`)).body.publicKey;
    expect(sshd.readAuthorizedKeys().split(pub).length - 1).toBe(1);
    // The line is still the one Nimbo added: disassociating takes it out.
    const assoc = await t.db.collection<AnyDoc>('key_associations').findOne({ keyId: deployId });
    expect(assoc?.added).toBe(true);
  });

  it('keeps no association when the new key cannot log in, and takes its line out again', async () => {
    const rsaId = (await post('/v1/keys', { name: 'rsa-refused', type: 'rsa' })).body.id;
    const before = sshd.readAuthorizedKeys();
    const job = await finished(
      await post(`/v1/machines/${machineId}/keys`, { keyId: rsaId, user: sshd.user, port: sshd.port }),
    );
    expect(job.status).toBe('failed');
    expect(job.error.message).toMatch(/login with it failed, so it was not associated.*refused the key/);
    expect(sshd.readAuthorizedKeys()).toBe(before);
    const assoc = (await get(`/v1/machines/${machineId}/keys`)).body.items;
    expect(assoc.map((a: { keyId: string }) => a.keyId)).not.toContain(rsaId);
  });

  it('undeploys exactly that line and drops the association', async () => {
    const job = await finished(await del(`/v1/machines/${machineId}/keys/${deployId}`, operator));
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ linesRemoved: 1 });
    expect(sshd.readAuthorizedKeys()).toBe(`# keep this comment\n${sshd.bootstrapKey.publicKey}\n`);
    expect((await get(`/v1/machines/${machineId}/keys`)).body.items).toEqual([]);
    expect((await del(`/v1/machines/${machineId}/keys/${deployId}`)).status).toBe(404);
    // No longer associated anywhere: the key can go.
    expect((await del(`/v1/keys/${deployId}`)).status).toBe(204);
  });

  it('refuses to delete a key that is still deployed', async () => {
    const id = (await post('/v1/keys', { name: 'busy' })).body.id;
    await finished(
      await post(`/v1/machines/${machineId}/keys`, { keyId: id, user: sshd.user, port: sshd.port }),
    );
    const res = await del(`/v1/keys/${id}`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/disassociate it first/);
    expect((await del(`/v1/keys/${bootstrapId}`)).status).toBe(409); // the registered host's login key
    await finished(await del(`/v1/machines/${machineId}/keys/${id}`));
  });

  /** An ed25519 key whose comment hides a second authorized_keys line for the attacker's key. */
  function injectedKey() {
    const attacker = generateSshKeyPair('ed25519').publicKey.split(' ').slice(0, 2).join(' ');
    const comment = `x\ncommand="/bin/sh" ${attacker}`;
    // ssh2's generator writes a malformed key about once in 160 (see generateSshKeyPair): take one that parses.
    for (;;) {
      const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
      if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return { attacker, pair };
    }
  }

  it('refuses to import a key whose comment would add a second authorized_keys line (422, nothing written)', async () => {
    const { pair, attacker } = injectedKey();
    const before = await t.db.collection('keys').countDocuments({});
    const res = await post('/v1/keys', { name: 'injected', privateKey: pair.private });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/comment contains a line break/);
    const withPublic = await post('/v1/keys', {
      name: 'injected',
      privateKey: sshd.bootstrapKey.privateKey,
      publicKey: `${sshd.bootstrapKey.publicKey}\ncommand="/bin/sh" ${attacker}`,
    });
    expect(withPublic.status).toBe(422);
    expect(withPublic.body.detail).toMatch(/one line/);
    expect(await t.db.collection('keys').countDocuments({})).toBe(before);
  });

  it('fails a deployment with a clear error when no known key logs in, nor the key itself', async () => {
    const strangerId = (
      await post('/v1/keys', { name: 'stranger', privateKey: generateSshKeyPair('ed25519').privateKey })
    ).body.id;
    const newcomerId = (await post('/v1/keys', { name: 'newcomer' })).body.id;
    const other = await post(`/v1/clouds/${cloudId}/machines`, {
      address: 'localhost',
      port: sshd.port,
      user: sshd.user,
      keyId: strangerId,
    });
    const before = sshd.readAuthorizedKeys();
    const job = await finished(
      await post(`/v1/machines/${other.body.id}/keys`, {
        keyId: newcomerId,
        user: sshd.user,
        port: sshd.port,
      }),
    );
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('ssh_auth_failed');
    expect(job.error.message).toMatch(/refused key stranger as \S+ on port \d+, key newcomer as/);
    expect((await get(`/v1/machines/${other.body.id}/keys`)).body.items).toEqual([]);
    expect(sshd.readAuthorizedKeys()).toBe(before);
  });

  it('fails with "unreachable" for a closed port', async () => {
    const closed = await post(`/v1/clouds/${cloudId}/machines`, {
      address: '127.0.0.1',
      port: 1,
      user: sshd.user,
    });
    const id = (await post('/v1/keys', { name: 'for-closed-port' })).body.id;
    const job = await finished(
      await post(`/v1/machines/${closed.body.id}/keys`, { keyId: id, user: sshd.user, port: 1 }),
    );
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'ssh_unreachable' });
    expect(job.error.message).toMatch(/ECONNREFUSED/);
  });

  it('refuses a changed host key until an admin resets the pin', async () => {
    const pinned = sshd.hostKeyFingerprint;
    await sshd.restart({ newHostKey: true });
    const id = (await post('/v1/keys', { name: 'after-reinstall' })).body.id;
    const body = { keyId: id, user: sshd.user, port: sshd.port };
    const job = await finished(await post(`/v1/machines/${machineId}/keys`, body));
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('ssh_host_key_mismatch');
    expect(job.error.message).toContain(pinned);
    expect((await del(`/v1/machines/${machineId}/host-key`, operator)).status).toBe(403);
    expect((await del(`/v1/machines/${machineId}/host-key`)).status).toBe(204);
    expect((await finished(await post(`/v1/machines/${machineId}/keys`, body))).status).toBe('succeeded');
    expect((await get(`/v1/machines/${machineId}`)).body.sshHostKey.fingerprint).toBe(
      sshd.hostKeyFingerprint,
    );
  });

  it("answers 404 for another org's key and machine", async () => {
    const { token: stranger } = await createTestOrg(t.db);
    expect((await get(`/v1/keys/${bootstrapId}`, stranger)).status).toBe(404);
    expect((await get(`/v1/keys/${bootstrapId}/private`, stranger)).status).toBe(404);
    const res = await post(`/v1/machines/${machineId}/keys`, { keyId: bootstrapId }, stranger);
    expect(res.status).toBe(404);
  });
});
