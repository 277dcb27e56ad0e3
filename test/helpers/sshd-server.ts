/**
 * A real OpenSSH server on 127.0.0.1 for tests: Debian's /usr/sbin/sshd on a free port with a throwaway
 * host key, a throwaway user whose home is a temp dir, and a bootstrap key already authorized. Needs root
 * (useradd, and sshd must start as root) and the openssh-server package (.ci/run installs it); without
 * them it fails with a message that says so instead of skipping.
 *
 * Tests use `useSshd()` from ./sshd.ts; benchmarks call `startSshd()` here (no vitest import).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ssh2 from 'ssh2';
import type { SshTarget } from '../../lib/ssh/connect.js';
import { sshFingerprint } from '../../lib/ssh/fingerprint.js';
import { generateSshKeyPair, type SshKeyPair } from '../../lib/ssh/keypair.js';

export const SSHD_BINARY = '/usr/sbin/sshd';
export const SSHD_HOST = '127.0.0.1';

export interface TestSshd {
  host: string;
  port: number;
  user: string;
  home: string;
  authorizedKeysPath: string;
  /** Authorized from the start: the "already working key" that deploys others. */
  bootstrapKey: SshKeyPair;
  hostKeyFingerprint: string;
  /** A target for the bootstrap key (or another private key) with the current host key pinned. */
  target(privateKey?: string): SshTarget;
  readAuthorizedKeys(): string;
  writeAuthorizedKeys(text: string): void;
  /** Writes a file in the user's home, owned by the user. */
  writeHomeFile(relativePath: string, text: string, mode?: number): void;
  /** Restart on the same port, optionally with a new host key (the "reinstalled host" case). */
  restart(options?: { newHostKey?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

function requireSshd(): void {
  if (!existsSync(SSHD_BINARY)) {
    throw new Error(
      `${SSHD_BINARY} is missing: install openssh-server (apt-get install -y openssh-server; .ci/run does it)`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error('The sshd test harness must run as root (it adds a throwaway user and starts sshd)');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, SSHD_HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, SSHD_HOST);
  });
}

function newHostKey(dir: string): string {
  const path = join(dir, 'host_ed25519');
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nimbo-test-host', '-f', path]);
  const pub = ssh2.utils.parseKey(readFileSync(`${path}.pub`, 'utf8'));
  if (pub instanceof Error) throw pub;
  return sshFingerprint(pub.getPublicSSH());
}

export interface SshdOptions {
  /** More sshd_config lines (e.g. PermitUserEnvironment yes, PubkeyAcceptedAlgorithms ...). */
  extraConfig?: string[];
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  requireSshd();
  const dir = mkdtempSync(join(tmpdir(), 'nimbo-sshd-'));
  chmodSync(dir, 0o755);
  const home = join(dir, 'home');
  const user = `nimbo${Math.random().toString(36).slice(2, 9)}`;
  // '*' (not '!'): a locked account is refused by sshd even for key logins when PAM is off.
  execFileSync('useradd', ['-M', '-d', home, '-s', '/bin/sh', '-p', '*', user]);
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const authorizedKeysPath = join(home, '.ssh', 'authorized_keys');
  const bootstrapKey = generateSshKeyPair('ed25519', { comment: 'nimbo-test-bootstrap' });
  writeFileSync(authorizedKeysPath, `${bootstrapKey.publicKey}\n`, { mode: 0o600 });
  for (const p of [home, join(home, '.ssh'), authorizedKeysPath]) chownSync(p, uid, gid);
  // sshd's privilege separation directory (the package's init script would create it).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${SSHD_HOST}`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'AuthorizedKeysFile .ssh/authorized_keys',
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${user}`,
      'PrintMotd no',
      'LogLevel ERROR',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );

  let hostKeyFingerprint = newHostKey(dir);
  let child: ChildProcess | null = null;
  let stderr = '';

  const launch = async () => {
    stderr = '';
    const proc = spawn(SSHD_BINARY, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child = proc;
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) break;
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not start on ${SSHD_HOST}:${port}: ${stderr || `exit ${proc.exitCode}`}`);
  };

  const halt = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
    // Wait until the port is free again, so a restart can bind it.
    for (let i = 0; i < 50 && (await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 20));
  };

  await launch();

  // The throwaway user's leftovers (a test's remote process), found in /proc: no procps needed.
  const killUserProcesses = () => {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (statSync(`/proc/${pid}`).uid === uid) process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
  };

  return {
    host: SSHD_HOST,
    port,
    user,
    home,
    authorizedKeysPath,
    bootstrapKey,
    get hostKeyFingerprint() {
      return hostKeyFingerprint;
    },
    target(privateKey = bootstrapKey.privateKey) {
      return { host: SSHD_HOST, port, username: user, privateKey, hostKeyPin: hostKeyFingerprint };
    },
    readAuthorizedKeys: () => readFileSync(authorizedKeysPath, 'utf8'),
    writeAuthorizedKeys: (text: string) => {
      writeFileSync(authorizedKeysPath, text);
      chownSync(authorizedKeysPath, uid, gid);
    },
    writeHomeFile(relativePath: string, text: string, mode = 0o644) {
      const path = join(home, relativePath);
      mkdirSync(dirname(path), { recursive: true });
      chownSync(dirname(path), uid, gid);
      writeFileSync(path, text, { mode });
      chmodSync(path, mode);
      chownSync(path, uid, gid);
    },
    async restart(options = {}) {
      await halt();
      if (options.newHostKey) hostKeyFingerprint = newHostKey(dir);
      await launch();
    },
    async stop() {
      await halt();
      killUserProcesses();
      try {
        execFileSync('userdel', [user], { stdio: 'ignore' });
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A remote shell snippet printing "found" while a process whose command line starts with `prefix` runs. */
export function remoteProcessCheck(prefix: string): string {
  return `for f in /proc/[0-9]*/cmdline; do c=$(tr '\\0' ' ' < "$f" 2>/dev/null); case "$c" in '${prefix}'*) echo found;; esac; done; echo checked`;
}
