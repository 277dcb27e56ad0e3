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

import { type AuditInput, recordAuditMany } from '../audit/audit.js';
import { eachLimited } from '../core/concurrency.js';
import { jobError, NimboError } from '../core/errors.js';
import { log } from '../core/log.js';
import type { JobDoc, MachineDoc } from '../db/documents.js';
import { enqueueJobs, type JobDeps, type NewJob } from '../jobs/jobs.js';
import { findMachinesForAction } from '../machines/conditions.js';
import { checkAction, machineActionJob } from '../machines/machines.js';
import type { SystemActor } from '../model/actor.js';
import { newScheduleRunId, scheduleActionName } from '../model/schedule.js';
import { prepareScriptRun } from '../scripts/runs.js';
import { findScript } from '../scripts/scripts.js';
import { type ScriptDoc, type ScriptRunDoc, scriptCollections } from '../scripts/store.js';
import { skippedOccurrence } from './calendar-use.js';
import { heldMachines } from './overrides.js';
import { computeNextRunAt, type ScheduleDoc, scheduleStatus } from './rules.js';
import { completeRunIfDone } from './run-completion.js';
import { runSavings } from './savings.js';
import {
  RUN_RETENTION_DAYS,
  type ScheduleRunDoc,
  type ScheduleRunMachine,
  scheduleCollections,
} from './store.js';

/**
 * At most this many machines are acted on per occurrence (the first by id); the run says `truncated`
 * when more matched. It bounds the jobs one tick queues and the size of the run document.
 */
export const MAX_MACHINES_PER_RUN = 10_000;

/** Occurrences run side by side within one tick. */
const TICK_CONCURRENCY = 8;

const DAY_MS = 86_400_000;

/**
 * Claims one due occurrence of `schedule` as read, with a compare-and-set on its nextRunAt (and
 * updatedAt): only if nobody claimed or changed it since. Returns the schedule as claimed, or null when
 * another tick won, the schedule changed, or the occurrence was found due only after the schedule
 * expired (it is then consumed without running).
 */
export async function claimOccurrence(
  deps: JobDeps,
  schedule: ScheduleDoc,
  now: Date,
): Promise<ScheduleDoc | null> {
  const { schedules } = scheduleCollections(deps.db);
  const status = scheduleStatus(schedule, now);
  const filter = {
    _id: schedule._id,
    enabled: true,
    nextRunAt: schedule.nextRunAt,
    updatedAt: schedule.updatedAt,
  };
  if (status.reason === 'expired' || status.reason === 'max_run_count_reached') {
    await schedules.updateOne(filter, { $set: { nextRunAt: null } });
    return null;
  }
  const nextRunAt = computeNextRunAt({ ...schedule, runCount: schedule.runCount + 1 }, now);
  return schedules.findOneAndUpdate(
    filter,
    { $set: { nextRunAt, lastRunAt: now }, $inc: { runCount: 1 } },
    { returnDocument: 'after' },
  );
}

/**
 * The tick's step: claims and runs every due occurrence (at most `limit` per call); returns how many
 * this call ran.
 */
export async function claimDueSchedules(deps: JobDeps, limit = 200): Promise<number> {
  const now = deps.now();
  const due = await scheduleCollections(deps.db)
    .schedules.find({ enabled: true, nextRunAt: { $lte: now } })
    .sort({ nextRunAt: 1 })
    .limit(limit)
    .toArray();
  const claimed: ScheduleDoc[] = [];
  await eachLimited(due, TICK_CONCURRENCY, async (schedule) => {
    try {
      const won = await claimOccurrence(deps, schedule, now);
      if (won) claimed.push(won);
    } catch (err) {
      // One schedule's failure never holds up the others.
      log.error('schedule claim failed', { scheduleId: schedule._id, error: err });
    }
  });
  const runs = await runOccurrences(deps, claimed, now);
  return runs.length;
}

interface Occurrence {
  schedule: ScheduleDoc;
  actor: SystemActor;
  run: ScheduleRunDoc;
  jobs: NewJob[];
  /** For each job, the index of its machine's entry in run.machines. */
  entryOf: number[];
  /** The script runs recorded for its jobs (script.run schedules). */
  scriptRunIds: string[];
}

/** Resolves the conditions (one query) and decides, machine by machine, queue or skip. */
async function prepareOccurrence(deps: JobDeps, schedule: ScheduleDoc, now: Date): Promise<Occurrence> {
  const run: ScheduleRunDoc = {
    _id: newScheduleRunId(),
    orgId: schedule.orgId,
    scheduleId: schedule._id,
    at: now,
    action: scheduleActionName(schedule.action),
    matched: 0,
    queued: 0,
    skipped: 0,
    truncated: false,
    error: null,
    machines: [],
    expireAt: new Date(now.getTime() + RUN_RETENTION_DAYS * DAY_MS),
  };
  // A whole occurrence on an exception day, or outside the windows, acts on no machine: the run says why.
  const skipped = await skippedOccurrence(deps, schedule, now);
  if (skipped) {
    run.occurrenceSkipped = skipped;
    const actor: SystemActor = { type: 'system', orgId: schedule.orgId, name: `schedule:${schedule._id}` };
    return { schedule, actor, run, jobs: [], entryOf: [], scriptRunIds: [] };
  }
  let machines: MachineDoc[] = [];
  let script: ScriptDoc | null = null;
  try {
    if (schedule.action.type === 'script.run') {
      script = await findScript(deps, schedule.orgId, schedule.action.scriptId);
    }
    const found = await findMachinesForAction(
      deps,
      schedule.orgId,
      schedule.conditions,
      MAX_MACHINES_PER_RUN,
      now,
    );
    machines = found.machines;
    run.truncated = found.truncated;
  } catch (err) {
    if (!(err instanceof NimboError)) throw err;
    run.error = jobError(err);
  }
  run.matched = machines.length;
  const held = await heldMachines(
    deps,
    schedule.orgId,
    schedule._id,
    machines.map((m) => m._id),
    now,
  );

  const jobs: NewJob[] = [];
  const entryOf: number[] = [];
  const scriptRuns: ScriptRunDoc[] = [];
  const { action } = schedule;
  for (const m of machines) {
    const entry: ScheduleRunMachine = { machineId: m._id, name: m.name, jobId: null, status: 'queued' };
    const heldBy = held.get(m._id);
    if (heldBy) {
      // An override keeps this schedule off the machine for now (lib/schedules/overrides.ts).
      entry.status = 'skipped';
      entry.reason = heldBy;
      run.machines.push(entry);
      continue;
    }
    try {
      if (action.type === 'script.run') {
        // A script runs wherever SSH reaches: no capability flag decides.
        const prepared = await prepareScriptRun(
          script!,
          m,
          {
            params: action.params,
            env: {},
            timeoutSeconds: action.timeoutSeconds,
            scheduleId: schedule._id,
            runId: run._id,
          },
          now,
        );
        scriptRuns.push(prepared.run);
        entryOf.push(run.machines.length);
        jobs.push(prepared.job);
        run.machines.push(entry);
        continue;
      }
      const params = action.params ?? {};
      checkAction(m, action.action, params);
      entryOf.push(run.machines.length);
      jobs.push(machineActionJob(m._id, action.action, params, { scheduleId: schedule._id, runId: run._id }));
    } catch (err) {
      if (!(err instanceof NimboError)) throw err;
      entry.status = 'skipped';
      entry.reason = err.message;
    }
    run.machines.push(entry);
  }
  run.queued = jobs.length;
  run.skipped = run.machines.length - jobs.length;
  run.savings = await runSavings(deps, schedule, run);
  // The script runs' records exist before their jobs, as the schedule run's does.
  if (scriptRuns.length > 0) await scriptCollections(deps.db).runs.insertMany(scriptRuns);
  const actor: SystemActor = { type: 'system', orgId: schedule.orgId, name: `schedule:${schedule._id}` };
  return { schedule, actor, run, jobs, entryOf, scriptRunIds: scriptRuns.map((r) => r._id) };
}

/** Queues an occurrence's jobs; if that fails, its run says so (enqueueJobs has failed the jobs). */
async function queueOccurrence(deps: JobDeps, o: Occurrence): Promise<void> {
  const { run } = o;
  try {
    const docs = await enqueueJobs(deps, o.actor, o.jobs);
    docs.forEach((d, i) => {
      run.machines[o.entryOf[i]!]!.jobId = d._id;
    });
  } catch (err) {
    run.error = { code: 'enqueue_failed', message: 'The jobs of this run could not be queued' };
    for (const i of o.entryOf) {
      run.machines[i]!.status = 'failed';
      run.machines[i]!.error = run.error;
    }
    const { runs } = scheduleCollections(deps.db);
    // One path per update under machines.$[m]: the embedded local MongoDB refuses two (real MongoDB
    // takes both), and the error first, so an entry never shows failed without its error.
    const queuedOnly = { arrayFilters: [{ 'm.status': 'queued' }] };
    await runs.updateOne(
      { _id: run._id },
      { $set: { error: run.error, 'machines.$[m].error': run.error } },
      queuedOnly,
    );
    await runs.updateOne({ _id: run._id }, { $set: { 'machines.$[m].status': 'failed' } }, queuedOnly);
    if (o.scriptRunIds.length > 0) {
      // Their jobs were never queued: the script runs must not stay queued either.
      await scriptCollections(deps.db).runs.updateMany(
        { _id: { $in: o.scriptRunIds }, status: 'queued' },
        { $set: { status: 'failed', finishedAt: deps.now(), error: run.error } },
      );
    }
    log.error('schedule run could not queue its jobs', {
      scheduleId: o.schedule._id,
      runId: run._id,
      error: err,
    });
  }
}

function runAudit(o: Occurrence): AuditInput {
  const { run } = o;
  return {
    actor: o.actor,
    action: 'schedule.run',
    resource: { type: 'schedule', id: o.schedule._id, name: o.schedule.name },
    ...(run.error ? { result: 'failure' as const } : {}),
    details: {
      runId: run._id,
      action: run.action,
      matched: run.matched,
      queued: run.queued,
      skipped: run.skipped,
      truncated: run.truncated,
      ...(run.error ? { error: run.error } : {}),
      ...(run.occurrenceSkipped ? { occurrenceSkipped: run.occurrenceSkipped } : {}),
    },
  };
}

/**
 * Runs claimed occurrences: resolves each one's machines, records the runs (before any job exists, so a
 * fast worker always finds the entry for its result), queues the jobs, notes their ids on the runs, and
 * audits one schedule.run event per occurrence. The writes common to all occurrences are batched, so a
 * tick of many schedules costs a few round trips per schedule, not a dozen.
 */
export async function runOccurrences(
  deps: JobDeps,
  schedules: ScheduleDoc[],
  now: Date,
): Promise<ScheduleRunDoc[]> {
  if (schedules.length === 0) return [];
  const occurrences: Occurrence[] = [];
  await eachLimited(schedules, TICK_CONCURRENCY, async (schedule) => {
    try {
      occurrences.push(await prepareOccurrence(deps, schedule, now));
    } catch (err) {
      log.error('schedule run failed', { scheduleId: schedule._id, error: err });
    }
  });
  const { runs } = scheduleCollections(deps.db);
  if (occurrences.length === 0) return [];
  await runs.insertMany(
    occurrences.map((o) => o.run),
    { ordered: false },
  );
  await eachLimited(occurrences, TICK_CONCURRENCY, (o) => queueOccurrence(deps, o));
  const jobIds = occurrences
    .filter((o) => !o.run.error && o.entryOf.length > 0)
    .map((o) => ({
      updateOne: {
        filter: { _id: o.run._id },
        update: {
          $set: Object.fromEntries(o.entryOf.map((i) => [`machines.${i}.jobId`, o.run.machines[i]!.jobId])),
        },
      },
    }));
  if (jobIds.length > 0) await runs.bulkWrite(jobIds, { ordered: false });
  const byOrg = new Map<string, AuditInput[]>();
  for (const o of occurrences) byOrg.set(o.run.orgId, [...(byOrg.get(o.run.orgId) ?? []), runAudit(o)]);
  for (const [orgId, inputs] of byOrg) await recordAuditMany(deps, orgId, inputs);
  // A run with no job to wait for (all skipped, none matched, or none could be queued) is complete now.
  for (const o of occurrences) {
    if (o.run.machines.every((m) => m.status !== 'queued'))
      await completeRunIfDone(deps, o.run.orgId, o.run._id);
  }
  return occurrences.map((o) => o.run);
}

/** Runs one occurrence of a schedule already claimed. */
export async function runOccurrence(
  deps: JobDeps,
  schedule: ScheduleDoc,
  now: Date,
): Promise<ScheduleRunDoc> {
  const [run] = await runOccurrences(deps, [schedule], now);
  if (!run) throw new Error(`schedule ${schedule._id}: the run could not be prepared`);
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
  if (res.modifiedCount !== 1) return false;
  await completeRunIfDone(deps, job.orgId, runId);
  return true;
}
