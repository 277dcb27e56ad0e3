/**
 * How long a probe job may run, and so how many machines it takes. The worker runs a batch's jobs one
 * after another within a 2-minute function timeout (infra/constructs/jobs.ts); a job cut off by it used to
 * lose every result, so each job is sized to a budget well under it. A job's worst case is its waves
 * (PROBE_CONCURRENCY machines at a time) times one machine's worst case: every TCP attempt timing out,
 * plus the SSH probe's own bound where SSH probes apply. Pure functions: the tick sizes jobs with them,
 * the settings API refuses settings that cannot fit, and settings stored before that rule are clamped.
 */

import { UnprocessableError } from '../core/errors.js';
import type { ProbeSettings } from '../model/probe.js';
import type { Provider } from '../providers/capabilities.js';
import { SSH_PROBE_WORST_CASE_MS } from '../ssh/probe.js';

/** One probe job's worst case, well under the worker's 2-minute timeout. */
export const PROBE_JOB_BUDGET_MS = 45_000;
/** Probes in flight at once within a job: a wave. */
export const PROBE_CONCURRENCY = 20;
/** Machines per job at most, however fast their probes: keeps one job's writes small. */
export const MAX_PROBE_JOB_SIZE = 50;

type Timing = Pick<ProbeSettings, 'attempts' | 'timeoutMs'>;

/** The simulator answers sim clouds' probes without the network; every other cloud may SSH to a machine. */
export function probesUseNetwork(provider: Provider): boolean {
  return provider !== 'sim';
}

/** One machine's worst case: its TCP attempts all timing out, then the SSH probe at its bound. */
export function machineProbeWorstCaseMs(provider: Provider, settings: Timing): number {
  if (!probesUseNetwork(provider)) return 0;
  return settings.attempts * settings.timeoutMs + SSH_PROBE_WORST_CASE_MS;
}

/** Machines per probe job: as many waves as fit the budget (at least one), capped at MAX_PROBE_JOB_SIZE. */
export function probeJobSize(
  provider: Provider,
  settings: Timing,
  budgetMs = PROBE_JOB_BUDGET_MS,
  concurrency = PROBE_CONCURRENCY,
): number {
  const perMachine = machineProbeWorstCaseMs(provider, settings);
  if (perMachine === 0) return MAX_PROBE_JOB_SIZE;
  const waves = Math.max(1, Math.floor(budgetMs / perMachine));
  return Math.min(MAX_PROBE_JOB_SIZE, waves * concurrency);
}

/** The most attempts × timeoutMs a TCP probe may take on this provider. */
export function maxTcpProbeMs(provider: Provider): number {
  return probesUseNetwork(provider)
    ? PROBE_JOB_BUDGET_MS - SSH_PROBE_WORST_CASE_MS
    : Number.POSITIVE_INFINITY;
}

/** Settings stored before the budget existed: fewer attempts, so that one machine fits a job. */
export function fitProbeSettings<T extends Timing>(provider: Provider, settings: T): T {
  const max = maxTcpProbeMs(provider);
  if (settings.attempts * settings.timeoutMs <= max) return settings;
  return { ...settings, attempts: Math.max(1, Math.floor(max / settings.timeoutMs)) };
}

/** The settings API's rule: a TCP probe must fit a job's budget next to the SSH probe (422 otherwise). */
export function assertProbeSettingsFit(provider: Provider, settings: Timing): void {
  const max = maxTcpProbeMs(provider);
  const total = settings.attempts * settings.timeoutMs;
  if (total <= max) return;
  throw new UnprocessableError(
    `attempts × timeoutMs is ${total} ms; at most ${max} ms fit a probe job ` +
      `(${PROBE_JOB_BUDGET_MS} ms per job, ${SSH_PROBE_WORST_CASE_MS} ms of it kept for the SSH probe): ` +
      'give fewer attempts or a shorter timeout',
  );
}
