/**
 * The reachability probe. Lambda cannot send ICMP, so instead of ping it opens N TCP connections to one
 * port (the SSH port unless configured), one after the other, and times each handshake; a refused or
 * timed-out connection counts as a lost packet. Nothing is sent: the socket is reset once it connects.
 */
import { connect } from 'node:net';
import { type ProbeStats, probeStats } from './probe-stats.js';

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_TIMEOUT_MS = 2_000;

export interface TcpProbeOptions {
  attempts?: number;
  /** Per attempt. */
  timeoutMs?: number;
}

export interface TcpProbeResult extends ProbeStats {
  host: string;
  port: number;
  /** At least one attempt connected. */
  reachable: boolean;
  /** Why the last failed attempt failed (refused, timed out, no route...); null when none failed. */
  error: string | null;
  /** True when the simulator answered instead of the network (sim clouds). */
  simulated?: boolean;
}

type Attempt = { rttMs: number } | { error: string };

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
};

/** One connection attempt: the handshake time in ms, or why it failed. Never rejects. */
export function tcpConnectOnce(host: string, port: number, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const socket = connect({ host, port });
    let settled = false;
    const finish = (outcome: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A connected probe closes with a reset: no TIME_WAIT left behind on either side, which matters to
      // a worker that probes thousands of hosts (and to the host, which sees one short-lived connection).
      if ('rttMs' in outcome) socket.resetAndDestroy();
      else socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ error: `timed out after ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ rttMs: Number(process.hrtime.bigint() - started) / 1e6 }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      finish({ error: REASONS[err.code ?? ''] ?? err.code ?? err.message });
    });
  });
}

export async function tcpProbe(host: string, port: number, options: TcpProbeOptions = {}) {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const rtts: Array<number | null> = [];
  let error: string | null = null;
  for (let i = 0; i < attempts; i++) {
    const outcome = await tcpConnectOnce(host, port, timeoutMs);
    if ('rttMs' in outcome) rtts.push(outcome.rttMs);
    else {
      rtts.push(null);
      error = outcome.error;
    }
  }
  const stats = probeStats(rtts);
  const result: TcpProbeResult = { host, port, reachable: stats.received > 0, error, ...stats };
  return result;
}
