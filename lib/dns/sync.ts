/**
 * Waiting for a DNS change to be INSYNC, as a job: each attempt asks the provider once (GetChange); while
 * the change is PENDING the job goes back to queued with a delayed message (job-runner.ts), so no worker
 * sleeps on it.
 */

import { dnsDriverFor } from '../clouds/drivers.js';
import { collections } from '../db/collections.js';
import type { JobDoc } from '../db/documents.js';
import { findCloud } from '../db/lookups.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import type { Actor } from '../model/actor.js';
import type { ChangeStatus } from '../providers/dns.js';
import { ChangePendingError } from '../providers/errors.js';

/** Every 15 s for five minutes: Route 53 usually syncs within one. */
export const SYNC_MAX_ATTEMPTS = 20;

export async function requestChangeSync(
  deps: JobDeps,
  actor: Actor,
  target: { cloudId: string; zoneId: string; change: ChangeStatus },
  requestId: string | null,
): Promise<JobDoc> {
  const [job] = await enqueueJobs(
    deps,
    actor,
    [
      {
        type: 'dns.sync',
        resource: { type: 'zone', id: target.zoneId },
        input: { cloudId: target.cloudId, zoneId: target.zoneId, changeId: target.change.id },
        maxAttempts: SYNC_MAX_ATTEMPTS,
      },
    ],
    requestId,
  );
  return job!;
}

export async function executeChangeSync(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const cloud = await findCloud(deps, job.orgId, String(job.input.cloudId));
  const driver = await dnsDriverFor(deps, cloud);
  const changeId = String(job.input.changeId);
  const change = await driver.getChange(changeId);
  await collections(deps.db).zones.updateOne(
    { _id: String(job.input.zoneId), orgId: job.orgId, 'lastChange.id': changeId },
    { $set: { 'lastChange.status': change.status } },
  );
  if (change.status !== 'INSYNC') {
    throw new ChangePendingError(`DNS change ${changeId} is still ${change.status}`);
  }
  return { changeId, status: change.status };
}
