/**
 * The tick's cost work: a due price region (AWS, Azure or GCP) is handed to the worker as a `prices.refresh`
 * job (an AWS offer file is hundreds of megabytes, an Azure region dozens of pages: the worker has two
 * minutes, the tick under one), and the day's cost snapshots are taken.
 */
import type { ServiceDeps } from '../core/deps.js';
import { log } from '../core/log.js';
import type { JobDoc } from '../db/documents.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import { withLease } from '../jobs/periodic-tasks.js';
import {
  claimDuePriceRegion,
  type GcpPriceAccess,
  isPricedProvider,
  priceListOptions,
  refreshPriceRegion,
} from './prices.js';
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
    const due = await claimDuePriceRegion(deps);
    if (due) {
      await enqueueJobs(deps, { type: 'system', orgId: PRICES_ORG, name: 'prices' }, [
        {
          type: 'prices.refresh',
          resource: { type: 'price-region', id: `${due.provider}:${due.region}` },
          input: { provider: due.provider, region: due.region },
        },
      ]);
      priceRegionsQueued = 1;
    }
  } catch (err) {
    log.error('price list refresh not queued', { error: err });
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
 * The worker's `prices.refresh` ({provider, region}; a job without provider, queued before Azure, is
 * AWS's): one region's prices, read within the time the invocation has left. A failure is recorded on
 * the region (the tick queues it again an hour later), so the job itself ends. `gcpAccess` opens the GCP
 * cloud a gcp region is read with (lib/app/job-runner.ts passes lib/clouds' gcpPriceAccess).
 */
export async function executePriceRefresh(
  deps: JobDeps,
  job: JobDoc,
  gcpAccess?: GcpPriceAccess,
): Promise<Record<string, unknown>> {
  const region = String(job.input.region);
  const provider = job.input.provider ?? 'aws';
  if (!isPricedProvider(provider)) {
    return { provider, region, ok: false, count: 0, error: `no price list for ${String(provider)}` };
  }
  const left = deps.remainingTimeMs?.();
  const timeoutMs = left === undefined ? DEFAULT_FETCH_MS : Math.max(10_000, left - WRITE_MARGIN_MS);
  const outcome = await refreshPriceRegion(deps as ServiceDeps, provider, region, {
    ...priceListOptions(provider),
    timeoutMs,
    ...(gcpAccess ? { gcpAccess } : {}),
  });
  if (!outcome.ok) log.warn('price list refresh failed', { provider, region, error: outcome.error });
  return { provider, region, ...outcome };
}
