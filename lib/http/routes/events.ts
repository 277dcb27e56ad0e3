import { listEvents } from '../../events/list.js';
import { EventPage, EventsQuery } from '../../model/events/list.js';
import { defineRoute } from '../route.js';

export const getEvents = defineRoute({
  method: 'GET',
  path: '/v1/events',
  operationId: 'listEvents',
  summary: "The org's recorded events, newest first (kept 30 days): filter by type and time",
  description:
    'Each item is the event as webhooks and the event bus get it (schemas/event.v1.schema.json). Events ' +
    'about webhooks (webhook.*) name their URLs and are listed to admins only.',
  tag: 'events',
  auth: 'viewer',
  query: EventsQuery,
  responses: { 200: { description: 'A page of events', schema: EventPage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listEvents(await deps(), actor, query),
  }),
});
