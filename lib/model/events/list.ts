/** GET /v1/events: the org's recorded events, newest first, as they go out (the envelope of event.ts). */
import { z } from 'zod';
import { Timestamp } from '../common.js';
import { listQuery, pageOf } from '../list.js';
import { EVENT_TYPES, NimboEvent } from './event.js';

const paging = listQuery(['timestamp'], '-timestamp').pick({ limit: true, cursor: true });

export const EventsQuery = paging.extend({
  type: z.enum(EVENT_TYPES).optional().describe('Only events of this type'),
  since: Timestamp.optional().describe('Only events that happened at or after this time'),
});
export type EventsQuery = z.output<typeof EventsQuery>;

export const EventPage = pageOf(NimboEvent, 'EventPage');
