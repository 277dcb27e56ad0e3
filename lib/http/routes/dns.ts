/** DNS routes: zones under a cloud, records under a zone, and a machine's own record. */
import { z } from 'zod';
import type { JobDoc } from '../../db/documents.js';
import { findZone } from '../../db/lookups.js';
import {
  createRecord,
  deleteRecord,
  listRecords,
  updateRecord,
  upsertMachineRecord,
} from '../../dns/records.js';
import { createZone, deleteZone, listZones, toZoneView } from '../../dns/zones.js';
import { toJobView } from '../../jobs/jobs.js';
import { CloudId } from '../../model/cloud.js';
import {
  ChangeView,
  CreateZoneBody,
  DeleteZoneQuery,
  MachineDnsBody,
  RecordBody,
  RecordChanged,
  RecordId,
  RecordListQuery,
  RecordPage,
  UpdateRecordBody,
  WaitQuery,
  ZoneCreated,
  ZoneId,
  ZoneListQuery,
  ZonePage,
  ZoneView,
} from '../../model/dns.js';
import { JobView } from '../../model/job.js';
import { MachineId } from '../../model/machine.js';
import { defineRoute, type RouteReply } from '../route.js';

/** `status` when the change is only sent; 202 with the job (and where to follow it) when asked to wait. */
export function changeReply<T extends { job?: JobDoc }>(result: T, status: number): RouteReply {
  const { job, ...rest } = result;
  if (!job) return { status, body: rest };
  return {
    status: 202,
    body: { ...rest, job: toJobView(job), links: { job: `/v1/jobs/${job._id}` } },
    headers: { location: `/v1/jobs/${job._id}` },
  };
}

const CloudParams = z.strictObject({ id: CloudId });
const ZoneParams = z.strictObject({ id: ZoneId });
const RecordParams = z.strictObject({ id: ZoneId, recordId: RecordId });
const WAIT_NOTE =
  'With wait, answers 202 with a job that follows the change until the provider reports it INSYNC.';

export const dnsRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/clouds/{id}/zones',
    operationId: 'listZones',
    summary: "A cloud's DNS zones (inventory, refreshed by every poll)",
    tag: 'dns',
    auth: 'viewer',
    params: CloudParams,
    query: ZoneListQuery,
    responses: { 200: { description: 'A page of zones', schema: ZonePage } },
    handler: async ({ params, query, actor, deps }) => ({
      status: 200,
      body: await listZones(await deps(), actor.orgId, params.id, query),
    }),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/clouds/{id}/zones',
    operationId: 'createZone',
    summary: 'Create a public zone, or a private zone answering in a VPC',
    description: WAIT_NOTE,
    tag: 'dns',
    auth: 'operator',
    params: CloudParams,
    body: CreateZoneBody,
    responses: {
      201: { description: 'The zone and its change', schema: ZoneCreated },
      202: { description: 'The zone, its change and the job waiting for INSYNC', schema: ZoneCreated },
    },
    handler: async ({ params, body, actor, deps, requestId }) => {
      const created = await createZone(await deps(), actor, params.id, body, requestId);
      const reply = changeReply(created, 201);
      return { ...reply, headers: { location: `/v1/zones/${created.zone.id}`, ...reply.headers } };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/zones/{id}',
    operationId: 'getZone',
    summary: 'A DNS zone',
    tag: 'dns',
    auth: 'viewer',
    params: ZoneParams,
    responses: { 200: { description: 'The zone', schema: ZoneView } },
    handler: async ({ params, actor, deps }) => ({
      status: 200,
      body: toZoneView(await findZone(await deps(), actor.orgId, params.id)),
    }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/zones/{id}',
    operationId: 'deleteZone',
    summary: 'Delete a zone: 409 while it holds records other than SOA/NS, unless force=true',
    description: WAIT_NOTE,
    tag: 'dns',
    auth: 'operator',
    params: ZoneParams,
    query: DeleteZoneQuery,
    responses: {
      200: { description: 'The change', schema: z.object({ change: ChangeView }) },
      202: {
        description: 'The change and the job waiting for INSYNC',
        schema: z.object({ change: ChangeView, job: JobView }),
      },
    },
    handler: async ({ params, query, actor, deps, requestId }) =>
      changeReply(
        await deleteZone(
          await deps(),
          actor,
          params.id,
          { force: query.force === 'true', wait: query.wait === 'true' },
          requestId,
        ),
        200,
      ),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/zones/{id}/records',
    operationId: 'listRecords',
    summary: "A zone's record sets (inventory, refreshed by every poll)",
    tag: 'dns',
    auth: 'viewer',
    params: ZoneParams,
    query: RecordListQuery,
    responses: { 200: { description: 'A page of records', schema: RecordPage } },
    handler: async ({ params, query, actor, deps }) => ({
      status: 200,
      body: await listRecords(await deps(), actor.orgId, params.id, query),
    }),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/zones/{id}/records',
    operationId: 'createRecord',
    summary: 'Create a record set (A, AAAA, CNAME, MX, TXT, NS, SRV, CAA); values are checked per type',
    description: `409 when the name already has a record of that type. ${WAIT_NOTE}`,
    tag: 'dns',
    auth: 'operator',
    params: ZoneParams,
    body: RecordBody,
    responses: {
      201: { description: 'The record and its change', schema: RecordChanged },
      202: { description: 'The record, its change and the job waiting for INSYNC', schema: RecordChanged },
    },
    handler: async ({ params, body, actor, deps, requestId }) =>
      changeReply(await createRecord(await deps(), actor, params.id, body, requestId), 201),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/v1/zones/{id}/records/{recordId}',
    operationId: 'updateRecord',
    summary: "Change a record set's TTL or values (an UPSERT)",
    description: WAIT_NOTE,
    tag: 'dns',
    auth: 'operator',
    params: RecordParams,
    body: UpdateRecordBody,
    responses: {
      200: { description: 'The record and its change', schema: RecordChanged },
      202: { description: 'The record, its change and the job waiting for INSYNC', schema: RecordChanged },
    },
    handler: async ({ params, body, actor, deps, requestId }) =>
      changeReply(await updateRecord(await deps(), actor, params.id, params.recordId, body, requestId), 200),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/zones/{id}/records/{recordId}',
    operationId: 'deleteRecord',
    summary: 'Delete a record set',
    description: WAIT_NOTE,
    tag: 'dns',
    auth: 'operator',
    params: RecordParams,
    query: WaitQuery,
    responses: {
      200: { description: 'The change', schema: RecordChanged },
      202: { description: 'The change and the job waiting for INSYNC', schema: RecordChanged },
    },
    handler: async ({ params, query, actor, deps, requestId }) =>
      changeReply(
        await deleteRecord(await deps(), actor, params.id, params.recordId, query.wait === 'true', requestId),
        200,
      ),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/machines/{id}/dns',
    operationId: 'upsertMachineRecord',
    summary: "Create or update an A/AAAA record for a machine's public (or private) addresses",
    description: WAIT_NOTE,
    tag: 'dns',
    auth: 'operator',
    params: z.strictObject({ id: MachineId }),
    body: MachineDnsBody,
    responses: {
      200: { description: 'The record and its change', schema: RecordChanged },
      202: { description: 'The record, its change and the job waiting for INSYNC', schema: RecordChanged },
    },
    handler: async ({ params, body, actor, deps, requestId }) =>
      changeReply(await upsertMachineRecord(await deps(), actor, params.id, body, requestId), 200),
  }),
];
