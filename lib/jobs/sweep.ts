/**
 * The sweep: no job waits forever for a message that will never come. A job's message can be lost while
 * the job is unfinished: it went to the dead letters (its worker could not claim it three times: the
 * database was down), a command's retry that would have sent it again was itself dead-lettered, or a
 * process died between writing the job and sending its message. Each tick, a job that has been queued,
 * or running under an expired lease, for longer than any live message can stay out of sight gets a new
 * message; claimJob then runs it, takes it over, or fails it as interrupted on its last attempt, so a
 * duplicate is harmless. The tick calls it (functions/tick.ts).
 */
import { collections } from '../db/collections.js';
import type { JobDoc } from '../db/documents.js';
import { type JobDeps, requeueJob } from './jobs.js';

/**
 * Longer than a live message stays out of sight: SQS's longest delay (15 minutes) and the deployed queue's
 * visibility timeout (12 minutes, six times the worker's); sooner, a duplicate would be sent for nothing.
 */
export const STRANDED_AFTER_MS = 20 * 60_000;

/** Sends a message again for every stranded job (at most `limit`), answering how many. */
export async function resendStrandedJobs(deps: JobDeps, limit = 500): Promise<number> {
  const now = deps.now();
  const cutoff = new Date(now.getTime() - STRANDED_AFTER_MS);
  const { jobs } = collections(deps.db);
  const stranded = await jobs
    .find(
      {
        $and: [
          {
            $or: [
              // Queued since before the cutoff: created then, and not claimed since.
              { status: 'queued', createdAt: { $lt: cutoff }, startedAt: null },
              { status: 'queued', createdAt: { $lt: cutoff }, startedAt: { $lt: cutoff } },
              // Its worker's lease ran out before the cutoff, and nobody took it over.
              { status: 'running', leaseUntil: { $lt: cutoff } },
            ],
          },
          { $or: [{ resentAt: null }, { resentAt: { $lt: cutoff } }] },
        ],
      },
      { projection: { _id: 1, orgId: 1, status: 1, attempts: 1, resentAt: 1 } },
    )
    .sort({ createdAt: 1 })
    .limit(limit)
    .toArray();
  let resent = 0;
  for (const job of stranded as Array<Pick<JobDoc, '_id' | 'orgId' | 'status' | 'attempts' | 'resentAt'>>) {
    // Compare-and-set on what was read: overlapping ticks send one message, and a job claimed meanwhile none.
    const marked = await jobs.updateOne(
      { _id: job._id, status: job.status, attempts: job.attempts, resentAt: job.resentAt ?? null },
      { $set: { resentAt: now } },
    );
    if (marked.modifiedCount !== 1) continue;
    await requeueJob(deps, job, 0);
    resent++;
  }
  return resent;
}
