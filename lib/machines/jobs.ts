/**
 * The worker's side of machine actions: call the provider, reflect at once what is known (the transition
 * state, the new name or size), audit the outcome, and ask for a follow-up poll to see where it settled.
 */
import type { AnyBulkWriteOperation } from 'mongodb';
import { recordAudit } from '../audit/audit.js';
import { audited } from '../audit/audited.js';
import { pollJob } from '../clouds/clouds.js';
import { computeDriverFor } from '../clouds/drivers.js';
import { NotFoundError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, JobDoc, MachineDoc } from '../db/documents.js';
import { findCloud, findMachine } from '../db/lookups.js';
import { recordEvents } from '../events/record.js';
import { machineEventRef } from '../events/refs.js';
import { polledFields } from '../inventory/machines.js';
import { forgetHost } from '../inventory/ssh-hosts.js';
import { enqueueJobs, type JobDeps, jobActor } from '../jobs/jobs.js';
import { newId } from '../model/common.js';
import { actionFlags, type MachineAction } from '../providers/capabilities.js';
import type { ComputeDriver, MachineRef, MachineState } from '../providers/compute.js';

/** Long enough for a typical start/stop to settle; the regular poll catches slower ones. */
export const FOLLOW_UP_POLL_SECONDS = 15;

const TRANSITION: Partial<Record<MachineAction, MachineState>> = {
  start: 'pending',
  stop: 'stopping',
  reboot: 'rebooting',
  destroy: 'stopping',
};

/** One follow-up poll per cloud at a time, however many actions ask for it. */
export async function requestFollowUpPoll(deps: JobDeps, cloud: CloudDoc, job: JobDoc): Promise<void> {
  const now = deps.now();
  const due = new Date(now.getTime() + FOLLOW_UP_POLL_SECONDS * 1000);
  const claimed = await collections(deps.db).clouds.updateOne(
    {
      _id: cloud._id,
      orgId: cloud.orgId,
      $or: [
        { followUpPollAt: { $exists: false } },
        { followUpPollAt: null },
        { followUpPollAt: { $lte: now } },
      ],
    },
    { $set: { followUpPollAt: due } },
  );
  if (claimed.modifiedCount === 1) {
    await enqueueJobs(deps, jobActor(job), [{ ...pollJob(cloud._id), delaySeconds: FOLLOW_UP_POLL_SECONDS }]);
  }
}

async function target(
  deps: JobDeps,
  job: JobDoc,
): Promise<{ machine: MachineDoc; cloud: CloudDoc; driver: ComputeDriver; ref: MachineRef }> {
  const machine = await findMachine(deps, job.orgId, String(job.input.machineId));
  const cloud = await findCloud(deps, job.orgId, machine.cloudId);
  const driver = await computeDriverFor(deps, cloud);
  return { machine, cloud, driver, ref: { externalId: machine.externalId, region: machine.region } };
}

/** A job's provider call on a machine, audited either way (lib/audit/audited.ts). */
function auditedMachineCall<T>(
  deps: JobDeps,
  job: JobDoc,
  action: string,
  machine: MachineDoc,
  work: () => Promise<T>,
  details?: Record<string, unknown>,
): Promise<T> {
  return audited(
    deps,
    {
      actor: jobActor(job),
      action,
      resource: { type: 'machine', id: machine._id, name: machine.name },
      jobId: job._id,
      ...(job.requestId ? { requestId: job.requestId } : {}),
      ...(details ? { details } : {}),
    },
    work,
  );
}

export async function executeMachineAction(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const action = job.input.action as MachineAction;
  if (action === 'remove') {
    // Forgetting a bring-your-own host: nothing to ask of a provider.
    const machine = await findMachine(deps, job.orgId, String(job.input.machineId));
    await forgetHost(deps, job, machine);
    return { machineId: machine._id, action, removed: true };
  }
  const { machine, cloud, driver, ref } = await target(deps, job);
  const size = job.input.size as string | undefined;
  const name = job.input.name as string | undefined;
  const power = job.input.force === true ? { force: true } : {};
  await auditedMachineCall(
    deps,
    job,
    `machine.${action}`,
    machine,
    async () => {
      switch (action) {
        case 'start':
          return driver.startMachine(ref);
        case 'stop':
          return driver.stopMachine(ref, power);
        case 'reboot':
          return driver.rebootMachine(ref, power);
        case 'destroy':
          return driver.destroyMachine(ref);
        case 'resize':
          return driver.resizeMachine(ref, size!);
        case 'rename':
          return driver.renameMachine(ref, name!);
      }
    },
    { ...(size ? { size } : {}), ...(name ? { name } : {}), ...power },
  );

  const now = deps.now();
  const state = TRANSITION[action] ?? machine.state;
  const set: Partial<MachineDoc> = { state, actions: actionFlags(machine.provider, state), updatedAt: now };
  if (action === 'resize') set.size = size!;
  if (action === 'rename') {
    set.name = name!;
    set.tags = [...machine.tags.filter((t) => t.k !== 'Name'), { k: 'Name', v: name! }];
  }
  await collections(deps.db).machines.updateOne({ _id: machine._id, orgId: machine.orgId }, { $set: set });
  if (state !== machine.state) {
    const ref = machineEventRef({ ...machine, name: set.name ?? machine.name });
    const data = { ...ref, from: machine.state, to: state };
    await recordEvents(deps, [{ orgId: machine.orgId, type: 'machine.state_changed', data, at: now }]);
  }
  if (TRANSITION[action]) await requestFollowUpPoll(deps, cloud, job);
  return { machineId: machine._id, action, state };
}

export async function executeCreateMachine(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const cloud = await findCloud(deps, job.orgId, String(job.input.cloudId));
  const driver = await computeDriverFor(deps, cloud);
  const request = job.input.request as Parameters<ComputeDriver['createMachine']>[0];
  const base = {
    actor: jobActor(job),
    action: 'machine.create',
    jobId: job._id,
    ...(job.requestId ? { requestId: job.requestId } : {}),
  };
  let created: Awaited<ReturnType<ComputeDriver['createMachine']>>;
  try {
    created = await driver.createMachine(request);
  } catch (err) {
    await recordAudit(deps, {
      ...base,
      resource: { type: 'cloud', id: cloud._id, name: cloud.name },
      error: err,
    });
    throw err;
  }
  const now = deps.now();
  const id = newId('machine');
  const op: AnyBulkWriteOperation<MachineDoc> = {
    updateOne: {
      filter: { orgId: cloud.orgId, cloudId: cloud._id, externalId: created.externalId },
      update: {
        $set: { ...polledFields(cloud, created), lastSeenAt: now, missingSince: null, updatedAt: now },
        $setOnInsert: {
          _id: id,
          orgId: cloud.orgId,
          cloudId: cloud._id,
          externalId: created.externalId,
          firstSeenAt: now,
        },
      },
      upsert: true,
    },
  };
  const written = await collections(deps.db).machines.bulkWrite([op]);
  const machine = await collections(deps.db).machines.findOne({
    orgId: cloud.orgId,
    cloudId: cloud._id,
    externalId: created.externalId,
  });
  // A poll that already found it told of it; otherwise this is the machine's first appearance.
  if (written.upsertedCount === 1 && machine) {
    const data = { ...machineEventRef(machine), state: machine.state };
    await recordEvents(deps, [{ orgId: cloud.orgId, type: 'machine.created', data, at: now }]);
  }
  await recordAudit(deps, {
    ...base,
    resource: { type: 'machine', id: machine!._id, name: created.name },
    details: { cloudId: cloud._id, externalId: created.externalId },
  });
  await requestFollowUpPoll(deps, cloud, job);
  return { machineId: machine!._id, externalId: created.externalId, state: created.state };
}

export async function executeSnapshotJob(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const { machine, driver, ref } = await target(deps, job);
  const op = job.input.op as 'create' | 'delete' | 'revert';
  const snapshotId = job.input.snapshotId as string | undefined;
  switch (op) {
    case 'create': {
      const snapshot = await auditedMachineCall(deps, job, 'machine.snapshot.create', machine, () =>
        driver.createSnapshot(ref, String(job.input.name)),
      );
      return {
        machineId: machine._id,
        snapshot: { ...snapshot, createdAt: snapshot.createdAt.toISOString() },
      };
    }
    case 'delete':
      await auditedMachineCall(
        deps,
        job,
        'machine.snapshot.delete',
        machine,
        () => driver.deleteSnapshot(ref, snapshotId!),
        { snapshotId },
      );
      return { machineId: machine._id, snapshotId };
    case 'revert':
      await auditedMachineCall(
        deps,
        job,
        'machine.snapshot.revert',
        machine,
        () => driver.revertToSnapshot(ref, snapshotId!),
        { snapshotId },
      );
      return { machineId: machine._id, snapshotId };
    default:
      throw new NotFoundError(`Unknown snapshot operation ${String(op)}`);
  }
}
