/**
 * Calendars of exception days (explicit dates, date ranges, or imported from an iCalendar feed), and the
 * parts of a schedule that use them: `exceptions` (skip the occurrences on those days) and `windows`
 * (run only inside these hours). Days and hours are read in the schedule's time zone.
 */
import { z } from 'zod';
import { idSchema, Name, Timestamp } from '../common.js';
import { listQuery, pageOf } from '../list.js';

export const CalendarId = idSchema('calendar').describe('A calendar id');

/** The most days one calendar holds, explicit and imported together. */
export const MAX_CALENDAR_ENTRIES = 2000;
/** An uploaded or fetched .ics is at most 1 MiB. */
export const MAX_ICS_BYTES = 1024 * 1024;
/** A date range spans at most a year. */
export const MAX_RANGE_DAYS = 366;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `s` is a real calendar day written YYYY-MM-DD. */
export function isLocalDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export const LocalDate = z
  .string()
  .refine(isLocalDate, 'must be a calendar date YYYY-MM-DD')
  .describe('A calendar day, YYYY-MM-DD (a local day in the time zone of the schedule using it)');

const DateRange = z
  .strictObject({ from: LocalDate, to: LocalDate.describe('Inclusive') })
  .superRefine((r, ctx) => {
    if (!isLocalDate(r.from) || !isLocalDate(r.to)) return;
    const n = daysBetween(r.from, r.to);
    if (n < 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if (n >= MAX_RANGE_DAYS)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `a range spans at most ${MAX_RANGE_DAYS} days` });
  });

export const CalendarDay = z
  .union([LocalDate, DateRange])
  .describe('One day (YYYY-MM-DD), or a range {from, to} of days, both included');
export type CalendarDay = z.infer<typeof CalendarDay>;

const CalendarDays = z.array(CalendarDay).max(1000);

export const IcsSource = z
  .discriminatedUnion('type', [
    z
      .strictObject({ type: z.literal('url'), url: z.string().max(2048) })
      .describe(
        'An iCalendar feed, fetched now and refreshed daily: https in a deployed stack (no address inside a ' +
          'network); the local runtime takes loopback http too',
      ),
    z
      .strictObject({ type: z.literal('content'), content: z.string().max(MAX_ICS_BYTES) })
      .describe('The text of an .ics file, imported once'),
  ])
  .meta({ id: 'CalendarIcsSource' });
export type IcsSource = z.infer<typeof IcsSource>;

export const CreateCalendarBody = z
  .strictObject({
    name: Name,
    description: z.string().trim().max(1024).optional(),
    dates: CalendarDays.default([]).describe('Explicit exception days'),
    ics: IcsSource.optional().describe("Import the events' days of an iCalendar (RFC 5545) feed or file"),
  })
  .meta({ id: 'CreateCalendarRequest' });
export type CreateCalendarBody = z.infer<typeof CreateCalendarBody>;

export const UpdateCalendarBody = z
  .strictObject({
    name: Name.optional(),
    description: z.string().trim().max(1024).nullable().optional(),
    dates: CalendarDays.optional().describe('Replaces the explicit days'),
    ics: IcsSource.nullable().optional().describe('Replaces the import; null drops it and its days'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'UpdateCalendarRequest' });
export type UpdateCalendarBody = z.infer<typeof UpdateCalendarBody>;

const ImportedDay = z.object({ from: z.string(), to: z.string(), summary: z.string() });

export const CalendarView = z
  .object({
    id: CalendarId,
    name: z.string(),
    description: z.string().nullable(),
    dates: z.array(CalendarDay),
    ics: z
      .object({
        type: z.enum(['url', 'content']),
        url: z.string().nullable(),
        importedAt: Timestamp.nullable().describe('When its days were last read'),
        nextRefreshAt: Timestamp.nullable().describe('url: when the feed is fetched again (daily)'),
        lastError: z.string().nullable().describe('Why the last fetch failed; the days read before stay'),
      })
      .nullable(),
    imported: z.array(ImportedDay).describe("The import's days: each event's first and last day"),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Calendar' });
export type CalendarView = z.infer<typeof CalendarView>;

export const CalendarListQuery = listQuery(['name', 'createdAt'], 'name');
export const CalendarPage = pageOf(CalendarView, 'CalendarPage');

/** A schedule's exceptions: skip its occurrences on these days. */
export const ScheduleExceptions = z
  .strictObject({
    calendars: z
      .array(CalendarId)
      .max(20)
      .refine((a) => new Set(a).size === a.length, 'each calendar once')
      .default([]),
    dates: CalendarDays.max(366).default([]),
  })
  .describe("Occurrences on these days (in the schedule's time zone) are skipped, and the run says why")
  .meta({ id: 'ScheduleExceptions' });
export type ScheduleExceptions = z.infer<typeof ScheduleExceptions>;

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00 to 24:00)');

export const MaintenanceWindow = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .refine((a) => new Set(a).size === a.length, 'each day once')
      .describe('The days the window opens'),
    from: HourMinute.describe('Opens at (local time)'),
    to: HourMinute.describe('Closes at, excluded; before `from`: the next day (an overnight window)'),
  })
  .refine((w) => w.from !== w.to, { path: ['to'], message: 'must differ from from' })
  .describe('A weekly window in the schedule time zone');
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const MaintenanceWindows = z
  .array(MaintenanceWindow)
  .min(1)
  .max(20)
  .describe('Run only inside one of these windows: an occurrence outside is skipped, with the reason')
  .meta({ id: 'MaintenanceWindows' });
