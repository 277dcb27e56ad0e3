import { describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../lib/ssh/keypair.js';
import { sshProbe } from '../../lib/ssh/probe.js';
import { closedLoopbackPort } from '../helpers/loopback.js';
import { useSshd } from '../helpers/sshd.js';

describe('the SSH probe against a real sshd on 127.0.0.1', () => {
  const sshd = useSshd();

  it('collects uptime, load, cores, memory, disk, kernel and distribution in one exec', async () => {
    const { result, hostKeyFingerprint } = await sshProbe(sshd.target());
    expect(result).toMatchObject({
      ok: true,
      error: null,
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
    });
    expect(hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
    const f = result.facts!;
    expect(f.uptimeSeconds).toBeGreaterThan(0);
    expect(f.loadAverage).toHaveLength(3);
    expect(f.cores).toBeGreaterThanOrEqual(1);
    expect(f.memory!.totalBytes).toBeGreaterThan(0);
    expect(f.memory!.availableBytes).toBeLessThanOrEqual(f.memory!.totalBytes);
    expect(f.disk).toMatchObject({ mount: '/' });
    expect(f.disk!.totalBytes).toBeGreaterThan(0);
    expect(f.kernel).toMatch(/^Linux \d/);
    expect(f.distribution?.id).toBeTruthy();
  });

  it('reports a refused key as a failed probe with the reason, without throwing', async () => {
    const stranger = generateSshKeyPair('ed25519');
    const { result } = await sshProbe(sshd.target(stranger.privateKey));
    expect(result).toMatchObject({ ok: false, facts: null, error: { code: 'ssh_auth_failed' } });
  });

  it('reports a changed host key as a failed probe and never logs in', async () => {
    const { result } = await sshProbe({ ...sshd.target(), hostKeyPin: 'SHA256:somethingelse' });
    expect(result).toMatchObject({ ok: false, error: { code: 'ssh_host_key_mismatch' } });
  });

  it('reports a closed port as unreachable', async () => {
    const port = await closedLoopbackPort();
    const { result } = await sshProbe({ ...sshd.target(), port });
    expect(result).toMatchObject({ ok: false, port, error: { code: 'ssh_unreachable' } });
  });
});
