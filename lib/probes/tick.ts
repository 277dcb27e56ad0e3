/**
 * Due probes: each minute, for every enabled cloud that probes periodically, the machines whose probe is
 * due are queued as jobs sized to the cloud's probe settings (probes/budget.ts). A cloud's pass runs under its periodic-task lease
 * (`probes:<cloudId>`), and advances each queued machine's nextProbeAt before queueing, so overlapping
 * ticks never queue the same machine twice. (Like due polls, this query spans orgs: it finds work.)
 */
import type { Filter } from 'mongodb';
import { eachLimited } from '../core/concurrency.js';
import { log } from '../core/log.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, MachineDoc } from '../db/documents.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import { withLease } from '../jobs/periodic-tasks.js';
import type { SystemActor } from '../model/actor.js';
import { probeJobSize } from './budget.js';
import { probeJob } from './probes.js';
import { nextProbeAfter, PROBED_STATES, probeSettings, providersProbedByDefault } from './rules.js';

/** Longer than one cloud's pass takes; a tick that died mid-pass frees its cloud after it. */
const PROBE_TICK_LEASE_MS = 60_000;
/** Clouds handled at once by one tick. */
const CLOUD_CONCURRENCY = 4;

/** The database side of isProbeDue (probes/rules.ts): the same rule, as a filter. */
export function dueProbeFilter(cloud: Pick<CloudDoc, '_id' | 'orgId'>, now: Date): Filter<MachineDoc> {
  return {
    orgId: cloud.orgId,
    cloudId: cloud._id,
    missingSince: null,
    state: { $in: [...PROBED_STATES] },
    $or: [{ nextProbeAt: null }, { nextProbeAt: { $lte: now } }],
  };
}

/** Queues the due probes of one cloud; returns how many machines were queued. */
async function queueCloudProbes(deps: JobDeps, cloud: CloudDoc, maxMachines: number): Promise<number> {
  const now = deps.now();
  const settings = probeSettings(cloud);
  const { machines } = collections(deps.db);
  const due = await machines
    .find(dueProbeFilter(cloud, now), { projection: { _id: 1 } })
    .sort({ nextProbeAt: 1 })
    .limit(maxMachines)
    .toArray();
  if (due.length === 0) return 0;
  const ids = due.map((m) => m._id);
  // Advanced first: a queueing failure skips one interval rather than queueing twice.
  await machines.updateMany(
    { orgId: cloud.orgId, _id: { $in: ids } },
    { $set: { nextProbeAt: nextProbeAfter(settings, now) } },
  );
  const size = probeJobSize(cloud.provider, settings);
  const jobs = [];
  for (let i = 0; i < ids.length; i += size) jobs.push(probeJob(cloud._id, ids.slice(i, i + size)));
  const actor: SystemActor = { type: 'system', orgId: cloud.orgId, name: 'tick' };
  await enqueueJobs(deps, actor, jobs);
  return ids.length;
}

/** The tick's step: returns how many machines' probes were queued. */
export async function enqueueDueProbes(
  deps: JobDeps,
  options: { maxClouds?: number; maxMachinesPerCloud?: number } = {},
): Promise<number> {
  const byDefault = providersProbedByDefault();
  const clouds = await collections(deps.db)
    .clouds.find({
      enabled: true,
      $or: [
        { 'probes.enabled': true },
        ...(byDefault.length > 0
          ? [{ provider: { $in: byDefault }, 'probes.enabled': { $exists: false } }]
          : []),
      ],
    })
    .limit(options.maxClouds ?? 1_000)
    .toArray();
  let queued = 0;
  await eachLimited(clouds, CLOUD_CONCURRENCY, async (cloud) => {
    try {
      const run = await withLease(deps, `probes:${cloud._id}`, PROBE_TICK_LEASE_MS, () =>
        queueCloudProbes(deps, cloud, options.maxMachinesPerCloud ?? 5_000),
      );
      if (run.ran) queued += run.result;
    } catch (err) {
      // One cloud's failure never holds up the others' probes.
      log.error('probe tick failed for a cloud', { cloudId: cloud._id, error: err });
    }
  });
  return queued;
}
