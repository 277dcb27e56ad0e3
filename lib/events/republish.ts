/**
 * The sweep of the event bus's outbox: no event stays unpublished because its job gave up. A publish job
 * fails for good after three attempts (the bus unavailable for half an hour, or not allowing Nimbo to put
 * events until the deployment is fixed); its events keep `publishedAt: null`, and each tick queues a new job
 * for those whose publication was queued long ago. A job sends only what is still unpublished, so the sweep
 * never duplicates what went. The tick calls it (lib/app/tick.ts).
 */
import { collections } from '../db/collections.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import { hasEventBus } from '../messages/buses.js';
import type { SystemActor } from '../model/actor.js';
import { publishJobs } from './record.js';

/**
 * Longer than a publish job lives (three attempts, a visibility timeout of 12 minutes apart, and a lease of
 * 5): sooner, the sweep would queue a second job while the first may still send, and both would put them.
 */
export const REPUBLISH_AFTER_MS = 60 * 60_000;

/** Queues publish jobs again for unpublished events queued before the cutoff (at most `limit`); answers how many. */
export async function requeueUnpublishedEvents(deps: JobDeps, limit = 500): Promise<number> {
  if (!hasEventBus(deps)) return 0;
  const now = deps.now();
  const cutoff = new Date(now.getTime() - REPUBLISH_AFTER_MS);
  const { events } = collections(deps.db);
  const due = await events
    .find(
      { publishedAt: null, publishQueuedAt: { $lt: cutoff }, publishRefused: null },
      { projection: { _id: 1, orgId: 1, publishQueuedAt: 1 } },
    )
    .sort({ publishQueuedAt: 1 })
    .limit(limit)
    .toArray();
  const byOrg = new Map<string, string[]>();
  for (const e of due) {
    // Compare-and-set on what was read: of two overlapping ticks, one queues the event.
    const claimed = await events.updateOne(
      { _id: e._id, publishQueuedAt: e.publishQueuedAt, publishedAt: null },
      { $set: { publishQueuedAt: now } },
    );
    if (claimed.modifiedCount !== 1) continue;
    byOrg.set(e.orgId, [...(byOrg.get(e.orgId) ?? []), e._id]);
  }
  let queued = 0;
  for (const [orgId, ids] of byOrg) {
    const actor: SystemActor = { type: 'system', orgId, name: 'events' };
    await enqueueJobs(deps, actor, publishJobs(orgId, ids));
    queued += ids.length;
  }
  return queued;
}
