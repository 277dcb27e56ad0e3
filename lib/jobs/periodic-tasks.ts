/**
 * Periodic tasks (mist's PeriodicTaskInfo, made atomic): one document per task key with a lease. A run
 * takes the lease only when it is free or expired, in a single findOneAndUpdate; it releases it by its
 * own lock id only, so a run whose lease expired cannot release the lease of the run that took over.
 */
import { randomUUID } from 'node:crypto';
import { MongoServerError } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { jobError } from '../core/errors.js';
import { collections } from '../db/collections.js';

export interface Lease {
  key: string;
  lockId: string;
  until: Date;
}

export async function acquireLease(deps: ServiceDeps, key: string, leaseMs: number): Promise<Lease | null> {
  const now = deps.now();
  const lockId = randomUUID();
  const until = new Date(now.getTime() + leaseMs);
  try {
    const doc = await collections(deps.db).periodicTasks.findOneAndUpdate(
      { _id: key, $or: [{ lockId: null }, { lockedUntil: { $lte: now } }] },
      {
        $set: { lockId, lockedUntil: until, lastStartedAt: now },
        $setOnInsert: { failureCount: 0, lastSucceededAt: null, lastFailedAt: null, lastError: null },
      },
      { upsert: true, returnDocument: 'after' },
    );
    return doc ? { key, lockId, until } : null;
  } catch (err) {
    // The upsert found the task locked and tried to insert a second document with its key.
    if (err instanceof MongoServerError && err.code === 11000) return null;
    throw err;
  }
}

export async function releaseLease(
  deps: ServiceDeps,
  lease: Lease,
  outcome: { error?: unknown },
): Promise<boolean> {
  const now = deps.now();
  const update = outcome.error
    ? {
        $set: { lockId: null, lockedUntil: null, lastFailedAt: now, lastError: jobError(outcome.error) },
        $inc: { failureCount: 1 },
      }
    : { $set: { lockId: null, lockedUntil: null, lastSucceededAt: now, failureCount: 0, lastError: null } };
  const res = await collections(deps.db).periodicTasks.updateOne(
    { _id: lease.key, lockId: lease.lockId },
    update,
  );
  return res.modifiedCount === 1;
}

/** Runs `work` under the task's lease; null when another run holds it. */
export async function withLease<T>(
  deps: ServiceDeps,
  key: string,
  leaseMs: number,
  work: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const lease = await acquireLease(deps, key, leaseMs);
  if (!lease) return { ran: false };
  try {
    const result = await work();
    await releaseLease(deps, lease, {});
    return { ran: true, result };
  } catch (error) {
    await releaseLease(deps, lease, { error });
    throw error;
  }
}
