/**
 * The days of an iCalendar (RFC 5545) text, parsed by ical.js: each VEVENT gives the days it covers,
 * from its first day to its last, as its DTSTART and DTEND are written (an all-day event's DTEND is
 * exclusive; a timed event ending at midnight does not cover the day it ends on). Recurring events
 * (RRULE, RDATE, EXDATE, and their RECURRENCE-ID overrides) are expanded from a year before `now` to two
 * years after it; cancelled events and instances give nothing. Pure, given `now`.
 */
import ICAL from 'ical.js';
import { UnprocessableError } from '../core/errors.js';
import { MAX_CALENDAR_ENTRIES } from '../model/calendars/calendar.js';

export interface ImportedDay {
  from: string;
  to: string;
  summary: string;
}

const DAY_MS = 86_400_000;
/** No single event spans more than this many days here (a longer one is cut). */
const MAX_EVENT_DAYS = 366;

type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalEvent = InstanceType<typeof ICAL.Event>;
type IcalComponent = InstanceType<typeof ICAL.Component>;

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (t: IcalTime) => Date.UTC(t.year, t.month - 1, t.day);

/** The first and last day a start/end pair covers, as written (wall dates of the event's own zone). */
function span(start: IcalTime, end: IcalTime | null): { from: string; to: string } {
  const first = dayMs(start);
  let last = first;
  if (end) {
    const endDay = dayMs(end);
    const endsAtMidnight = end.isDate || (end.hour === 0 && end.minute === 0 && end.second === 0);
    last = endsAtMidnight && endDay > first ? endDay - DAY_MS : Math.max(first, endDay);
  }
  last = Math.min(last, first + (MAX_EVENT_DAYS - 1) * DAY_MS);
  return { from: iso(first), to: iso(last) };
}

function isCancelled(c: IcalComponent): boolean {
  return String(c.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

function parseComponent(text: string): IcalComponent {
  try {
    return new ICAL.Component(ICAL.parse(text));
  } catch (err) {
    throw new UnprocessableError(`not an iCalendar text: ${(err as Error).message}`, { cause: err });
  }
}

/** The days of every event of `text`, in order, at most MAX_CALENDAR_ENTRIES. */
export function icsDays(text: string, now: Date): ImportedDay[] {
  const root = parseComponent(text);
  if (root.name !== 'vcalendar') throw new UnprocessableError('not an iCalendar text: no VCALENDAR');
  const vevents = root.getAllSubcomponents('vevent');
  const exceptionsByUid = new Map<string, IcalComponent[]>();
  const masters: IcalComponent[] = [];
  for (const v of vevents) {
    if (v.hasProperty('recurrence-id')) {
      const uid = String(v.getFirstPropertyValue('uid') ?? '');
      exceptionsByUid.set(uid, [...(exceptionsByUid.get(uid) ?? []), v]);
    } else masters.push(v);
  }
  const horizonStart = now.getTime() - 366 * DAY_MS;
  const horizonEnd = now.getTime() + 2 * 366 * DAY_MS;
  const out: ImportedDay[] = [];
  const add = (d: ImportedDay) => {
    if (out.length >= MAX_CALENDAR_ENTRIES) {
      throw new UnprocessableError(`the calendar has more than ${MAX_CALENDAR_ENTRIES} days in its horizon`);
    }
    out.push(d);
  };
  for (const v of masters) {
    if (isCancelled(v)) continue;
    const uid = String(v.getFirstPropertyValue('uid') ?? '');
    let event: IcalEvent;
    try {
      event = new ICAL.Event(v, { exceptions: exceptionsByUid.get(uid) ?? [] });
    } catch (err) {
      throw new UnprocessableError(`an event could not be read: ${(err as Error).message}`, { cause: err });
    }
    if (!event.startDate) continue;
    const summary = (event.summary ?? '').slice(0, 200);
    if (!event.isRecurring()) {
      add({ ...span(event.startDate, event.endDate ?? null), summary });
      continue;
    }
    const it = event.iterator();
    for (let guard = 0; guard < 20_000; guard++) {
      const next = it.next();
      if (!next) break;
      const ms = dayMs(next);
      if (ms > horizonEnd) break;
      const details = event.getOccurrenceDetails(next);
      if (ms < horizonStart || isCancelled(details.item.component)) continue;
      add({ ...span(details.startDate, details.endDate ?? null), summary: details.item.summary ?? summary });
    }
  }
  return out.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}
