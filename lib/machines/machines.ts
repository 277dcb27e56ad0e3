/**
 * Machines: the inventory as operators see it, and the actions on it. The API decides (capability flags,
 * state) and answers at once; the provider call runs in a job, so one slow cloud never blocks the API.
 */

import type { Filter } from 'mongodb';
import { computeDriverFor } from '../clouds/drivers.js';
import type { ServiceDeps } from '../core/deps.js';
import { NotFoundError, UnprocessableError, ValidationError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { MachineDoc } from '../db/documents.js';
import { findCloud, findMachine } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { enqueueJobs, type JobDeps, type NewJob } from '../jobs/jobs.js';
import type { Actor } from '../model/actor.js';
import { isoOrNull } from '../model/common.js';
import type { ConditionNode } from '../model/condition.js';
import { searchRegex } from '../model/list.js';
import type { MachineView } from '../model/machine.js';
import { toLatestProbeView } from '../probes/views.js';
import { CAPABILITIES, type MachineAction } from '../providers/capabilities.js';
import type { CreateMachineRequest } from '../providers/compute.js';
import { compileConditions, tagFilter } from './conditions.js';

export function toMachineView(doc: MachineDoc): MachineView {
  return {
    id: doc._id,
    cloudId: doc.cloudId,
    provider: doc.provider,
    externalId: doc.externalId,
    name: doc.name,
    state: doc.state,
    region: doc.region,
    location: doc.location,
    size: doc.size,
    image: doc.image,
    publicIps: doc.publicIps,
    privateIps: doc.privateIps,
    tags: Object.fromEntries(doc.tags.map((t) => [t.k, t.v])),
    launchedAt: isoOrNull(doc.launchedAt),
    hourlyCost: doc.hourlyCost,
    price: doc.price ?? null,
    actions: doc.actions,
    firstSeenAt: doc.firstSeenAt.toISOString(),
    lastSeenAt: doc.lastSeenAt.toISOString(),
    missingSince: isoOrNull(doc.missingSince),
    extra: doc.extra,
    probe: toLatestProbeView(doc.probe),
    unreachableSince: isoOrNull(doc.unreachableSince),
    sshHostKey: doc.sshHostKey
      ? { fingerprint: doc.sshHostKey.fingerprint, pinnedAt: doc.sshHostKey.pinnedAt.toISOString() }
      : null,
  };
}

export interface MachineListFilter {
  q?: string;
  state?: MachineDoc['state'];
  cloud?: string;
  tag?: string;
  region?: string;
  /** Conditions as schedules take them (the dashboard's condition filter). */
  conditions?: ConditionNode | undefined;
  missing?: 'true' | 'false' | 'any';
}

export async function listMachines(
  deps: ServiceDeps,
  orgId: string,
  query: MachineListFilter & PageRequest,
): Promise<Page<MachineView>> {
  const where = query.conditions ? compileConditions(query.conditions, orgId, deps.now()) : undefined;
  const filter: Filter<MachineDoc> = { orgId };
  if (query.missing === 'false' || query.missing === undefined) filter.missingSince = null;
  else if (query.missing === 'true') filter.missingSince = { $ne: null };
  if (query.state) filter.state = query.state;
  if (query.cloud) filter.cloudId = query.cloud;
  if (query.region) filter.region = query.region;
  if (query.q) filter.name = searchRegex(query.q);
  const parts = [filter, ...(query.tag ? [tagFilter(query.tag)] : []), ...(where ? [where] : [])];
  const full: Filter<MachineDoc> = parts.length > 1 ? { $and: parts } : filter;
  const page = await findPage(collections(deps.db).machines, full, query);
  return { items: page.items.map(toMachineView), nextCursor: page.nextCursor };
}

export interface ActionParams {
  size?: string;
  name?: string;
  /** stop, reboot: cut the power (CAPABILITIES.forceable). */
  force?: boolean;
}

/** The decision, pure: may this action run on this machine now, with these parameters? */
export function checkAction(machine: MachineDoc, action: MachineAction, params: ActionParams): void {
  if (machine.missingSince) {
    throw new UnprocessableError(
      `Machine ${machine._id} is missing from its cloud since ${machine.missingSince.toISOString()}`,
    );
  }
  if (!CAPABILITIES[machine.provider].actions.includes(action)) {
    throw new UnprocessableError(`${action} is not supported by the ${machine.provider} provider`);
  }
  if (!machine.actions[action]) {
    throw new UnprocessableError(`Cannot ${action} machine ${machine.name}: it is ${machine.state}`);
  }
  if (action === 'resize' && !params.size)
    throw new UnprocessableError('resize needs "size": the new size id');
  if (action === 'rename' && !params.name) throw new UnprocessableError('rename needs "name": the new name');
  if (params.force && action !== 'stop' && action !== 'reboot') {
    throw new UnprocessableError('force applies to stop and reboot only');
  }
  if (params.force && !CAPABILITIES[machine.provider].forceable?.includes(action as 'stop' | 'reboot')) {
    throw new UnprocessableError(`The ${machine.provider} provider cannot force a ${action}`);
  }
  if (action === 'resize' && params.size === machine.size) {
    throw new UnprocessableError(`Machine ${machine.name} already has size ${params.size}`);
  }
}

/** The machine.action job for one machine (after checkAction said yes); `extra` joins its input. */
export function machineActionJob(
  machineId: string,
  action: MachineAction,
  params: ActionParams,
  extra: Record<string, unknown> = {},
): NewJob {
  return {
    type: 'machine.action',
    resource: { type: 'machine', id: machineId },
    input: {
      machineId,
      action,
      ...(params.size ? { size: params.size } : {}),
      ...(params.name ? { name: params.name } : {}),
      ...(params.force ? { force: true } : {}),
      ...extra,
    },
  };
}

export async function requestMachineAction(
  deps: JobDeps,
  actor: Actor,
  machineId: string,
  action: MachineAction,
  params: ActionParams,
  requestId: string | null,
) {
  const machine = await findMachine(deps, actor.orgId, machineId);
  checkAction(machine, action, params);
  const [job] = await enqueueJobs(deps, actor, [machineActionJob(machineId, action, params)], requestId);
  return job!;
}

export async function requestCreateMachine(
  deps: JobDeps,
  actor: Actor,
  cloudId: string,
  request: CreateMachineRequest,
  requestId: string | null,
) {
  const cloud = await findCloud(deps, actor.orgId, cloudId);
  if (!cloud.enabled) throw new UnprocessableError(`Cloud ${cloudId} is disabled: enable it first`);
  if (!CAPABILITIES[cloud.provider].create) {
    throw new UnprocessableError(`Creating machines is not supported by the ${cloud.provider} provider`);
  }
  const [job] = await enqueueJobs(
    deps,
    actor,
    [
      {
        type: 'machine.create',
        resource: { type: 'cloud', id: cloudId },
        input: { cloudId, request },
        maxAttempts: 1,
      },
    ],
    requestId,
  );
  return job!;
}

/** The machine's provider has snapshots and the machine is not terminated. */
function checkSnapshots(machine: MachineDoc): void {
  if (!machine.actions.snapshot) {
    throw new UnprocessableError(
      `Snapshots are not available for machine ${machine.name} (${machine.state})`,
    );
  }
}

/**
 * The decision, pure: is `snapshotId` of the shape this machine's provider hands out? The route's schema
 * let through any provider's shape; this one is the machine's own (400 otherwise).
 */
export function checkSnapshotId(machine: MachineDoc, snapshotId: string): void {
  const ids = CAPABILITIES[machine.provider].snapshotIds;
  if (ids && !ids.pattern.test(snapshotId)) {
    throw new ValidationError(
      `"${snapshotId}" is not a snapshot id of the ${machine.provider} provider: expected ${ids.shape}`,
      { details: { snapshotId, provider: machine.provider } },
    );
  }
}

/** The machine's snapshots, as its driver lists them. */
async function snapshotsOf(deps: ServiceDeps, machine: MachineDoc) {
  const cloud = await findCloud(deps, machine.orgId, machine.cloudId);
  const driver = await computeDriverFor(deps, cloud);
  return driver.listSnapshots({ externalId: machine.externalId, region: machine.region });
}

/**
 * A snapshot job is queued only for what can run: a create on a machine that takes snapshots; a delete or
 * revert of one of the machine's own snapshots as its provider lists them now (404 naming it otherwise).
 */
export async function requestSnapshotJob(
  deps: JobDeps,
  actor: Actor,
  machineId: string,
  op: { op: 'create'; name: string } | { op: 'delete' | 'revert'; snapshotId: string },
  requestId: string | null,
) {
  const machine = await findMachine(deps, actor.orgId, machineId);
  if (machine.missingSince) throw new UnprocessableError(`Machine ${machineId} is missing from its cloud`);
  checkSnapshots(machine);
  if (op.op !== 'create') {
    checkSnapshotId(machine, op.snapshotId);
    const snapshots = await snapshotsOf(deps, machine);
    if (!snapshots.some((s) => s.id === op.snapshotId)) {
      throw new NotFoundError(`Snapshot ${op.snapshotId} is not a snapshot of machine ${machine.name}`, {
        details: { snapshotId: op.snapshotId },
      });
    }
  }
  const [job] = await enqueueJobs(
    deps,
    actor,
    [
      {
        type: 'machine.snapshot',
        resource: { type: 'machine', id: machineId },
        input: { machineId, ...op },
        maxAttempts: op.op === 'create' ? 1 : 3,
      },
    ],
    requestId,
  );
  return job!;
}

export async function listMachineSnapshots(deps: ServiceDeps, orgId: string, machineId: string) {
  const machine = await findMachine(deps, orgId, machineId);
  checkSnapshots(machine);
  const snapshots = await snapshotsOf(deps, machine);
  return snapshots.map((s) => ({ ...s, createdAt: s.createdAt.toISOString() }));
}
