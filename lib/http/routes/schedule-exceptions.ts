/** Per-machine overrides of schedules, a schedule's occurrences ahead, and postponing the next one. */
import { z } from 'zod';
import {
  CreateOverrideBody,
  OccurrencesQuery,
  OccurrencesView,
  OverrideId,
  OverridePage,
  OverrideView,
  PostponeBody,
  PostponeView,
} from '../../model/calendars/overrides.js';
import { listQuery } from '../../model/list.js';
import { MachineId } from '../../model/machine.js';
import { ScheduleId } from '../../model/schedule.js';
import { occurrencesOf } from '../../schedules/occurrences.js';
import { createOverride, deleteOverride, listOverrides } from '../../schedules/overrides.js';
import { postponeSchedule } from '../../schedules/postpone.js';
import { type AnyRoute, defineRoute } from '../route.js';

const MachineParams = z.strictObject({ id: MachineId });

export const postMachineOverride = defineRoute({
  method: 'POST',
  path: '/v1/machines/{id}/overrides',
  operationId: 'createMachineOverride',
  summary: 'Keep the schedules (or one, scheduleId) off this machine until a time',
  description:
    'Runs and dry runs list the machine as not allowed, with the reason, until `until` (at most 90 days ' +
    'ahead); the override then ends by itself.',
  tag: 'schedules',
  auth: 'operator',
  params: MachineParams,
  body: CreateOverrideBody,
  invalidBodyStatus: 422,
  responses: { 201: { description: 'The override', schema: OverrideView } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 201,
    body: await createOverride(await deps(), actor, params.id, body, requestId),
  }),
});

export const getMachineOverrides = defineRoute({
  method: 'GET',
  path: '/v1/machines/{id}/overrides',
  operationId: 'listMachineOverrides',
  summary: "The machine's overrides in force",
  tag: 'schedules',
  auth: 'viewer',
  params: MachineParams,
  query: listQuery(['until', 'createdAt'], 'until').omit({ q: true }),
  responses: { 200: { description: 'A page of overrides', schema: OverridePage } },
  handler: async ({ params, query, actor, deps }) => ({
    status: 200,
    body: await listOverrides(await deps(), actor.orgId, params.id, query),
  }),
});

export const deleteMachineOverride = defineRoute({
  method: 'DELETE',
  path: '/v1/machines/{id}/overrides/{overrideId}',
  operationId: 'deleteMachineOverride',
  summary: 'End an override now',
  tag: 'schedules',
  auth: 'operator',
  params: z.strictObject({ id: MachineId, overrideId: OverrideId }),
  responses: { 204: { description: 'Ended' } },
  handler: async ({ params, actor, deps, requestId }) => {
    await deleteOverride(await deps(), actor, params.id, params.overrideId, requestId);
    return { status: 204 };
  },
});

export const getScheduleOccurrences = defineRoute({
  method: 'GET',
  path: '/v1/schedules/{id}/occurrences',
  operationId: 'listScheduleOccurrences',
  summary: 'The next occurrences of a schedule, and which will be skipped and why',
  description:
    'From `from` (default now) to `to` (default and at most 366 days later). A postponed occurrence shows at ' +
    'its moved time with postponedFrom; skipped ones carry the reason (an exception date, a calendar day, ' +
    'outside the maintenance windows).',
  tag: 'schedules',
  auth: 'viewer',
  params: z.strictObject({ id: ScheduleId }),
  query: OccurrencesQuery,
  responses: { 200: { description: 'The occurrences', schema: OccurrencesView } },
  handler: async ({ params, query, actor, deps }) => ({
    status: 200,
    body: await occurrencesOf(await deps(), actor.orgId, params.id, query),
  }),
});

export const postSchedulePostpone = defineRoute({
  method: 'POST',
  path: '/v1/schedules/{id}/postpone',
  operationId: 'postponeSchedule',
  summary: "Move the schedule's next occurrence later, once, for every machine it concerns",
  description:
    'The next occurrence runs `minutes` later; the ones after it stay. At most 1440 minutes after the time it ' +
    'was first planned, before the following occurrence and before the schedule expires (422 otherwise); ' +
    '409 when no occurrence is ahead or it is due now. A schedule.upcoming goes out again for the moved time.',
  tag: 'schedules',
  auth: 'operator',
  params: z.strictObject({ id: ScheduleId }),
  body: PostponeBody,
  invalidBodyStatus: 422,
  responses: { 200: { description: 'Where the occurrence moved', schema: PostponeView } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 200,
    body: await postponeSchedule(await deps(), actor, params.id, body.minutes, requestId),
  }),
});

export const scheduleExceptionRoutes: AnyRoute[] = [
  postMachineOverride,
  getMachineOverrides,
  deleteMachineOverride,
  getScheduleOccurrences,
  postSchedulePostpone,
];
