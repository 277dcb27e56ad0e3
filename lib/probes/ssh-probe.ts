/**
 * The SSH probe: one connection, one read-only command (ssh-facts.ts), parsed into facts. It never throws
 * for the machine's sake: an unreachable host, a refused key, a changed host key or a command that hangs
 * all become a result with `ok: false` and the reason, so a batch records every machine.
 */
import type { SshTarget } from '../ssh/connect.js';
import { SshError } from '../ssh/errors.js';
import { sshExec } from '../ssh/exec.js';
import { parseSshFacts, SSH_PROBE_COMMAND, type SshProbeResult } from './ssh-facts.js';

export interface SshProbeOptions {
  /** TCP connect, handshake and login. */
  connectTimeoutMs?: number;
  /** The command itself. */
  timeoutMs?: number;
}

export const SSH_PROBE_CONNECT_TIMEOUT_MS = 5_000;
export const SSH_PROBE_TIMEOUT_MS = 10_000;
/** The facts fit in a few KiB; a chatty login shell or a huge os-release is cut here. */
const MAX_OUTPUT_BYTES = 64 * 1024;

export interface SshProbeOutcome {
  result: SshProbeResult;
  /** The host key the server presented (to pin on first use); null when the connection failed. */
  hostKeyFingerprint: string | null;
}

export async function sshProbe(target: SshTarget, options: SshProbeOptions = {}): Promise<SshProbeOutcome> {
  const started = Date.now();
  const base = { host: target.host, port: target.port, user: target.username };
  try {
    const run = await sshExec(target, SSH_PROBE_COMMAND, {
      connectTimeoutMs: options.connectTimeoutMs ?? SSH_PROBE_CONNECT_TIMEOUT_MS,
      timeoutMs: options.timeoutMs ?? SSH_PROBE_TIMEOUT_MS,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    });
    if (run.timedOut) {
      return {
        hostKeyFingerprint: run.hostKeyFingerprint,
        result: {
          ...base,
          ok: false,
          error: {
            code: 'ssh_probe_timeout',
            message: `The probe command did not finish in ${run.durationMs} ms`,
          },
          durationMs: Date.now() - started,
          facts: null,
        },
      };
    }
    return {
      hostKeyFingerprint: run.hostKeyFingerprint,
      result: {
        ...base,
        ok: true,
        error: null,
        durationMs: Date.now() - started,
        facts: parseSshFacts(run.stdout),
      },
    };
  } catch (err) {
    const error =
      err instanceof SshError
        ? { code: err.code, message: err.message }
        : { code: 'ssh_failed', message: err instanceof Error ? err.message : String(err) };
    return {
      hostKeyFingerprint: null,
      result: { ...base, ok: false, error, durationMs: Date.now() - started, facts: null },
    };
  }
}
