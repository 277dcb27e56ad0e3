/**
 * Runs one job message: claim the job, run its handler, record the outcome. Transient failures
 * (throttling, timeouts, database outages) are retried through the queue's redelivery; everything else
 * fails the job for good, with its error on the job and in the audit trail.
 */
import { gcpPriceAccess } from '../clouds/drivers.js';
import { jobError } from '../core/errors.js';
import { log } from '../core/log.js';
import { executePriceRefresh } from '../costs/tick.js';
import type { JobDoc } from '../db/documents.js';
import { executeChangeSync } from '../dns/sync.js';
import { executePublishJob } from '../events/publish.js';
import { recordEvents } from '../events/record.js';
import { problemRef } from '../events/refs.js';
import { runPollJob } from '../inventory/poll-job.js';
import { claimJob, completeJob, failJob, isTransient, type JobDeps, requeueJob } from '../jobs/jobs.js';
import { executeKeyAssociate, executeKeyDisassociate } from '../keys/deploy.js';
import { executeCreateMachine, executeMachineAction, executeSnapshotJob } from '../machines/jobs.js';
import type { JobMessage } from '../messages/job-message.js';
import type { JobType } from '../model/job.js';
import { runProbeJob } from '../probes/probes.js';
import { ChangePendingError } from '../providers/errors.js';
import { runRuleEvaluation } from '../rules/evaluate.js';
import { recordScheduleJobResult } from '../schedules/runs.js';
import { executeScriptRun, recordScriptRunInterrupted } from '../scripts/runs.js';
import { executeWebhookDelivery } from '../webhooks/deliver.js';

/** What a job does, by its type: each handler lives in its domain and returns the job's result. */
type Handler = (deps: JobDeps, job: JobDoc) => Promise<Record<string, unknown>>;

export const JOB_HANDLERS: Record<JobType, Handler> = {
  'cloud.poll': runPollJob,
  'machine.action': executeMachineAction,
  'machine.create': executeCreateMachine,
  'machine.snapshot': executeSnapshotJob,
  'machine.probe': runProbeJob,
  'key.associate': executeKeyAssociate,
  'key.disassociate': executeKeyDisassociate,
  'script.run': executeScriptRun,
  'dns.sync': executeChangeSync,
  'webhook.deliver': executeWebhookDelivery,
  'events.publish': executePublishJob,
  'rule.evaluate': runRuleEvaluation,
  'prices.refresh': (deps, job) => executePriceRefresh(deps, job, gcpPriceAccess),
};

/** What a job type's own records need when its job was interrupted for good (the job itself is failed). */
const ON_INTERRUPTED: Partial<Record<JobType, (deps: JobDeps, job: JobDoc) => Promise<void>>> = {
  'script.run': recordScriptRunInterrupted,
};

/** 'done' acknowledges the message; 'retry' leaves it for redelivery. */
export async function runJobMessage(deps: JobDeps, msg: JobMessage): Promise<'done' | 'retry'> {
  const outcome = await claimJob(deps, msg);
  if ('interrupted' in outcome) {
    const job = outcome.interrupted;
    log.error('job interrupted on its last attempt: failed', { jobId: job._id, type: job.type });
    await ON_INTERRUPTED[job.type]?.(deps, job);
    await recordScheduleJobResult(deps, job, { status: 'failed', error: job.error });
    await recordJobFailed(
      deps,
      job,
      job.error ?? { code: 'job_interrupted', message: 'The job was interrupted' },
    );
    return 'done';
  }
  if ('skip' in outcome) {
    // A duplicate delivery of a finished job acts no more. A job another worker holds is asked for again
    // once that worker's lease is over, by a delayed message: leaving this one for redelivery would spend
    // its receives (and send it to the dead letters) while a dead worker's lease runs.
    if (outcome.skip === 'busy')
      await requeueJob(deps, { _id: msg.jobId, orgId: msg.orgId }, outcome.retryInSeconds);
    return 'done';
  }
  const job = outcome.claimed;
  let result: Record<string, unknown>;
  try {
    result = await JOB_HANDLERS[job.type](deps, job);
  } catch (err) {
    const transient = isTransient(err);
    const verdict = await failJob(deps, job, err, transient);
    const fields = { jobId: job._id, type: job.type, attempt: job.attempts, error: err };
    if (verdict === 'retry' && err instanceof ChangePendingError) {
      // Not a failure: ask again soon with a delayed message, rather than after the queue's visibility timeout.
      await requeueJob(deps, job, err.retryAfterSeconds);
      return 'done';
    }
    if (verdict === 'retry') {
      log.warn('job failed, will retry', fields);
      return 'retry';
    }
    log.error('job failed', fields);
    // A schedule's run records each machine's final outcome (jobs without a runId are ignored).
    await recordScheduleJobResult(deps, job, { status: 'failed', error: jobError(err) });
    await recordJobFailed(deps, job, jobError(err));
    return 'done';
  }
  await completeJob(deps, job, result);
  await recordScheduleJobResult(deps, job, { status: 'succeeded' });
  return 'done';
}

/**
 * Jobs that carry events out tell of their failures in their own records (a delivery's log, a disabled
 * webhook): a job.failed for them would be delivered by the very thing that failed.
 */
const SILENT_FAILURES: ReadonlySet<JobType> = new Set<JobType>([
  'webhook.deliver',
  'events.publish',
  // No org's: a failed refresh is kept on its region and retried by the tick.
  'prices.refresh',
]);

async function recordJobFailed(deps: JobDeps, job: JobDoc, error: { code: string; message: string }) {
  if (SILENT_FAILURES.has(job.type)) return;
  const data = {
    jobId: job._id,
    jobType: job.type,
    resource: { type: job.resource.type, id: job.resource.id },
    attempts: Math.max(1, job.attempts),
    error: problemRef(error),
  };
  try {
    await recordEvents(deps, [{ orgId: job.orgId, type: 'job.failed', data }]);
  } catch (err) {
    // The job's failure is recorded on the job and in the audit trail; the event is the extra.
    log.error('job.failed event not recorded', { jobId: job._id, error: err });
  }
}
