/**
 * Running one command over SSH with a deadline and bounded output. On timeout the remote process group is
 * killed (an SSH "signal" request: OpenSSH answers it with killpg on the session), then the channel is
 * closed; output beyond the cap is dropped and marked, so a chatty script cannot exhaust the worker.
 */
import type { ClientChannel } from 'ssh2';
import { connectSsh, type SshConnection, type SshConnectOptions, type SshTarget } from './connect.js';
import { SshError } from './errors.js';

export interface SshExecOptions extends SshConnectOptions {
  timeoutMs: number;
  /** Per stream (stdout and stderr each). */
  maxOutputBytes: number;
  /** Sent to the command's standard input, then closed. */
  stdin?: string | Buffer;
}

export interface SshExecResult {
  /** null when the command was killed by a signal or timed out. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Either stream went over maxOutputBytes (its text then ends with the truncation marker). */
  truncated: boolean;
  timedOut: boolean;
  hostKeyFingerprint: string;
  durationMs: number;
}

/** After a timeout, how long the channel may take to close before the connection is dropped. */
const HARD_STOP_MS = 3_000;

export function truncationMarker(dropped: number): string {
  return `\n[output truncated: ${dropped} more bytes]`;
}

/** Keeps the first `max` bytes, counts the rest. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    const room = this.max - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(0, room));
  }
  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? body + truncationMarker(this.dropped) : body;
  }
}

/**
 * Sends the KILL signal request. ssh2's channel.signal() drops it once our side has sent EOF (which we do
 * at once, so that commands reading stdin do not hang), hence the protocol call; sshd still accepts the
 * request on a half-closed channel and kills the session's process group.
 */
function killRemote(channel: ClientChannel): void {
  const ch = channel as unknown as {
    outgoing: { id: number; state: string };
    _client: { _protocol: { signal(id: number, name: string): void } };
  };
  if (ch.outgoing.state === 'open' || ch.outgoing.state === 'eof') {
    ch._client._protocol.signal(ch.outgoing.id, 'KILL');
  }
}

/** Runs a command on an open connection. The command line is sent as is: build it with quote.ts. */
export function execOn(
  connection: SshConnection,
  command: string,
  options: SshExecOptions,
): Promise<SshExecResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    connection.client.exec(command, (err, channel: ClientChannel) => {
      if (err) {
        reject(new SshError(`Could not start the command: ${err.message}`, { cause: err }));
        return;
      }
      const out = new CappedBuffer(options.maxOutputBytes);
      const errOut = new CappedBuffer(options.maxOutputBytes);
      let exitCode: number | null = null;
      let signal: string | null = null;
      let timedOut = false;
      channel.on('data', (d: Buffer) => out.push(d));
      channel.stderr.on('data', (d: Buffer) => errOut.push(d));
      channel.on('exit', (code: number | null, sig?: string) => {
        if (typeof code === 'number') exitCode = code;
        if (sig) signal = sig;
      });
      let hardStop: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearTimeout(hardStop);
        resolve({
          exitCode: timedOut ? null : exitCode,
          signal: timedOut ? (signal ?? 'KILL') : signal,
          stdout: out.text(),
          stderr: errOut.text(),
          truncated: out.dropped > 0 || errOut.dropped > 0,
          timedOut,
          hostKeyFingerprint: connection.hostKeyFingerprint,
          durationMs: Date.now() - started,
        });
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killRemote(channel);
        // Give the signal a moment to land before the channel (and its pipes) go away.
        setTimeout(() => channel.close(), 200).unref();
        // A server that ignores the signal keeps the channel open while the process lives: drop the
        // whole connection rather than wait for it.
        hardStop = setTimeout(() => {
          connection.close();
          finish();
        }, HARD_STOP_MS);
      }, options.timeoutMs);
      channel.on('close', finish);
      if (options.stdin !== undefined) channel.end(options.stdin);
      else channel.end();
    });
  });
}

/** Connect, run one command, disconnect. */
export async function sshExec(
  target: SshTarget,
  command: string,
  options: SshExecOptions,
): Promise<SshExecResult> {
  const connection = await connectSsh(target, options);
  try {
    return await execOn(connection, command, options);
  } finally {
    connection.close();
  }
}

/** Several commands on one connection (key deployment: append, then check). */
export async function withSsh<T>(
  target: SshTarget,
  options: SshConnectOptions,
  work: (connection: SshConnection) => Promise<T>,
): Promise<T> {
  const connection = await connectSsh(target, options);
  try {
    return await work(connection);
  } finally {
    connection.close();
  }
}
