/**
 * Calendars of an org: made, listed, changed and deleted, each change audited. An .ics import is parsed
 * before anything is written (422 naming `ics.url` or `ics.content`); a feed URL is fetched at once and
 * then refreshed daily by the tick (refreshDueCalendars), a failed refresh keeping the days read before
 * and saying why in `ics.lastError`. Deleting a calendar that schedules use is refused in
 * lib/schedules/calendar-use.ts, which can see the schedules.
 */
import type { Filter } from 'mongodb';
import { recordAudit } from '../audit/audit.js';
import { eachLimited } from '../core/concurrency.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../core/errors.js';
import { unprocessable } from '../core/field-errors.js';
import { log } from '../core/log.js';
import { isDuplicateKeyError } from '../db/errors.js';
import { findInOrg } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import type { Actor } from '../model/actor.js';
import { actorRef } from '../model/actor.js';
import {
  type CalendarView,
  type CreateCalendarBody,
  type IcsSource,
  MAX_CALENDAR_ENTRIES,
  type UpdateCalendarBody,
} from '../model/calendars/calendar.js';
import { newId } from '../model/common.js';
import { searchRegex } from '../model/list.js';
import { type FeedOptions, feedUrlProblem, fetchFeed } from './feed.js';
import { icsDays } from './ics.js';
import { type CalendarDoc, calendarCollection, toCalendarView } from './store.js';

export { type CalendarDoc, calendarCollection, calendarDaysRef } from './store.js';

/** A feed is read again this long after its last fetch (successful or not). */
export const REFRESH_MS = 24 * 3_600_000;
/**
 * At most this many feeds per tick, all at once, each fetch bounded by TICK_FETCH_TIMEOUT_MS: the step
 * adds at most a few seconds to the tick's 55 s (more due feeds wait for the next minute).
 */
const REFRESH_PER_TICK = 8;
const TICK_FETCH_TIMEOUT_MS = 5_000;

export function findCalendar(deps: ServiceDeps, orgId: string, id: string): Promise<CalendarDoc> {
  return findInOrg(calendarCollection(deps.db), 'Calendar', orgId, id);
}

function duplicateName(name: string, cause?: unknown): ConflictError {
  return new ConflictError(`A calendar named "${name}" already exists in this org`, { cause });
}

/** The import's days and its record; 422 naming the field when it cannot be read. */
async function importIcs(source: IcsSource, now: Date, feed: FeedOptions) {
  const path = source.type === 'url' ? 'ics.url' : 'ics.content';
  try {
    if (source.type === 'url') {
      const problem = await feedUrlProblem(source.url, feed);
      if (problem) throw new UnprocessableError(problem);
    }
    const text = source.type === 'url' ? await fetchFeed(source.url, feed) : source.content;
    const imported = icsDays(text, now);
    const ics: NonNullable<CalendarDoc['ics']> = {
      type: source.type,
      url: source.type === 'url' ? source.url : null,
      importedAt: now,
      nextRefreshAt: source.type === 'url' ? new Date(now.getTime() + REFRESH_MS) : null,
      lastError: null,
    };
    return { ics, imported };
  } catch (err) {
    if (err instanceof UnprocessableError) throw unprocessable([{ path, message: err.message }]);
    throw err;
  }
}

function checkSize(doc: CalendarDoc): void {
  if (doc.dates.length + doc.imported.length > MAX_CALENDAR_ENTRIES) {
    throw unprocessable([
      { path: 'dates', message: `a calendar holds at most ${MAX_CALENDAR_ENTRIES} days and ranges` },
    ]);
  }
}

export async function createCalendar(
  deps: ServiceDeps,
  actor: Actor,
  body: CreateCalendarBody,
  requestId: string | null,
  feed: FeedOptions = {},
): Promise<CalendarView> {
  const now = deps.now();
  const col = calendarCollection(deps.db);
  if (await col.findOne({ orgId: actor.orgId, name: body.name }, { projection: { _id: 1 } })) {
    throw duplicateName(body.name);
  }
  const imported = body.ics ? await importIcs(body.ics, now, feed) : null;
  const doc: CalendarDoc = {
    _id: newId('calendar'),
    orgId: actor.orgId,
    name: body.name,
    description: body.description ?? null,
    dates: body.dates,
    ics: imported?.ics ?? null,
    imported: imported?.imported ?? [],
    createdBy: actorRef(actor),
    createdAt: now,
    updatedAt: now,
  };
  checkSize(doc);
  try {
    await col.insertOne(doc);
  } catch (err) {
    if (isDuplicateKeyError(err)) throw duplicateName(body.name, err);
    throw err;
  }
  await recordAudit(deps, {
    actor,
    action: 'calendar.create',
    resource: { type: 'calendar', id: doc._id, name: doc.name },
    ...(requestId ? { requestId } : {}),
    details: { dates: doc.dates.length, imported: doc.imported.length, ics: doc.ics?.type ?? null },
  });
  return toCalendarView(doc);
}

export async function listCalendars(
  deps: ServiceDeps,
  orgId: string,
  query: PageRequest & { q?: string },
): Promise<Page<CalendarView>> {
  const filter: Filter<CalendarDoc> = { orgId };
  if (query.q) filter.name = searchRegex(query.q);
  const page = await findPage(calendarCollection(deps.db), filter, query);
  return { items: page.items.map(toCalendarView), nextCursor: page.nextCursor };
}

export async function getCalendar(deps: ServiceDeps, orgId: string, id: string): Promise<CalendarView> {
  return toCalendarView(await findCalendar(deps, orgId, id));
}

export async function updateCalendar(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  patch: UpdateCalendarBody,
  requestId: string | null,
  feed: FeedOptions = {},
): Promise<CalendarView> {
  const current = await findCalendar(deps, actor.orgId, id);
  const now = deps.now();
  const next: CalendarDoc = { ...current, updatedAt: now };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.dates !== undefined) next.dates = patch.dates;
  if (patch.ics === null) {
    next.ics = null;
    next.imported = [];
  } else if (patch.ics !== undefined) {
    const imported = await importIcs(patch.ics, now, feed);
    next.ics = imported.ics;
    next.imported = imported.imported;
  }
  checkSize(next);
  const { _id, orgId, ...fields } = next;
  let written: CalendarDoc | null;
  try {
    written = await calendarCollection(deps.db).findOneAndUpdate(
      { _id, orgId, updatedAt: current.updatedAt },
      { $set: fields },
      { returnDocument: 'after' },
    );
  } catch (err) {
    if (isDuplicateKeyError(err)) throw duplicateName(patch.name ?? '', err);
    throw err;
  }
  if (!written) throw new ConflictError(`Calendar ${id} changed while it was being updated; try again`);
  await recordAudit(deps, {
    actor,
    action: 'calendar.update',
    resource: { type: 'calendar', id, name: written.name },
    ...(requestId ? { requestId } : {}),
    details: { changes: Object.keys(patch) },
  });
  return toCalendarView(written);
}

/** Deletes it (callers check first that no schedule uses it). */
export async function deleteCalendar(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  requestId: string | null,
): Promise<void> {
  const deleted = await calendarCollection(deps.db).findOneAndDelete({ _id: id, orgId: actor.orgId });
  if (!deleted) throw new NotFoundError(`Calendar ${id} not found`);
  await recordAudit(deps, {
    actor,
    action: 'calendar.delete',
    resource: { type: 'calendar', id, name: deleted.name },
    ...(requestId ? { requestId } : {}),
  });
}

/**
 * Fetches the feed of one calendar again and records the outcome: its new days, or the error (the
 * days read before stay). Answers whether the days were read.
 */
export async function refreshCalendar(deps: ServiceDeps, doc: CalendarDoc, feed: FeedOptions = {}) {
  const now = deps.now();
  const col = calendarCollection(deps.db);
  const url = doc.ics?.url;
  if (doc.ics?.type !== 'url' || !url) return false;
  const nextRefreshAt = new Date(now.getTime() + REFRESH_MS);
  try {
    const imported = icsDays(await fetchFeed(url, feed), now);
    await col.updateOne(
      { _id: doc._id, orgId: doc.orgId, 'ics.url': url },
      {
        $set: {
          imported,
          'ics.importedAt': now,
          'ics.nextRefreshAt': nextRefreshAt,
          'ics.lastError': null,
          updatedAt: now,
        },
      },
    );
    return true;
  } catch (err) {
    if (!(err instanceof UnprocessableError)) throw err;
    await col.updateOne(
      { _id: doc._id, orgId: doc.orgId, 'ics.url': url },
      { $set: { 'ics.nextRefreshAt': nextRefreshAt, 'ics.lastError': err.message } },
    );
    return false;
  }
}

/**
 * The tick's step: claims the feeds due for their daily refresh (a compare-and-set on nextRefreshAt, so
 * two ticks never fetch one feed twice) and fetches them. Spans orgs: the system finding its work.
 * Answers how many were read.
 */
export async function refreshDueCalendars(deps: ServiceDeps, feed: FeedOptions = {}): Promise<number> {
  const now = deps.now();
  const col = calendarCollection(deps.db);
  const due = await col
    .find({ 'ics.type': 'url', 'ics.nextRefreshAt': { $lte: now } })
    .sort({ 'ics.nextRefreshAt': 1 })
    .limit(REFRESH_PER_TICK)
    .toArray();
  let refreshed = 0;
  const options: FeedOptions = { timeoutMs: TICK_FETCH_TIMEOUT_MS, ...feed };
  await eachLimited(due, REFRESH_PER_TICK, async (doc) => {
    const claimed = await col.findOneAndUpdate(
      { _id: doc._id, orgId: doc.orgId, 'ics.nextRefreshAt': doc.ics!.nextRefreshAt },
      { $set: { 'ics.nextRefreshAt': new Date(now.getTime() + REFRESH_MS) } },
      { returnDocument: 'after' },
    );
    if (!claimed) return;
    try {
      if (await refreshCalendar(deps, claimed, options)) refreshed++;
    } catch (err) {
      log.error('calendar refresh failed', { calendarId: doc._id, error: err });
    }
  });
  return refreshed;
}
