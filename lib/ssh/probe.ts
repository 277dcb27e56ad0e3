/**
 * The SSH probe: one connection, one read-only command (ssh/facts.ts), parsed into facts. It never throws
 * for the machine's sake: an unreachable host, a refused key, a changed host key or a command that hangs
 * all become a result with `ok: false` and the reason, so a batch records every machine.
 */
import { NimboError } from '../core/errors.js';
import { log } from '../core/log.js';
import type { SshTarget } from './connect.js';
import { type SshExecOptions, type SshExecResult, sshExec } from './exec.js';
import { parseSshFacts, SSH_PROBE_COMMAND, type SshProbeResult } from './facts.js';

export const SSH_PROBE_CONNECT_TIMEOUT_MS = 5_000;
export const SSH_PROBE_TIMEOUT_MS = 10_000;
/**
 * Logins a probe tries, best first (machineLogins' order): each one refused costs up to the connect
 * timeout, so more would stretch the probe job's worst case (probes/budget.ts) for little gain.
 */
export const SSH_PROBE_MAX_LOGINS = 2;
/** After the command's timeout, exec.ts gives the channel this long to close (its HARD_STOP_MS). */
const SSH_PROBE_CLOSE_MS = 3_000;
/** The longest one SSH probe can take: every login refused at the deadline, or a command that hangs. */
export const SSH_PROBE_WORST_CASE_MS =
  SSH_PROBE_MAX_LOGINS * SSH_PROBE_CONNECT_TIMEOUT_MS + SSH_PROBE_TIMEOUT_MS + SSH_PROBE_CLOSE_MS;

/** How the probe command runs: bounded login, bounded command, and output cut at 64 KiB. */
export const SSH_PROBE_EXEC: SshExecOptions = {
  connectTimeoutMs: SSH_PROBE_CONNECT_TIMEOUT_MS,
  timeoutMs: SSH_PROBE_TIMEOUT_MS,
  maxOutputBytes: 64 * 1024,
};

export interface SshProbeOutcome {
  result: SshProbeResult;
  /** The host key the server presented (to pin on first use); null when the connection failed. */
  hostKeyFingerprint: string | null;
}

/**
 * Runs the probe command through `exec` (a direct connection, or a machine's logins tried in turn) and
 * turns whatever happens into a result. `where` is read after the run: the login that worked decides it.
 */
export async function runSshProbe(
  exec: (command: string) => Promise<SshExecResult>,
  where: () => { host: string; port: number; user: string },
): Promise<SshProbeOutcome> {
  const started = Date.now();
  try {
    const run = await exec(SSH_PROBE_COMMAND);
    const durationMs = Date.now() - started;
    if (run.timedOut) {
      const message = `The probe command did not finish within ${SSH_PROBE_EXEC.timeoutMs} ms`;
      return {
        hostKeyFingerprint: run.hostKeyFingerprint,
        result: {
          ...where(),
          ok: false,
          error: { code: 'ssh_probe_timeout', message },
          durationMs,
          facts: null,
        },
      };
    }
    return {
      hostKeyFingerprint: run.hostKeyFingerprint,
      result: { ...where(), ok: true, error: null, durationMs, facts: parseSshFacts(run.stdout) },
    };
  } catch (err) {
    // Our own errors say what went wrong in words safe to keep; anything else is logged, not stored.
    let error = {
      code: 'ssh_failed',
      message: 'The SSH probe failed unexpectedly; the error has been logged',
    };
    if (err instanceof NimboError) error = { code: err.code, message: err.message };
    else log.error('ssh probe failed unexpectedly', { ...where(), error: err });
    return {
      hostKeyFingerprint: null,
      result: { ...where(), ok: false, error, durationMs: Date.now() - started, facts: null },
    };
  }
}

/** The probe over a direct connection to one target (benchmarks, tests, one-off checks). */
export function sshProbe(target: SshTarget): Promise<SshProbeOutcome> {
  return runSshProbe(
    (command) => sshExec(target, command, SSH_PROBE_EXEC),
    () => ({ host: target.host, port: target.port, user: target.username }),
  );
}
