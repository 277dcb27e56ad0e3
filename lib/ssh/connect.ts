/**
 * Opening an SSH connection to a machine: key authentication only, a bounded connect time, and the host
 * key checked against the machine's pin (trust on first use: with no pin, any key is accepted and its
 * fingerprint is handed back for the caller to store; with a pin, another key refuses the connection).
 */
// ssh2 is CommonJS: Node's ESM loader sees only its default export (tsx and plain node, not just bundles).
import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import { SshAuthError, SshError, SshHostKeyMismatchError, SshUnreachableError } from './errors.js';
import { sshFingerprint } from './fingerprint.js';
import { ssh2PrivateKey } from './pkcs8.js';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  /** Private key text in any format lib/ssh/keypair.ts imports (PKCS#8 is converted here). */
  privateKey: string;
  /** For an encrypted private key. */
  passphrase?: string;
  /** The pinned host key fingerprint (SHA256:...); absent or null on first contact. */
  hostKeyPin?: string | null;
}

export interface SshConnectOptions {
  /** TCP connect plus handshake plus authentication. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface SshConnection {
  client: Client;
  /** The host key fingerprint the server presented (SHA256:...), to pin on first use. */
  hostKeyFingerprint: string;
  close(): void;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function where(t: SshTarget): string {
  return `${t.username}@${t.host}:${t.port}`;
}

/** ssh2's errors carry a `level` (client-socket, client-timeout, client-authentication, ...) and a `code`. */
function classify(err: Error & { level?: string; code?: string }, target: SshTarget): SshError {
  const at = where(target);
  if (err.level === 'client-authentication') {
    return new SshAuthError(`SSH authentication as ${at} failed: the server refused the key`, { cause: err });
  }
  if (err.level === 'client-timeout') {
    return new SshUnreachableError(`SSH to ${at} timed out before the login completed`, { cause: err });
  }
  if (err.code && UNREACHABLE_CODES.has(err.code)) {
    return new SshUnreachableError(`SSH to ${at} failed: ${err.code} (${err.message})`, { cause: err });
  }
  return new SshError(`SSH to ${at} failed: ${err.message}`, { cause: err });
}

export function connectSsh(target: SshTarget, options: SshConnectOptions = {}): Promise<SshConnection> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let seen: string | null = null;
    let mismatch: SshHostKeyMismatchError | null = null;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      reject(err);
    };
    // ssh2's readyTimeout only starts after the TCP connect: one timer bounds the whole thing.
    const timer = setTimeout(
      () => fail(new SshUnreachableError(`SSH to ${where(target)} did not complete within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: timeoutMs,
      // Never fall back to an agent or keyboard-interactive: the stored key is the only credential.
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        seen = sshFingerprint(key);
        if (target.hostKeyPin && target.hostKeyPin !== seen) {
          mismatch = new SshHostKeyMismatchError(`${target.host}:${target.port}`, target.hostKeyPin, seen);
          return false;
        }
        return true;
      },
    };
    client.on('ready', () => {
      if (settled) {
        client.end();
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve({ client, hostKeyFingerprint: seen ?? '', close: () => client.end() });
    });
    client.on('error', (err) => fail(mismatch ?? classify(err, target)));
    client.on('close', () => fail(mismatch ?? new SshError(`SSH to ${where(target)} closed before login`)));
    try {
      client.connect({ ...config, ...ssh2PrivateKey(target.privateKey, target.passphrase) });
    } catch (err) {
      // A private key ssh2 cannot parse is thrown synchronously.
      fail(new SshError(`SSH to ${where(target)}: ${(err as Error).message}`, { cause: err }));
    }
  });
}
