/**
 * Running schedules. Each tick finds the due schedules, and claims each occurrence with a compare-and-set
 * on the `nextRunAt` it read, advancing it in the same write: of any number of concurrent ticks, only the
 * one whose write lands runs the occurrence. The next run is computed from now, so after downtime the
 * missed occurrences run once, not once per missed period. (Like due polls, this is the one query that
 * spans orgs: it is how the system finds work, not a tenant's read.)
 *
 * An occurrence resolves its conditions with one query, records a run, and queues one machine.action job
 * per machine whose capability flags allow the action; the others are recorded as skipped, with the
 * reason. The worker reports each job's outcome back with recordScheduleJobResult.
 */
import type { SystemActor } from '../auth/actor.js';
import type { MachineAction } from '../clouds/capabilities.js';
import { collections } from '../db/collections.js';
import type { JobDoc, MachineDoc } from '../db/documents.js';
import { NimboError } from '../errors.js';
import { log } from '../log.js';
import { newScheduleRunId } from '../model/schedule.js';
import { recordAudit } from './audit.js';
import { compileConditions } from './conditions.js';
import { enqueueJobs, type JobDeps, jobError, type NewJob } from './jobs.js';
import { checkAction } from './machines.js';
import { computeNextRunAt, type ScheduleDoc, scheduleStatus } from './schedule-rules.js';
import {
  RUN_RETENTION_DAYS,
  type ScheduleRunDoc,
  type ScheduleRunMachine,
  scheduleCollections,
} from './schedule-store.js';

/**
 * At most this many machines are acted on per occurrence (the first by id); the run says `truncated`
 * when more matched. It bounds the jobs one tick queues and the size of the run document.
 */
export const MAX_MACHINES_PER_RUN = 10_000;

/** Occurrences run side by side within one tick. */
const TICK_CONCURRENCY = 8;

const DAY_MS = 86_400_000;

export type ClaimResult = 'ran' | 'lost' | 'expired';

/**
 * Claims one due occurrence of `schedule` as read: only if nobody claimed or changed it since. An
 * occurrence found due after the schedule expired is consumed without running.
 */
export async function claimOccurrence(deps: JobDeps, schedule: ScheduleDoc, now: Date): Promise<ClaimResult> {
  const { schedules } = scheduleCollections(deps.db);
  const status = scheduleStatus(schedule, now);
  const stale = status.reason === 'expired' || status.reason === 'max_run_count_reached';
  const filter = {
    _id: schedule._id,
    enabled: true,
    nextRunAt: schedule.nextRunAt,
    updatedAt: schedule.updatedAt,
  };
  if (stale) {
    await schedules.updateOne(filter, { $set: { nextRunAt: null } });
    return 'expired';
  }
  const nextRunAt = computeNextRunAt({ ...schedule, runCount: schedule.runCount + 1 }, now);
  const claimed = await schedules.findOneAndUpdate(
    filter,
    { $set: { nextRunAt, lastRunAt: now }, $inc: { runCount: 1 } },
    { returnDocument: 'after' },
  );
  if (!claimed) return 'lost'; // another tick ran it, or someone changed the schedule in between
  await runOccurrence(deps, claimed, now);
  return 'ran';
}

/** The tick's step: runs every due occurrence; returns how many this tick ran. */
export async function claimDueSchedules(deps: JobDeps, limit = 200): Promise<number> {
  const now = deps.now();
  const due = await scheduleCollections(deps.db)
    .schedules.find({ enabled: true, nextRunAt: { $lte: now } })
    .sort({ nextRunAt: 1 })
    .limit(limit)
    .toArray();
  let ran = 0;
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const schedule = due[next++]!;
      try {
        if ((await claimOccurrence(deps, schedule, now)) === 'ran') ran++;
      } catch (err) {
        // One schedule's failure never holds up the others; its run (if claimed) records the error.
        log.error('schedule run failed', { scheduleId: schedule._id, error: err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(TICK_CONCURRENCY, due.length) }, worker));
  return ran;
}

const MACHINE_FIELDS = {
  _id: 1,
  orgId: 1,
  name: 1,
  provider: 1,
  state: 1,
  size: 1,
  actions: 1,
  missingSince: 1,
} as const;

/** Resolves the conditions, records the run, queues the jobs, audits the occurrence. */
export async function runOccurrence(
  deps: JobDeps,
  schedule: ScheduleDoc,
  now: Date,
): Promise<ScheduleRunDoc> {
  const actor: SystemActor = { type: 'system', orgId: schedule.orgId, name: `schedule:${schedule._id}` };
  const action = schedule.action.action as MachineAction;
  const params = schedule.action.params ?? {};
  const run: ScheduleRunDoc = {
    _id: newScheduleRunId(),
    orgId: schedule.orgId,
    scheduleId: schedule._id,
    at: now,
    action,
    matched: 0,
    queued: 0,
    skipped: 0,
    truncated: false,
    error: null,
    machines: [],
    expireAt: new Date(now.getTime() + RUN_RETENTION_DAYS * DAY_MS),
  };
  const { runs } = scheduleCollections(deps.db);

  let machines: MachineDoc[] = [];
  try {
    const filter = compileConditions(schedule.conditions, schedule.orgId, now);
    machines = (await collections(deps.db)
      .machines.find(filter, { projection: MACHINE_FIELDS })
      .sort({ _id: 1 })
      .limit(MAX_MACHINES_PER_RUN + 1)
      .toArray()) as MachineDoc[];
  } catch (err) {
    if (!(err instanceof NimboError)) throw err;
    run.error = jobError(err);
  }
  run.truncated = machines.length > MAX_MACHINES_PER_RUN;
  if (run.truncated) machines = machines.slice(0, MAX_MACHINES_PER_RUN);
  run.matched = machines.length;

  const jobs: NewJob[] = [];
  const queuedAt: number[] = [];
  for (const m of machines) {
    const entry: ScheduleRunMachine = { machineId: m._id, name: m.name, jobId: null, status: 'queued' };
    try {
      checkAction(m, action, params);
      queuedAt.push(run.machines.length);
      jobs.push({
        type: 'machine.action',
        resource: { type: 'machine', id: m._id },
        input: {
          machineId: m._id,
          action,
          ...(params.size ? { size: params.size } : {}),
          ...(params.name ? { name: params.name } : {}),
          scheduleId: schedule._id,
          runId: run._id,
        },
      });
    } catch (err) {
      if (!(err instanceof NimboError)) throw err;
      entry.status = 'skipped';
      entry.reason = err.message;
    }
    run.machines.push(entry);
  }
  run.queued = jobs.length;
  run.skipped = run.machines.length - jobs.length;

  // The run exists before its jobs do, so a fast worker always finds the entry to record its result in.
  await runs.insertOne(run);
  try {
    const docs = await enqueueJobs(deps, actor, jobs);
    if (docs.length > 0) {
      const set = Object.fromEntries(docs.map((d, i) => [`machines.${queuedAt[i]}.jobId`, d._id]));
      await runs.updateOne({ _id: run._id }, { $set: set });
      docs.forEach((d, i) => {
        run.machines[queuedAt[i]!]!.jobId = d._id;
      });
    }
  } catch (err) {
    // enqueueJobs has already failed the jobs; the run says so too.
    run.error = { code: 'enqueue_failed', message: 'The jobs of this run could not be queued' };
    // One path per update under machines.$[m]: the embedded local MongoDB refuses two (real MongoDB
    // takes both), and the error first, so an entry never shows failed without its error.
    const queuedOnly = { arrayFilters: [{ 'm.status': 'queued' }] };
    await runs.updateOne(
      { _id: run._id },
      { $set: { error: run.error, 'machines.$[m].error': run.error } },
      queuedOnly,
    );
    await runs.updateOne({ _id: run._id }, { $set: { 'machines.$[m].status': 'failed' } }, queuedOnly);
    log.error('schedule run could not queue its jobs', {
      scheduleId: schedule._id,
      runId: run._id,
      error: err,
    });
  }

  await recordAudit(deps, {
    actor,
    action: 'schedule.run',
    resource: { type: 'schedule', id: schedule._id, name: schedule.name },
    ...(run.error ? { result: 'failure' as const } : {}),
    details: {
      runId: run._id,
      action,
      matched: run.matched,
      queued: run.queued,
      skipped: run.skipped,
      truncated: run.truncated,
      ...(run.error ? { error: run.error } : {}),
    },
  });
  return run;
}

export interface ScheduleJobOutcome {
  status: 'succeeded' | 'failed';
  /** The job's error: `{code, message}` (as on the job), a message, or the thrown error. */
  error?: unknown;
}

function outcomeError(error: unknown): { code: string; message: string } {
  if (error && typeof error === 'object' && !(error instanceof Error)) {
    const e = error as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string')
      return { code: e.code, message: e.message };
  }
  if (typeof error === 'string') return { code: 'job_failed', message: error };
  return jobError(error);
}

/**
 * Records the final outcome of a schedule's machine.action job on its run (jobs without a runId are
 * ignored). Only an entry still queued is changed, so a redelivered outcome is recorded once. Returns
 * whether an entry changed.
 */
export async function recordScheduleJobResult(
  deps: JobDeps,
  job: Pick<JobDoc, '_id' | 'orgId' | 'input'>,
  outcome: ScheduleJobOutcome,
): Promise<boolean> {
  const runId = job.input.runId;
  const machineId = job.input.machineId;
  if (typeof runId !== 'string' || typeof machineId !== 'string') return false;
  // The job id is on the entry since the run queued it. One path per update (see runOccurrence): the
  // error first, then the status, whose guard on 'queued' makes a repeated outcome change nothing.
  const { runs } = scheduleCollections(deps.db);
  const filter = { _id: runId, orgId: job.orgId };
  const entry = { arrayFilters: [{ 'm.machineId': machineId, 'm.status': 'queued' }] };
  if (outcome.status === 'failed') {
    await runs.updateOne(filter, { $set: { 'machines.$[m].error': outcomeError(outcome.error) } }, entry);
  }
  const res = await runs.updateOne(filter, { $set: { 'machines.$[m].status': outcome.status } }, entry);
  return res.modifiedCount === 1;
}
