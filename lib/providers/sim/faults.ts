/**
 * What every simulated provider call pays and may meet: the configured latency, and injected faults
 * (rejected credentials, throttling, timeouts), as a real API would. Shared by the simulated compute,
 * dns and network drivers so a fault setting means the same everywhere.
 */
import { ProviderAuthError, ProviderThrottledError, ProviderTimeoutError } from '../errors.js';

export interface SimFaultSettings {
  latencyMs: number;
  faults: { auth: boolean; throttleRate: number; timeoutRate: number };
}

export interface SimCallDeps {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export async function simulateCall(settings: SimFaultSettings, deps: SimCallDeps, operation: string) {
  if (settings.latencyMs > 0) await deps.sleep(settings.latencyMs);
  const { faults } = settings;
  if (faults.auth) throw new ProviderAuthError(`sim: AuthFailure on ${operation}: credentials were rejected`);
  if (faults.throttleRate > 0 && deps.random() < faults.throttleRate) {
    throw new ProviderThrottledError(`sim: RequestLimitExceeded on ${operation}`);
  }
  if (faults.timeoutRate > 0 && deps.random() < faults.timeoutRate) {
    throw new ProviderTimeoutError(`sim: ${operation} timed out`);
  }
}

export function simCallDeps(deps: { sleep?: (ms: number) => Promise<void>; random?: () => number }) {
  return {
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    random: deps.random ?? Math.random,
  };
}
