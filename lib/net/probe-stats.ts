/**
 * Probe statistics as ping prints them: packets sent and received, loss, and round-trip min/avg/max with
 * the population standard deviation (ping's "mdev"), over the attempts that got an answer.
 */

export interface RttStats {
  min: number;
  avg: number;
  max: number;
  stddev: number;
}

export interface ProbeStats {
  attempts: number;
  received: number;
  /** 0-100, as ping reports it. */
  lossPercent: number;
  /** Milliseconds; null when no attempt got an answer. */
  rttMs: RttStats | null;
}

/** Microsecond precision is all a connect time can claim. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** `rtts` holds one entry per attempt: its round-trip time in ms, or null when it failed. */
export function probeStats(rtts: ReadonlyArray<number | null>): ProbeStats {
  const ok = rtts.filter((r): r is number => r !== null);
  const attempts = rtts.length;
  const lossPercent = attempts === 0 ? 100 : round(((attempts - ok.length) / attempts) * 100);
  if (ok.length === 0) return { attempts, received: 0, lossPercent, rttMs: null };
  const avg = ok.reduce((a, b) => a + b, 0) / ok.length;
  const variance = ok.reduce((a, r) => a + (r - avg) ** 2, 0) / ok.length;
  return {
    attempts,
    received: ok.length,
    lossPercent,
    rttMs: {
      min: round(Math.min(...ok)),
      avg: round(avg),
      max: round(Math.max(...ok)),
      stddev: round(Math.sqrt(variance)),
    },
  };
}
