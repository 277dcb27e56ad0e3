import { z } from 'zod';
import { findMachine } from '../../db/lookups.js';
import {
  listMachineSnapshots,
  listMachines,
  requestMachineAction,
  requestSnapshotJob,
  toMachineView,
} from '../../machines/machines.js';
import { JobAccepted } from '../../model/job.js';
import {
  MachineActionBody,
  MachineActionName,
  MachineId,
  MachineListQuery,
  MachinePage,
  MachineView,
  SNAPSHOT_ID_SHAPES,
  SnapshotBody,
  SnapshotId,
  SnapshotView,
} from '../../model/machine.js';
import { machineNetworkRefs } from '../../networks/networks.js';
import { defineRoute } from '../route.js';
import { accepted } from './accepted.js';

export const MachineParams = z.strictObject({ id: MachineId });

export const getMachines = defineRoute({
  method: 'GET',
  path: '/v1/machines',
  operationId: 'listMachines',
  summary: 'The inventory: machines of every cloud of the org',
  tag: 'machines',
  auth: 'viewer',
  query: MachineListQuery,
  responses: { 200: { description: 'A page of machines', schema: MachinePage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listMachines(await deps(), actor.orgId, query),
  }),
});

export const getMachine = defineRoute({
  method: 'GET',
  path: '/v1/machines/{id}',
  operationId: 'getMachine',
  summary: 'A machine',
  tag: 'machines',
  auth: 'viewer',
  params: MachineParams,
  responses: { 200: { description: 'The machine', schema: MachineView } },
  handler: async ({ params, actor, deps }) => {
    const d = await deps();
    const machine = await findMachine(d, actor.orgId, params.id);
    return { status: 200, body: { ...toMachineView(machine), ...(await machineNetworkRefs(d, machine)) } };
  },
});

export const postMachineAction = defineRoute({
  method: 'POST',
  path: '/v1/machines/{id}/actions/{action}',
  operationId: 'runMachineAction',
  summary: 'Start, stop, reboot, destroy, resize or rename a machine',
  description:
    "Answers 422 without calling the provider when the machine's capability flags forbid the action. " +
    'resize takes {"size"}, rename takes {"name"}; the others take no body.',
  tag: 'machines',
  auth: 'operator',
  params: z.strictObject({ id: MachineId, action: MachineActionName }),
  body: MachineActionBody.optional(),
  responses: { 202: { description: 'The action job', schema: JobAccepted } },
  handler: async ({ params, body, actor, deps, requestId }) =>
    accepted(
      await requestMachineAction(await deps(), actor, params.id, params.action, body ?? {}, requestId),
    ),
});

export const getMachineSnapshots = defineRoute({
  method: 'GET',
  path: '/v1/machines/{id}/snapshots',
  operationId: 'listMachineSnapshots',
  summary: "A machine's snapshots, asked of the provider",
  tag: 'machines',
  auth: 'viewer',
  params: MachineParams,
  responses: { 200: { description: 'The snapshots', schema: z.object({ items: z.array(SnapshotView) }) } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: { items: await listMachineSnapshots(await deps(), actor.orgId, params.id) },
  }),
});

export const postMachineSnapshot = defineRoute({
  method: 'POST',
  path: '/v1/machines/{id}/snapshots',
  operationId: 'createMachineSnapshot',
  summary: 'Snapshot a machine (on AWS: an EBS snapshot set of all its volumes)',
  tag: 'machines',
  auth: 'operator',
  params: MachineParams,
  body: SnapshotBody,
  responses: { 202: { description: 'The snapshot job', schema: JobAccepted } },
  handler: async ({ params, body, actor, deps, requestId }) =>
    accepted(
      await requestSnapshotJob(await deps(), actor, params.id, { op: 'create', name: body.name }, requestId),
    ),
});

const SnapshotParams = z.strictObject({ id: MachineId, snapshotId: SnapshotId });

/** What both snapshot-id routes check before they answer 202. */
const SNAPSHOT_ID_RULES =
  `snapshotId must have the shape of the machine's provider (${SNAPSHOT_ID_SHAPES}): another id is 400 ` +
  "and nothing is queued. It must be one of the machine's snapshots as its provider lists them now " +
  '(GET /v1/machines/{id}/snapshots): another is 404 naming it, and nothing is queued.';

export const deleteMachineSnapshot = defineRoute({
  method: 'DELETE',
  path: '/v1/machines/{id}/snapshots/{snapshotId}',
  operationId: 'deleteMachineSnapshot',
  summary: 'Delete a snapshot',
  description: SNAPSHOT_ID_RULES,
  tag: 'machines',
  auth: 'operator',
  params: SnapshotParams,
  responses: { 202: { description: 'The delete job', schema: JobAccepted } },
  handler: async ({ params, actor, deps, requestId }) =>
    accepted(
      await requestSnapshotJob(
        await deps(),
        actor,
        params.id,
        { op: 'delete', snapshotId: params.snapshotId },
        requestId,
      ),
    ),
});

export const postMachineSnapshotRevert = defineRoute({
  method: 'POST',
  path: '/v1/machines/{id}/snapshots/{snapshotId}/revert',
  operationId: 'revertMachineToSnapshot',
  summary: 'Revert a machine to a snapshot (on AWS: root volume replacement)',
  description: SNAPSHOT_ID_RULES,
  tag: 'machines',
  auth: 'operator',
  params: SnapshotParams,
  responses: { 202: { description: 'The revert job', schema: JobAccepted } },
  handler: async ({ params, actor, deps, requestId }) =>
    accepted(
      await requestSnapshotJob(
        await deps(),
        actor,
        params.id,
        { op: 'revert', snapshotId: params.snapshotId },
        requestId,
      ),
    ),
});
