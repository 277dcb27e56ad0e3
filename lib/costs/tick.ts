/** The tick's cost work: one AWS price region refreshed when due, and the day's cost snapshots. */
import type { ServiceDeps } from '../core/deps.js';
import { log } from '../core/log.js';
import { withLease } from '../jobs/periodic-tasks.js';
import { priceListOptions, refreshDuePriceRegion } from './prices.js';
import { takeDueSnapshots } from './snapshots.js';

/**
 * The tick function runs 55 s, so a region's download is cut at NIMBO_PRICE_FETCH_TIMEOUT_MS (40 s by
 * default) and the failure recorded (retried an hour later); the lease outlives it.
 */
const fetchTimeoutMs = () => Number(process.env.NIMBO_PRICE_FETCH_TIMEOUT_MS) || 40_000;
const PRICE_LEASE_MS = 2 * 60_000;

export async function runCostTasks(
  deps: ServiceDeps,
): Promise<{ priceRegionsRefreshed: number; costSnapshots: number }> {
  let priceRegionsRefreshed = 0;
  let costSnapshots = 0;
  try {
    const run = await withLease(deps, 'costs:prices', PRICE_LEASE_MS, () =>
      refreshDuePriceRegion(deps, { ...priceListOptions(), timeoutMs: fetchTimeoutMs() }),
    );
    if (run.ran && run.result?.ok) priceRegionsRefreshed = 1;
    if (run.ran && run.result && !run.result.ok) {
      log.warn('AWS price list refresh failed', { region: run.result.region, error: run.result.error });
    }
  } catch (err) {
    log.error('AWS price list refresh failed', { error: err });
  }
  try {
    const run = await withLease(deps, 'costs:snapshots', 5 * 60_000, () => takeDueSnapshots(deps));
    if (run.ran) costSnapshots = run.result;
  } catch (err) {
    log.error('cost snapshots failed', { error: err });
  }
  return { priceRegionsRefreshed, costSnapshots };
}
