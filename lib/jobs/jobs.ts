/**
 * Jobs: long work the API hands to the worker. The job document is the source of truth (status, result,
 * error); the queue message only points at it. Claiming is atomic, so a redelivered message or two
 * workers never run the same job twice at once, and a finished job is never run again.
 */

import { DEFAULT_JOB_LEASE_MS, readConfig } from '../core/config.js';
import type { ServiceDeps } from '../core/deps.js';
import { DatabaseUnavailableError, jobError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { JobDoc } from '../db/documents.js';
import { asDatabaseError, isDuplicateKeyError } from '../db/errors.js';
import { findInOrg } from '../db/lookups.js';
import { type BusDeps, EventBusUnavailableError } from '../messages/bus.js';
import type { JobMessage } from '../messages/job-message.js';
import { jobsQueue, type MessageQueue } from '../messages/queue.js';
import { type Actor, actorRef, type RecordedActor } from '../model/actor.js';
import { isoOrNull, newId } from '../model/common.js';
import type { JobType, JobView } from '../model/job.js';
import { isTransientProviderError } from '../providers/errors.js';

/** Longer than any single job should take: a worker that died mid-job lets another take over after it. */
export const JOB_LEASE_MS = DEFAULT_JOB_LEASE_MS;
const FINISHED_JOB_TTL_MS = 30 * 86_400_000;
/** SQS's longest DelaySeconds. */
const MAX_DELAY_SECONDS = 900;

/** The lease read from the environment, kept until the variable changes (every claim asks for it). */
let lease: { raw: string | undefined; ms: number } | undefined;

/** The lease in force: JOB_LEASE_MS unless NIMBO_JOB_LEASE_MS says otherwise. */
export function jobLeaseMs(): number {
  const raw = process.env.NIMBO_JOB_LEASE_MS;
  if (!lease || lease.raw !== raw) lease = { raw, ms: readConfig().NIMBO_JOB_LEASE_MS };
  return lease.ms;
}

export interface NewJob {
  type: JobType;
  resource: { type: string; id: string };
  input: Record<string, unknown>;
  maxAttempts?: number;
  delaySeconds?: number;
}

export interface JobDeps extends ServiceDeps, BusDeps {
  queue?: MessageQueue;
  /** Time the invocation has left (Lambda's getRemainingTimeInMillis), where long work must fit in it. */
  remainingTimeMs?: () => number;
}

export function toJobView(doc: JobDoc): JobView {
  return {
    id: doc._id,
    type: doc.type,
    status: doc.status,
    resource: doc.resource,
    input: doc.input,
    result: doc.result,
    error: doc.error,
    attempts: doc.attempts,
    createdAt: doc.createdAt.toISOString(),
    startedAt: isoOrNull(doc.startedAt),
    finishedAt: isoOrNull(doc.finishedAt),
    requestId: doc.requestId,
  };
}

export function newJobDoc(
  job: NewJob,
  actor: Actor | RecordedActor,
  requestId: string | null,
  now: Date,
): JobDoc {
  return {
    _id: newId('job'),
    orgId: actor.orgId,
    type: job.type,
    status: 'queued',
    resource: job.resource,
    input: job.input,
    result: null,
    error: null,
    attempts: 0,
    maxAttempts: job.maxAttempts ?? 3,
    leaseUntil: null,
    actor: actorRef(actor),
    requestId,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    expireAt: null,
  };
}

function message(doc: Pick<JobDoc, '_id' | 'orgId'>, delaySeconds?: number) {
  const body: JobMessage = { version: 1, jobId: doc._id, orgId: doc.orgId };
  return { body: JSON.stringify(body), ...(delaySeconds ? { delaySeconds } : {}) };
}

/**
 * Saves the jobs, then queues them. If queueing fails the jobs are marked failed (not left queued
 * forever) and the error propagates, so the caller sees it.
 */
export async function enqueueJobs(
  deps: JobDeps,
  actor: Actor | RecordedActor,
  jobs: NewJob[],
  requestId: string | null = null,
): Promise<JobDoc[]> {
  if (jobs.length === 0) return [];
  const now = deps.now();
  const docs = jobs.map((j) => newJobDoc(j, actor, requestId, now));
  const { jobs: coll } = collections(deps.db);
  await coll.insertMany(docs, { ordered: true });
  try {
    const queue = deps.queue ?? jobsQueue();
    const messages = docs.map((d, i) => message(d, jobs[i]!.delaySeconds));
    if (messages.length === 1) await queue.send(messages[0]!);
    else await queue.sendBatch(messages);
  } catch (err) {
    await coll.updateMany(
      { _id: { $in: docs.map((d) => d._id) } },
      {
        $set: {
          status: 'failed',
          error: { code: 'enqueue_failed', message: 'The job could not be queued' },
          finishedAt: deps.now(),
          expireAt: new Date(deps.now().getTime() + FINISHED_JOB_TTL_MS),
        },
      },
    );
    throw err;
  }
  return docs;
}

/**
 * Like enqueueJobs, for work that may be asked for again (a redelivered command): each job carries an id
 * derived from the request, so a repeated call finds the jobs of the first one instead of making new ones,
 * and sends their messages again (claimJob skips a job that already ran). A failure to queue leaves the
 * jobs queued and throws, for the caller's retry to send them.
 */
export async function enqueueJobsOnce(
  deps: JobDeps,
  actor: Actor | RecordedActor,
  jobs: Array<NewJob & { id: string }>,
  requestId: string | null,
): Promise<JobDoc[]> {
  if (jobs.length === 0) return [];
  const now = deps.now();
  const docs = jobs.map((j) => ({ ...newJobDoc(j, actor, requestId, now), _id: j.id }));
  try {
    await collections(deps.db).jobs.insertMany(docs, { ordered: false });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  await (deps.queue ?? jobsQueue()).sendBatch(docs.map((d, i) => message(d, jobs[i]!.delaySeconds)));
  return docs;
}

/**
 * Another delivery of a job, later: for work that waits on something (a DNS change to be INSYNC), a job
 * another worker holds (until its lease ends), or a job whose message was lost (lib/jobs/sweep.ts).
 */
export async function requeueJob(
  deps: JobDeps,
  job: Pick<JobDoc, '_id' | 'orgId'>,
  delaySeconds: number,
): Promise<void> {
  await (deps.queue ?? jobsQueue()).send(message(job, delaySeconds));
}

export async function getJob(deps: ServiceDeps, orgId: string, jobId: string): Promise<JobView> {
  return toJobView(await findInOrg(collections(deps.db).jobs, 'Job', orgId, jobId));
}

export type ClaimOutcome =
  | { claimed: JobDoc }
  | { skip: 'finished' | 'missing' }
  /** Another worker holds it: ask again once its lease is over, in `retryInSeconds` (1 to 900). */
  | { skip: 'busy'; retryInSeconds: number }
  /** Its worker stopped mid-job (a Lambda timeout) on its last attempt: now failed, never run again. */
  | { interrupted: JobDoc };

const INTERRUPTED = {
  code: 'interrupted',
  message: 'The job was interrupted (its worker stopped before it finished) and has no attempt left',
};

/**
 * Takes the job if it is queued, or running under an expired lease (its worker died) with attempts left.
 * A job whose worker died on its last attempt is failed instead: a job that must not run twice (a script)
 * has one attempt, so a redelivery after a timeout never starts it again.
 */
export async function claimJob(deps: ServiceDeps, msg: JobMessage): Promise<ClaimOutcome> {
  const now = deps.now();
  const { jobs } = collections(deps.db);
  const leaseMs = jobLeaseMs();
  const take = {
    $set: { status: 'running' as const, startedAt: now, leaseUntil: new Date(now.getTime() + leaseMs) },
    $inc: { attempts: 1 },
  };
  // Once the lease read is over; without one (another delivery just took the job), a second later, to read it.
  const busy = (leaseUntil: Date | null | undefined): ClaimOutcome => {
    const ms = leaseUntil && leaseUntil > now ? leaseUntil.getTime() - now.getTime() : 1000;
    return { skip: 'busy', retryInSeconds: Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(ms / 1000))) };
  };
  const claimed = await jobs.findOneAndUpdate({ _id: msg.jobId, orgId: msg.orgId, status: 'queued' }, take, {
    returnDocument: 'after',
  });
  if (claimed) return { claimed };
  const current = await jobs.findOne({ _id: msg.jobId, orgId: msg.orgId });
  if (!current) return { skip: 'missing' };
  if (current.status === 'succeeded' || current.status === 'failed') return { skip: 'finished' };
  if (current.status !== 'running' || (current.leaseUntil && current.leaseUntil > now))
    return busy(current.leaseUntil);
  // Compare-and-set on what was read: of two redeliveries, one decides.
  const asRead = {
    _id: current._id,
    status: 'running' as const,
    leaseUntil: current.leaseUntil,
    attempts: current.attempts,
  };
  if (current.attempts >= current.maxAttempts) {
    const failed = await jobs.findOneAndUpdate(
      asRead,
      {
        $set: {
          status: 'failed',
          error: INTERRUPTED,
          finishedAt: now,
          leaseUntil: null,
          expireAt: new Date(now.getTime() + FINISHED_JOB_TTL_MS),
        },
      },
      { returnDocument: 'after' },
    );
    return failed ? { interrupted: failed } : busy(null);
  }
  const retaken = await jobs.findOneAndUpdate(asRead, take, { returnDocument: 'after' });
  return retaken ? { claimed: retaken } : busy(null);
}

export async function completeJob(
  deps: ServiceDeps,
  job: JobDoc,
  result: Record<string, unknown>,
): Promise<void> {
  const now = deps.now();
  await collections(deps.db).jobs.updateOne(
    { _id: job._id, status: 'running' },
    {
      $set: {
        status: 'succeeded',
        result,
        error: null,
        finishedAt: now,
        leaseUntil: null,
        expireAt: new Date(now.getTime() + FINISHED_JOB_TTL_MS),
      },
    },
  );
}

/** A transient failure with attempts left goes back to queued (the message will be redelivered). */
export async function failJob(
  deps: ServiceDeps,
  job: JobDoc,
  err: unknown,
  retry: boolean,
): Promise<'retry' | 'failed'> {
  const now = deps.now();
  const { jobs } = collections(deps.db);
  if (retry && job.attempts < job.maxAttempts) {
    await jobs.updateOne(
      { _id: job._id, status: 'running' },
      { $set: { status: 'queued', leaseUntil: null, error: jobError(err) } },
    );
    return 'retry';
  }
  await jobs.updateOne(
    { _id: job._id, status: 'running' },
    {
      $set: {
        status: 'failed',
        error: jobError(err),
        finishedAt: now,
        leaseUntil: null,
        expireAt: new Date(now.getTime() + FINISHED_JOB_TTL_MS),
      },
    },
  );
  return 'failed';
}

/** Who a job acts for, for its audit events and the jobs it starts. */
export function jobActor(job: JobDoc): RecordedActor {
  return { ...job.actor, orgId: job.orgId };
}

/** Worth another attempt: throttling, timeouts, a provider's, the event bus's or the database's outage. */
export function isTransient(err: unknown): boolean {
  return (
    isTransientProviderError(err) ||
    err instanceof EventBusUnavailableError ||
    asDatabaseError(err) instanceof DatabaseUnavailableError
  );
}
