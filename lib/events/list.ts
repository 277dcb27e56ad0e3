/**
 * Reading the org's recorded events (kept 30 days, record.ts), newest first: what its webhooks and the event
 * bus were sent, for a look back or a receiver that missed some. Events about webhooks name their URLs,
 * which only admins may read (GET /v1/webhooks), so they are listed to admins only.
 */
import type { Filter } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { ForbiddenError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { EventDoc } from '../db/documents.js';
import { findPage, type Page } from '../db/pagination.js';
import { EVENT_TYPES, type NimboEvent } from '../model/events/event.js';
import type { EventsQuery } from '../model/events/list.js';
import { type Role, roleAtLeast } from '../model/role.js';
import { eventBody } from './record.js';

const forAdmins = (type: string) => type.startsWith('webhook.');
const FOR_EVERYONE = EVENT_TYPES.filter((t) => !forAdmins(t));

export async function listEvents(
  deps: ServiceDeps,
  reader: { orgId: string; role: Role },
  query: EventsQuery,
): Promise<Page<NimboEvent>> {
  const admin = roleAtLeast(reader.role, 'admin');
  if (query.type && forAdmins(query.type) && !admin) {
    throw new ForbiddenError('Events about webhooks are listed to admins only: they name the webhooks’ URLs');
  }
  const filter: Filter<EventDoc> = {
    orgId: reader.orgId,
    ...(query.type ? { type: query.type } : admin ? {} : { type: { $in: FOR_EVERYONE } }),
    ...(query.since ? { timestamp: { $gte: new Date(query.since) } } : {}),
  };
  const page = await findPage(collections(deps.db).events, filter, {
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
    sort: '-timestamp',
  });
  return { items: page.items.map((d) => eventBody(d) as NimboEvent), nextCursor: page.nextCursor };
}
