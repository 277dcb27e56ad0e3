import { z } from 'zod';
import {
  createCalendar,
  findCalendar,
  getCalendar,
  listCalendars,
  refreshCalendar,
  updateCalendar,
} from '../../calendars/calendars.js';
import { UnprocessableError } from '../../core/errors.js';
import {
  CalendarId,
  CalendarListQuery,
  CalendarPage,
  CalendarView,
  CreateCalendarBody,
  UpdateCalendarBody,
} from '../../model/calendars/calendar.js';
import { deleteCalendarUnlessUsed } from '../../schedules/calendar-use.js';
import { type AnyRoute, defineRoute } from '../route.js';

const CalendarParams = z.strictObject({ id: CalendarId });

const ICS =
  'ics imports the days of an iCalendar (RFC 5545) text: {"type": "content", "content": "BEGIN:VCALENDAR..."} ' +
  'once, or {"type": "url", "url": "https://..."} fetched now and again every day (https only in a deployed ' +
  'stack, never an address inside a network; the local runtime takes loopback http). Each event gives the ' +
  'days from its start to its end; recurring events are expanded a year back and two ahead. A text that ' +
  'cannot be read, or a feed that cannot be fetched, answers 422 naming ics.content or ics.url.';

export const postCalendar = defineRoute({
  method: 'POST',
  path: '/v1/calendars',
  operationId: 'createCalendar',
  summary: 'Make a calendar of exception days: dates, date ranges, or an imported .ics',
  description: ICS,
  tag: 'calendars',
  auth: 'operator',
  body: CreateCalendarBody,
  invalidBodyStatus: 422,
  responses: { 201: { description: 'The calendar', schema: CalendarView } },
  handler: async ({ body, actor, deps, requestId }) => {
    const created = await createCalendar(await deps(), actor, body, requestId);
    return { status: 201, body: created, headers: { location: `/v1/calendars/${created.id}` } };
  },
});

export const getCalendars = defineRoute({
  method: 'GET',
  path: '/v1/calendars',
  operationId: 'listCalendars',
  summary: "The org's calendars",
  tag: 'calendars',
  auth: 'viewer',
  query: CalendarListQuery,
  responses: { 200: { description: 'A page of calendars', schema: CalendarPage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listCalendars(await deps(), actor.orgId, query),
  }),
});

export const getCalendarRoute = defineRoute({
  method: 'GET',
  path: '/v1/calendars/{id}',
  operationId: 'getCalendar',
  summary: 'A calendar: its dates, its import and the days read from it',
  tag: 'calendars',
  auth: 'viewer',
  params: CalendarParams,
  responses: { 200: { description: 'The calendar', schema: CalendarView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await getCalendar(await deps(), actor.orgId, params.id),
  }),
});

export const patchCalendar = defineRoute({
  method: 'PATCH',
  path: '/v1/calendars/{id}',
  operationId: 'updateCalendar',
  summary: 'Change a calendar: dates replace the explicit days; ics replaces the import (null drops it)',
  description: ICS,
  tag: 'calendars',
  auth: 'operator',
  params: CalendarParams,
  body: UpdateCalendarBody,
  invalidBodyStatus: 422,
  responses: { 200: { description: 'The calendar', schema: CalendarView } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 200,
    body: await updateCalendar(await deps(), actor, params.id, body, requestId),
  }),
});

export const deleteCalendarRoute = defineRoute({
  method: 'DELETE',
  path: '/v1/calendars/{id}',
  operationId: 'deleteCalendar',
  summary: 'Remove a calendar; 409 while a schedule names it in its exceptions',
  tag: 'calendars',
  auth: 'operator',
  params: CalendarParams,
  responses: { 204: { description: 'Removed' } },
  handler: async ({ params, actor, deps, requestId }) => {
    await deleteCalendarUnlessUsed(await deps(), actor, params.id, requestId);
    return { status: 204 };
  },
});

export const postCalendarRefresh = defineRoute({
  method: 'POST',
  path: '/v1/calendars/{id}/refresh',
  operationId: 'refreshCalendar',
  summary: "Fetch a calendar's feed now rather than at its daily refresh",
  description:
    'A calendar without a feed URL answers 422. A failed fetch keeps the days read before: see ics.lastError.',
  tag: 'calendars',
  auth: 'operator',
  params: CalendarParams,
  responses: { 200: { description: 'The calendar after the fetch', schema: CalendarView } },
  handler: async ({ params, actor, deps }) => {
    const d = await deps();
    const doc = await findCalendar(d, actor.orgId, params.id);
    if (doc.ics?.type !== 'url') throw new UnprocessableError(`Calendar ${params.id} has no feed URL`);
    await refreshCalendar(d, doc);
    return { status: 200, body: await getCalendar(d, actor.orgId, params.id) };
  },
});

export const calendarRoutes: AnyRoute[] = [
  postCalendar,
  getCalendars,
  getCalendarRoute,
  patchCalendar,
  deleteCalendarRoute,
  postCalendarRefresh,
];
