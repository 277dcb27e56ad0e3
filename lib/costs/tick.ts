/**
 * The tick's cost work: a due AWS price region is handed to the worker as a `prices.refresh` job (an offer
 * file is hundreds of megabytes: the worker has two minutes, the tick under one), and the day's cost
 * snapshots are taken.
 */
import type { ServiceDeps } from '../core/deps.js';
import { log } from '../core/log.js';
import type { JobDoc } from '../db/documents.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import { withLease } from '../jobs/periodic-tasks.js';
import { claimDuePriceRegion, priceListOptions, refreshAwsRegion } from './prices.js';
import { takeDueSnapshots } from './snapshots.js';

/** Price lists are no org's: their jobs are recorded under this org id, which no token has. */
export const PRICES_ORG = 'org_system_prices';

/** What a refresh leaves of the worker's time for writing the prices and settling the job. */
const WRITE_MARGIN_MS = 20_000;
/** Without Lambda's clock (local mode, tests): the worker's timeout less the margin. */
const DEFAULT_FETCH_MS = 100_000;

export async function runCostTasks(
  deps: JobDeps,
): Promise<{ priceRegionsQueued: number; costSnapshots: number }> {
  let priceRegionsQueued = 0;
  let costSnapshots = 0;
  try {
    const region = await claimDuePriceRegion(deps);
    if (region) {
      await enqueueJobs(deps, { type: 'system', orgId: PRICES_ORG, name: 'prices' }, [
        { type: 'prices.refresh', resource: { type: 'price-region', id: region }, input: { region } },
      ]);
      priceRegionsQueued = 1;
    }
  } catch (err) {
    log.error('AWS price list refresh not queued', { error: err });
  }
  try {
    const run = await withLease(deps, 'costs:snapshots', 5 * 60_000, () => takeDueSnapshots(deps));
    if (run.ran) costSnapshots = run.result;
  } catch (err) {
    log.error('cost snapshots failed', { error: err });
  }
  return { priceRegionsQueued, costSnapshots };
}

/**
 * The worker's `prices.refresh`: one region's offer file, read within the time the invocation has left.
 * A failure is recorded on the region (the tick queues it again an hour later), so the job itself ends.
 */
export async function executePriceRefresh(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const region = String(job.input.region);
  const left = deps.remainingTimeMs?.();
  const timeoutMs = left === undefined ? DEFAULT_FETCH_MS : Math.max(10_000, left - WRITE_MARGIN_MS);
  const outcome = await refreshAwsRegion(deps as ServiceDeps, region, { ...priceListOptions(), timeoutMs });
  if (!outcome.ok) log.warn('AWS price list refresh failed', { region, error: outcome.error });
  return { region, ...outcome };
}
