/**
 * Due polls: each minute, every enabled cloud whose nextPollAt has come gets one poll job. Claiming
 * advances nextPollAt in the same write, so overlapping ticks never queue the same poll twice.
 * (This is the one query that spans orgs: it is how the system finds work, not a tenant's read.)
 */

import { pollJob } from '../clouds/clouds.js';
import { collections } from '../db/collections.js';
import type { CloudDoc } from '../db/documents.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import type { SystemActor } from '../model/actor.js';

/** Pure: when a cloud polled at `now` is next due. */
export function nextPollAfter(cloud: Pick<CloudDoc, 'pollIntervalMinutes'>, now: Date): Date {
  return new Date(now.getTime() + cloud.pollIntervalMinutes * 60_000);
}

export async function enqueueDuePolls(deps: JobDeps, limit = 500): Promise<number> {
  const now = deps.now();
  const { clouds } = collections(deps.db);
  const due = await clouds
    .find(
      { enabled: true, nextPollAt: { $lte: now } },
      { projection: { _id: 1, orgId: 1, pollIntervalMinutes: 1 } },
    )
    .sort({ nextPollAt: 1 })
    .limit(limit)
    .toArray();
  let queued = 0;
  for (const cloud of due) {
    const claimed = await clouds.updateOne(
      { _id: cloud._id, enabled: true, nextPollAt: { $lte: now } },
      { $set: { nextPollAt: nextPollAfter(cloud, now) } },
    );
    if (claimed.modifiedCount !== 1) continue; // another tick took it
    const actor: SystemActor = { type: 'system', orgId: cloud.orgId, name: 'tick' };
    await enqueueJobs(deps, actor, [pollJob(cloud._id)]);
    queued++;
  }
  return queued;
}
