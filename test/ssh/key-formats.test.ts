/**
 * PKCS#8 private keys ("BEGIN PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY"), as `openssl genpkey` and Node's
 * crypto write them: imported with the fingerprint ssh-keygen shows for the same key, refused clearly when
 * they cannot serve SSH, and logging in to a real OpenSSH server on 127.0.0.1 (through the API, too).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { connectSsh } from '../../lib/ssh/connect.js';
import { SshKeyError } from '../../lib/ssh/errors.js';
import { execOn } from '../../lib/ssh/exec.js';
import { importSshKeyPair } from '../../lib/ssh/keypair.js';
import { pkcs8ToSsh2 } from '../../lib/ssh/pkcs8.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { useSshd } from '../helpers/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'nimbo-pkcs8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PASS = 'correct horse battery';

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** ssh-keygen's fingerprint and public key of a private key file. */
function keygenView(path: string): { fingerprint: string; publicKey: string } {
  return {
    fingerprint: execFileSync('ssh-keygen', ['-l', '-f', path]).toString().split(' ')[1]!,
    publicKey: execFileSync('ssh-keygen', ['-y', '-f', path]).toString().trim(),
  };
}

/** `openssl genpkey` with these options, as PEM PKCS#8 text. */
function genpkey(name: string, args: string[]): string {
  const path = join(dir, name);
  execFileSync('openssl', ['genpkey', ...args, '-out', path], { stdio: 'ignore' });
  return readFileSync(path, 'utf8');
}

/** The same key, encrypted as `openssl pkcs8 -topk8` does (PBES2, AES-256-CBC). */
function encrypt(name: string, pkcs8: string): string {
  const out = join(dir, `${name}.enc`);
  execFileSync('openssl', [
    'pkcs8',
    '-topk8',
    '-v2',
    'aes-256-cbc',
    '-in',
    file(name, pkcs8),
    '-passout',
    `pass:${PASS}`,
    '-out',
    out,
  ]);
  return readFileSync(out, 'utf8');
}

/** An ed25519 key made by ssh-keygen, and the very same key as PKCS#8 (ssh-keygen 9.2 cannot read that). */
function ed25519FromSshKeygen(name: string): { path: string; pkcs8: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', path]);
  const parsed = ssh2.utils.parseKey(readFileSync(path, 'utf8'));
  if (parsed instanceof Error) throw parsed;
  const pem = (Array.isArray(parsed) ? parsed[0] : parsed).getPrivatePEM();
  return { path, pkcs8: pem };
}

describe('PKCS#8 private keys', () => {
  const cases = [
    ['RSA', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], 'ssh-rsa'],
    ['ECDSA P-256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'ecdsa-sha2-nistp256'],
    ['ECDSA P-384', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'ecdsa-sha2-nistp384'],
    ['ECDSA P-521', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], 'ecdsa-sha2-nistp521'],
  ] as const;

  it.each(cases)(
    'imports %s from openssl genpkey with the fingerprint ssh-keygen shows',
    (label, args, algo) => {
      const pkcs8 = genpkey(label.replace(/\W/g, ''), [...args]);
      expect(pkcs8).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const seen = keygenView(file(`${label}.pem`.replace(/\s/g, ''), pkcs8));
      const pair = importSshKeyPair({ privateKey: pkcs8 });
      expect(pair).toMatchObject({ algorithm: algo, fingerprint: seen.fingerprint, encrypted: false });
      expect(pair.publicKey).toBe(seen.publicKey);
      // Stored as given, not as converted.
      expect(pair.privateKey.trim()).toBe(pkcs8.trim());

      const encrypted = encrypt(label.replace(/\W/g, ''), pkcs8);
      expect(encrypted).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
      const opened = importSshKeyPair({ privateKey: encrypted, passphrase: PASS });
      expect(opened).toMatchObject({ fingerprint: seen.fingerprint, encrypted: true });
      expect(opened.privateKey.trim()).toBe(encrypted.trim());
    },
  );

  it('imports ed25519 PKCS#8 with the fingerprint ssh-keygen shows for the same key', () => {
    const { path, pkcs8 } = ed25519FromSshKeygen('ed');
    expect(pkcs8).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const seen = keygenView(path);
    const pair = importSshKeyPair({ privateKey: pkcs8 });
    expect(pair).toMatchObject({ algorithm: 'ssh-ed25519', fingerprint: seen.fingerprint });
    expect(pair.publicKey).toBe(seen.publicKey);
    const encrypted = importSshKeyPair({ privateKey: encrypt('ed', pkcs8), passphrase: PASS });
    expect(encrypted).toMatchObject({ fingerprint: seen.fingerprint, encrypted: true });
  });

  it("imports Node's own PKCS#8 (plain and encrypted): the key converted for ssh2 is one ssh-keygen reads", () => {
    for (const type of ['ed25519', 'rsa', 'ec'] as const) {
      const options = { rsa: { modulusLength: 2048 }, ec: { namedCurve: 'P-256' }, ed25519: {} }[type];
      const { privateKey } = generateKeyPairSync(type as 'ed25519', {
        ...options,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const pair = importSshKeyPair({ privateKey, passphrase: PASS });
      // An independent parser (OpenSSH's) reads what ssh2 is given, and finds the same key.
      const seen = keygenView(file(`node-${type}`, pkcs8ToSsh2(privateKey, PASS)));
      expect(pair.fingerprint, type).toBe(seen.fingerprint);
      expect(pair.publicKey, type).toBe(seen.publicKey);
      expect(pair.encrypted).toBe(true);
    }
  });

  it('refuses an encrypted key without its passphrase or with a wrong one, and keys SSH cannot use', () => {
    const encrypted = encrypt('refuse', genpkey('refuse', ['-algorithm', 'ED25519']));
    expect(() => importSshKeyPair({ privateKey: encrypted })).toThrow(/protected by a passphrase/);
    expect(() => importSshKeyPair({ privateKey: encrypted, passphrase: 'wrong' })).toThrow(
      /passphrase does not open the private key/,
    );
    expect(() => importSshKeyPair({ privateKey: genpkey('ed448', ['-algorithm', 'ED448']) })).toThrow(
      /PKCS#8 ed448 keys are not supported: import an ed25519, RSA or ECDSA/,
    );
    const pss = genpkey('pss', ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048']);
    expect(() => importSshKeyPair({ privateKey: pss })).toThrow(/PKCS#8 rsa-pss keys are not supported/);
    const k1 = genpkey('k1', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1']);
    expect(() => importSshKeyPair({ privateKey: k1 })).toThrow(/curve secp256k1 cannot be used with SSH/);
    const garbage = `-----BEGIN PRIVATE KEY-----\n${'QUFB'.repeat(20)}\n-----END PRIVATE KEY-----\n`;
    expect(() => importSshKeyPair({ privateKey: garbage })).toThrow(SshKeyError);
    expect(() => importSshKeyPair({ privateKey: garbage })).toThrow(/PKCS#8 private key does not parse/);
  });
});

describe('PKCS#8 keys logging in to OpenSSH', () => {
  const t = useTestDatabase('pkcs8');
  const sshd = useSshd();
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let machineId: string;
  const post = (path: string, body?: unknown) =>
    api.request('POST', path, { token: owner, ...(body ? { body } : {}) });

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
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

  it('logs in with RSA, ECDSA and ed25519 PKCS#8 keys, encrypted or not', async () => {
    const keys = [
      genpkey('login-rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']),
      genpkey('login-ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']),
      genpkey('login-ed', ['-algorithm', 'ED25519']),
    ];
    const pairs = keys.map((privateKey) => importSshKeyPair({ privateKey }));
    sshd.writeAuthorizedKeys(pairs.map((p) => `${p.publicKey}\n`).join(''));
    const logins = keys.flatMap((k, i) => [
      { privateKey: k },
      { privateKey: encrypt(`login-${i}`, k), passphrase: PASS },
    ]);
    for (const login of logins) {
      const connection = await connectSsh({ ...sshd.target(login.privateKey), ...login });
      try {
        expect(
          (await execOn(connection, 'echo ok', { timeoutMs: 5_000, maxOutputBytes: 1024 })).stdout.trim(),
        ).toBe('ok');
      } finally {
        connection.close();
      }
    }
  });

  it('imports an encrypted PKCS#8 key through the API and deploys it: the job logs in with it', async () => {
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n`);
    const encrypted = encrypt('api', genpkey('api', ['-algorithm', 'ED25519']));
    const before = await t.db.collection<AnyDoc>('keys').countDocuments();
    const refused = await post('/v1/keys', { name: 'pkcs8', privateKey: encrypted, passphrase: 'wrong' });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toBe('The passphrase does not open the private key');
    expect(await t.db.collection<AnyDoc>('keys').countDocuments()).toBe(before);

    const created = await post('/v1/keys', { name: 'pkcs8', privateKey: encrypted, passphrase: PASS });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ algorithm: 'ssh-ed25519', encrypted: true });
    expect(JSON.stringify(created.body)).not.toMatch(/PRIVATE KEY|correct horse/);
    const job = await post(`/v1/machines/${machineId}/keys`, {
      keyId: created.body.id,
      user: sshd.user,
      port: sshd.port,
    });
    expect(job.status).toBe(202);
    await jobs.drain();
    const done = (await api.request('GET', `/v1/jobs/${job.body.job.id}`, { token: owner })).body;
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.result).toMatchObject({ added: true, verified: true });
    expect(sshd.readAuthorizedKeys()).toContain(created.body.publicKey);
  });

  it('keeps no passphrase for a plain key imported with one: it is not shown as encrypted', async () => {
    const plain = genpkey('plain', ['-algorithm', 'ED25519']);
    const created = await post('/v1/keys', { name: 'plain-pkcs8', privateKey: plain, passphrase: PASS });
    expect(created.status).toBe(201);
    expect(created.body.encrypted).toBe(false);
    expect((await t.db.collection<AnyDoc>('keys').findOne({ _id: created.body.id }))?.passphrase).toBeNull();
  });
});
