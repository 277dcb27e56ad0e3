/**
 * Probe decisions, as pure functions with the clock injected: a cloud's probe settings (stored values over
 * the provider's defaults), whether a machine's periodic probe is due, where a probe connects, and the
 * outage bookkeeping (mist overwrote `unreachable_since` on every failure; here it keeps the first one).
 */

import type { CloudDoc, MachineDoc } from '../db/documents.js';
import { DEFAULT_SSH_PORT } from '../keys/ssh-access.js';
import type { ProbeSettings } from '../model/probe.js';
import { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_MS } from '../net/tcp-probe.js';
import type { Provider } from '../providers/capabilities.js';
import type { MachineState } from '../providers/compute.js';
import { fitProbeSettings } from './budget.js';

const BASE: ProbeSettings = {
  enabled: false,
  intervalMinutes: 5,
  port: null,
  attempts: DEFAULT_ATTEMPTS,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  retentionDays: 30,
};

/**
 * Periodic probes are off unless a provider says otherwise. Bring-your-own hosts (ssh) are probed by
 * default: Nimbo knows nothing else of them. An AWS cloud's machines are reachable from the worker only
 * with a network path and a security group that admits the port (opt in per cloud), and a sim cloud's
 * probes are simulated anyway (opt in for demos).
 */
const PROVIDER_DEFAULTS: Partial<Record<Provider, Partial<ProbeSettings>>> = { ssh: { enabled: true } };

export function defaultProbeSettings(provider: Provider): ProbeSettings {
  return { ...BASE, ...PROVIDER_DEFAULTS[provider] };
}

/** Providers whose clouds probe periodically without being told to (their docs have no `probes`). */
export function providersProbedByDefault(): Provider[] {
  return (Object.keys(PROVIDER_DEFAULTS) as Provider[]).filter((p) => defaultProbeSettings(p).enabled);
}

/** What is in effect: settings stored before the job budget existed may have fewer attempts (probes/budget.ts). */
export function probeSettings(cloud: Pick<CloudDoc, 'provider' | 'probes'>): ProbeSettings {
  return fitProbeSettings(cloud.provider, { ...defaultProbeSettings(cloud.provider), ...cloud.probes });
}

/** Machines worth probing: a stopped or terminated machine answers nothing by design. */
export const PROBED_STATES: readonly MachineState[] = ['running', 'rebooting', 'unknown', 'error'];

/** Is this machine's periodic probe due at `now`? (The tick's query asks the same of the database.) */
export function isProbeDue(
  machine: Pick<MachineDoc, 'state' | 'missingSince' | 'nextProbeAt'>,
  now: Date,
): boolean {
  if (machine.missingSince) return false;
  if (!PROBED_STATES.includes(machine.state)) return false;
  return !machine.nextProbeAt || machine.nextProbeAt <= now;
}

export function nextProbeAfter(settings: Pick<ProbeSettings, 'intervalMinutes'>, now: Date): Date {
  return new Date(now.getTime() + settings.intervalMinutes * 60_000);
}

/** The public address first (what an operator would ssh to), else the private one; null without either. */
export function probeHost(machine: Pick<MachineDoc, 'publicIps' | 'privateIps'>): string | null {
  return machine.publicIps[0] ?? machine.privateIps[0] ?? null;
}

export function probePort(settings: Pick<ProbeSettings, 'port'>, sshPort?: number | null): number {
  return settings.port ?? sshPort ?? DEFAULT_SSH_PORT;
}

/**
 * The outage bookkeeping: a failure starts an outage at `now` unless one is already running (its first
 * failure stays), and any success ends it.
 */
export function nextUnreachableSince(previous: Date | null | undefined, reachable: boolean, now: Date) {
  if (reachable) return null;
  return previous ?? now;
}
