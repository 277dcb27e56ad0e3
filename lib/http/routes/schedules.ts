import { z } from 'zod';
import {
  CreateScheduleBody,
  DryRunQuery,
  ScheduleDryRunView,
  ScheduleId,
  ScheduleListQuery,
  SchedulePage,
  ScheduleRunId,
  ScheduleRunListQuery,
  ScheduleRunPage,
  ScheduleRunView,
  ScheduleView,
  UpdateScheduleBody,
} from '../../model/schedule.js';
import {
  createSchedule,
  deleteSchedule,
  dryRunSchedule,
  getSchedule,
  getScheduleRun,
  listScheduleRuns,
  listSchedules,
  updateSchedule,
} from '../../schedules/schedules.js';
import { type AnyRoute, defineRoute } from '../route.js';

const ScheduleParams = z.strictObject({ id: ScheduleId });

const GRAMMAR =
  'Anything outside the grammar (conditions, a cron field, an unknown time zone, an action without its ' +
  'parameter) answers 422 naming the offending field.';

export const postSchedule = defineRoute({
  method: 'POST',
  path: '/v1/schedules',
  operationId: 'createSchedule',
  summary: 'Schedule a machine action on the machines matching some conditions',
  description:
    'when is one of: interval (every N minutes, hours or days), cron (5 fields, in an IANA time zone, ' +
    'default UTC) or once (at a time). The conditions are evaluated at each run. ' +
    GRAMMAR,
  tag: 'schedules',
  auth: 'operator',
  body: CreateScheduleBody,
  invalidBodyStatus: 422,
  responses: { 201: { description: 'The schedule, with its next run', schema: ScheduleView } },
  handler: async ({ body, actor, deps, requestId }) => {
    const created = await createSchedule(await deps(), actor, body, requestId);
    return { status: 201, body: created, headers: { location: `/v1/schedules/${created.id}` } };
  },
});

export const getSchedules = defineRoute({
  method: 'GET',
  path: '/v1/schedules',
  operationId: 'listSchedules',
  summary: "List the org's schedules",
  tag: 'schedules',
  auth: 'viewer',
  query: ScheduleListQuery,
  responses: { 200: { description: 'A page of schedules', schema: SchedulePage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listSchedules(await deps(), actor.orgId, query),
  }),
});

export const getScheduleRoute = defineRoute({
  method: 'GET',
  path: '/v1/schedules/{id}',
  operationId: 'getSchedule',
  summary: 'A schedule: whether it is active (and why not), its next and last run',
  tag: 'schedules',
  auth: 'viewer',
  params: ScheduleParams,
  responses: { 200: { description: 'The schedule', schema: ScheduleView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await getSchedule(await deps(), actor.orgId, params.id),
  }),
});

export const patchSchedule = defineRoute({
  method: 'PATCH',
  path: '/v1/schedules/{id}',
  operationId: 'updateSchedule',
  summary: 'Change a schedule; a change to its timing recomputes its next run',
  description: `startAfter, expiresAt, maxRunCount and description take null to remove them. ${GRAMMAR}`,
  tag: 'schedules',
  auth: 'operator',
  params: ScheduleParams,
  body: UpdateScheduleBody,
  invalidBodyStatus: 422,
  responses: { 200: { description: 'The updated schedule', schema: ScheduleView } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 200,
    body: await updateSchedule(await deps(), actor, params.id, body, requestId),
  }),
});

export const deleteScheduleRoute = defineRoute({
  method: 'DELETE',
  path: '/v1/schedules/{id}',
  operationId: 'deleteSchedule',
  summary: 'Remove a schedule and its run history; jobs already queued still run',
  tag: 'schedules',
  auth: 'operator',
  params: ScheduleParams,
  responses: { 204: { description: 'Removed' } },
  handler: async ({ params, actor, deps, requestId }) => {
    await deleteSchedule(await deps(), actor, params.id, requestId);
    return { status: 204 };
  },
});

export const postScheduleDryRun = defineRoute({
  method: 'POST',
  path: '/v1/schedules/{id}/dry-run',
  operationId: 'dryRunSchedule',
  summary: 'What a run now would hit, without acting: matching machines, and whether each allows the action',
  tag: 'schedules',
  auth: 'operator',
  params: ScheduleParams,
  query: DryRunQuery,
  responses: { 200: { description: 'The would-be run', schema: ScheduleDryRunView } },
  handler: async ({ params, query, actor, deps }) => ({
    status: 200,
    body: await dryRunSchedule(await deps(), actor.orgId, params.id, query.limit),
  }),
});

export const getScheduleRuns = defineRoute({
  method: 'GET',
  path: '/v1/schedules/{id}/runs',
  operationId: 'listScheduleRuns',
  summary: "A schedule's runs, newest first: time, machines matched, per-machine result",
  description: 'Each run lists at most its first 100 machines here; GET the run for all of them.',
  tag: 'schedules',
  auth: 'viewer',
  params: ScheduleParams,
  query: ScheduleRunListQuery,
  responses: { 200: { description: 'A page of runs', schema: ScheduleRunPage } },
  handler: async ({ params, query, actor, deps }) => ({
    status: 200,
    body: await listScheduleRuns(await deps(), actor.orgId, params.id, query),
  }),
});

export const getScheduleRunRoute = defineRoute({
  method: 'GET',
  path: '/v1/schedules/{id}/runs/{runId}',
  operationId: 'getScheduleRun',
  summary: 'One run of a schedule, with every machine and its result',
  tag: 'schedules',
  auth: 'viewer',
  params: z.strictObject({ id: ScheduleId, runId: ScheduleRunId }),
  responses: { 200: { description: 'The run', schema: ScheduleRunView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await getScheduleRun(await deps(), actor.orgId, params.id, params.runId),
  }),
});

export const scheduleRoutes: AnyRoute[] = [
  postSchedule,
  getSchedules,
  getScheduleRoute,
  patchSchedule,
  deleteScheduleRoute,
  postScheduleDryRun,
  getScheduleRuns,
  getScheduleRunRoute,
];
