/** lib/ssh against a real OpenSSH server on 127.0.0.1 (test/helpers/sshd.ts). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectSsh } from '../../lib/ssh/connect.js';
import { SshAuthError, SshHostKeyMismatchError, SshUnreachableError } from '../../lib/ssh/errors.js';
import { execOn, sshExec, truncationMarker, withSsh } from '../../lib/ssh/exec.js';
import { generateSshKeyPair } from '../../lib/ssh/keypair.js';
import { commandLine, shellQuote } from '../../lib/ssh/quote.js';
import { remoteProcessCheck, useSshd } from '../helpers/sshd.js';

const opts = { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 };

describe('sshExec against a real sshd', () => {
  const sshd = useSshd();

  it('runs a command and returns its exit code, stdout, stderr and the host key fingerprint', async () => {
    const r = await sshExec(sshd.target(), 'echo out; echo err >&2; exit 3', opts);
    expect(r).toMatchObject({
      exitCode: 3,
      signal: null,
      stdout: 'out\n',
      stderr: 'err\n',
      truncated: false,
    });
    expect(r.timedOut).toBe(false);
    expect(r.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
    expect(r.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('accepts any host key without a pin (trust on first use) and reports the one it saw', async () => {
    const r = await sshExec({ ...sshd.target(), hostKeyPin: null }, 'true', opts);
    expect(r.exitCode).toBe(0);
    expect(r.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
  });

  it('passes parameters and environment as data, never as shell syntax', async () => {
    const evil = ["'; touch /tmp/pwned-nimbo; echo '", '$(id)', '`id`', 'a b\nc', '"q"'];
    const program = `sh -c ${shellQuote('printf "[%s]" "$@"; printf "{%s}" "$X"')} nimbo`;
    const r = await sshExec(sshd.target(), commandLine(program, evil, { X: '$(id) ; rm -rf /' }), opts);
    expect(r.stdout).toBe(`${evil.map((e) => `[${e}]`).join('')}{$(id) ; rm -rf /}`);
  });

  it('caps each stream and marks the truncation', async () => {
    const r = await sshExec(sshd.target(), 'head -c 5000 /dev/zero | tr "\\0" a; head -c 10 /dev/zero >&2', {
      ...opts,
      maxOutputBytes: 1000,
    });
    expect(r.truncated).toBe(true);
    expect(r.stdout).toBe(`${'a'.repeat(1000)}${truncationMarker(4000)}`);
    expect(r.stderr).toHaveLength(10);
    expect(r.exitCode).toBe(0);
  });

  it('kills the remote process on timeout', async () => {
    const marker = `sleep 3${Date.now() % 1000}.5`;
    const started = Date.now();
    const running = sshExec(sshd.target(), `echo started; sh -c '${marker}; echo never'`, {
      ...opts,
      // Long enough for the check below to log in and look while it runs, on a loaded machine too.
      timeoutMs: 4_000,
    });
    // While it runs, the check sees it (so that "gone" below means something).
    const during = await sshExec(sshd.target(), `sleep 0.3; ${remoteProcessCheck(marker)}`, opts);
    expect(during.stdout).toBe('found\nchecked\n');
    const r = await running;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r).toMatchObject({ timedOut: true, exitCode: null, stdout: 'started\n' });
    // The remote sleep is gone, not just our channel.
    const after = await sshExec(sshd.target(), `sleep 0.3; ${remoteProcessCheck(marker)}`, opts);
    expect(after.stdout).toBe('checked\n');
  });

  it('runs several commands on one connection', async () => {
    const out = await withSsh(sshd.target(), {}, async (c) => {
      const a = await execOn(c, 'echo one', opts);
      const b = await execOn(c, 'echo two', opts);
      return a.stdout + b.stdout;
    });
    expect(out).toBe('one\ntwo\n');
  });

  it('logs in with a passphrase-protected key given its passphrase', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbo-enc-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-f', join(dir, 'k')]);
      const privateKey = readFileSync(join(dir, 'k'), 'utf8');
      sshd.writeAuthorizedKeys(`${sshd.readAuthorizedKeys()}${readFileSync(join(dir, 'k.pub'), 'utf8')}`);
      const r = await sshExec({ ...sshd.target(privateKey), passphrase: 'secret words' }, 'echo in', opts);
      expect(r.stdout).toBe('in\n');
      await expect(sshExec(sshd.target(privateKey), 'true', opts)).rejects.toThrow(/passphrase/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key the server does not know, with an auth error', async () => {
    const stranger = generateSshKeyPair('ed25519');
    await expect(sshExec(sshd.target(stranger.privateKey), 'true', opts)).rejects.toBeInstanceOf(
      SshAuthError,
    );
    await expect(sshExec(sshd.target(stranger.privateKey), 'true', opts)).rejects.toThrow(/refused the key/);
  });

  it('answers unreachable for a closed port', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const err = await sshExec({ ...sshd.target(), port }, 'true', opts).catch((e) => e);
    expect(err).toBeInstanceOf(SshUnreachableError);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('times out the connect when the server never speaks SSH', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const err = await connectSsh({ ...sshd.target(), port }, { connectTimeoutMs: 300 }).catch((e) => e);
      expect(err).toBeInstanceOf(SshUnreachableError);
    } finally {
      silent.close();
    }
  });

  it('refuses a changed host key with a clear error', async () => {
    const pinned = sshd.hostKeyFingerprint;
    await sshd.restart({ newHostKey: true });
    expect(sshd.hostKeyFingerprint).not.toBe(pinned);
    const err = await sshExec({ ...sshd.target(), hostKeyPin: pinned }, 'true', opts).catch((e) => e);
    expect(err).toBeInstanceOf(SshHostKeyMismatchError);
    expect(err.code).toBe('ssh_host_key_mismatch');
    expect(err.message).toContain(pinned);
    expect(err.message).toContain(sshd.hostKeyFingerprint);
    expect((await sshExec(sshd.target(), 'echo ok', opts)).stdout).toBe('ok\n');
  });
});

describe('sshExec against a server that refuses the kill signal', () => {
  // sshd does not signal forced-command sessions: the channel then stays open while the process lives.
  const sshd = useSshd({ extraConfig: ['ForceCommand eval "$SSH_ORIGINAL_COMMAND"'] });

  it('still returns soon after the timeout, dropping the connection', async () => {
    const started = Date.now();
    const r = await sshExec(sshd.target(), 'echo started; sleep 20', { ...opts, timeoutMs: 500 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, stdout: 'started\n' });
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
