/** How calendars are stored and shown (indexes in lib/db/collections.ts, OTHER_INDEXES). */
import type { Collection, Db } from 'mongodb';
import type { CalendarDay, CalendarView } from '../model/calendars/calendar.js';
import { isoOrNull } from '../model/common.js';
import { asRange, type CalendarDaysRef } from './decide.js';
import type { ImportedDay } from './ics.js';

export interface CalendarDoc {
  _id: string;
  orgId: string;
  name: string;
  description: string | null;
  dates: CalendarDay[];
  /** Where `imported` came from; the uploaded text itself is not kept. */
  ics: {
    type: 'url' | 'content';
    url: string | null;
    importedAt: Date | null;
    nextRefreshAt: Date | null;
    lastError: string | null;
  } | null;
  imported: ImportedDay[];
  createdBy: { type: 'token' | 'system'; id: string; name: string };
  createdAt: Date;
  updatedAt: Date;
}

export function calendarCollection(db: Db): Collection<CalendarDoc> {
  return db.collection<CalendarDoc>('calendars');
}

export function toCalendarView(doc: CalendarDoc): CalendarView {
  return {
    id: doc._id,
    name: doc.name,
    description: doc.description,
    dates: doc.dates,
    ics: doc.ics
      ? {
          type: doc.ics.type,
          url: doc.ics.url,
          importedAt: isoOrNull(doc.ics.importedAt),
          nextRefreshAt: isoOrNull(doc.ics.nextRefreshAt),
          lastError: doc.ics.lastError,
        }
      : null,
    imported: doc.imported,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** What the skip decision reads: explicit and imported days together, as ranges. */
export function calendarDaysRef(doc: CalendarDoc): CalendarDaysRef {
  return {
    _id: doc._id,
    name: doc.name,
    days: [...doc.dates.map(asRange), ...doc.imported.map(({ from, to }) => ({ from, to }))],
  };
}
