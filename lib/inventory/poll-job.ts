/**
 * The `cloud.poll` job: one cloud's machines, then its zones and networks, under the cloud's poll lease so
 * that two polls of one cloud never overlap. A deleted or disabled cloud is skipped, not failed.
 */
import { recordAudit } from '../audit/audit.js';
import { NotFoundError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, JobDoc } from '../db/documents.js';
import { findCloud } from '../db/lookups.js';
import { type JobDeps, jobActor } from '../jobs/jobs.js';
import { withLease } from '../jobs/periodic-tasks.js';
import { pollCloudResources } from './cloud-resources.js';
import { pollCloud } from './machines.js';

/** Longer than a poll of the largest cloud takes; a crashed poll frees its cloud after it. */
const POLL_LEASE_MS = 5 * 60_000;

export async function runPollJob(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  let cloud: CloudDoc;
  try {
    cloud = await findCloud(deps, job.orgId, String(job.input.cloudId));
  } catch (err) {
    if (err instanceof NotFoundError) return { skipped: 'the cloud was deleted' };
    throw err;
  }
  if (!cloud.enabled) return { skipped: 'the cloud is disabled' };
  // Any poll serves as the follow-up that machine actions asked for.
  await collections(deps.db).clouds.updateOne({ _id: cloud._id }, { $set: { followUpPollAt: null } });
  const audit = {
    actor: jobActor(job),
    action: 'cloud.poll',
    resource: { type: 'cloud', id: cloud._id, name: cloud.name },
    jobId: job._id,
  };
  try {
    // One poll of a cloud at a time, however many jobs ask (a slow poll overlapping the next one).
    const run = await withLease(deps, `poll:${cloud._id}`, POLL_LEASE_MS, async () => ({
      ...(await pollCloud(deps, cloud, job._id)),
      // Zones and networks once the machines are written: their failures are reported, never thrown.
      ...(await pollCloudResources(deps, cloud, job._id)),
    }));
    if (!run.ran) return { skipped: 'another poll of this cloud is running' };
    await recordAudit(deps, { ...audit, details: { ...run.result } });
    return { ...run.result };
  } catch (err) {
    await recordAudit(deps, { ...audit, error: err });
    throw err;
  }
}
