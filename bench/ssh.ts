/**
 * SSH figures against a real OpenSSH server on 127.0.0.1 (needs root and openssh-server, like the tests):
 * key generation per type, connect + exec of `true`, exec on an open connection, and parallel connects.
 * `npm run bench -- ssh [rounds]`
 */
import { connectSsh } from '../lib/ssh/connect.js';
import { execOn, sshExec } from '../lib/ssh/exec.js';
import { generateSshKeyPair } from '../lib/ssh/keypair.js';
import { startSshd } from '../test/helpers/sshd-server.js';

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(1);
  return `median ${at(0.5)} ms, p95 ${at(0.95)} ms (n=${s.length})`;
}

async function timed(n: number, work: () => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await work();
    out.push(performance.now() - t0);
  }
  return out;
}

export default async function ssh(args: string[]): Promise<boolean> {
  const rounds = Number(args[0] ?? 30);
  const opts = { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 };
  console.log(`key generation: ed25519 ${stats(await timed(20, () => generateSshKeyPair('ed25519')))}`);
  console.log(
    `key generation: rsa 3072 ${stats(await timed(3, () => generateSshKeyPair('rsa', { bits: 3072 })))}`,
  );
  console.log(
    `key generation: rsa 4096 ${stats(await timed(3, () => generateSshKeyPair('rsa', { bits: 4096 })))}`,
  );
  // sshd's default MaxStartups (10:30:100) drops unauthenticated connections beyond 10 at random.
  const sshd = await startSshd({ extraConfig: ['MaxStartups 100'] });
  try {
    const target = sshd.target();
    console.log(
      `connect + exec "true" + close: ${stats(await timed(rounds, () => sshExec(target, 'true', opts)))}`,
    );
    const connection = await connectSsh(target);
    try {
      console.log(
        `exec "true" on an open connection: ${stats(await timed(rounds, () => execOn(connection, 'true', opts)))}`,
      );
    } finally {
      connection.close();
    }
    for (const width of [10, 20, 50]) {
      const t0 = performance.now();
      await Promise.all(Array.from({ length: width }, () => sshExec(target, 'true', opts)));
      console.log(`${width} parallel connect + exec: ${(performance.now() - t0).toFixed(0)} ms wall`);
    }
  } finally {
    await sshd.stop();
  }
  return true;
}
