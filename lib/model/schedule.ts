/**
 * Schedules: run a machine action on the machines that match some conditions, on an interval, a cron
 * expression (in an IANA time zone) or once. Grammar problems (a bad cron field, an unknown time zone, an
 * action without its parameter) are reported against the exact field, as 422.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NimboError } from '../core/errors.js';
import { parseCron } from '../cron/cron.js';
import { assertTimeZone } from '../cron/timezone.js';
import { MaintenanceWindows, ScheduleExceptions } from './calendars/calendar.js';
import { Name, Timestamp } from './common.js';
import { Condition } from './condition.js';
import { listQuery, pageOf } from './list.js';
import { ActionParams, MachineActionName, refineActionParams } from './machine.js';
import { MAX_SCRIPT_TIMEOUT_SECONDS, ScriptId, ScriptParams } from './script.js';

const SCHEDULE_PREFIX = 'sch';
const RUN_PREFIX = 'srn';

/** Same shape as the other resource ids (`<prefix>_<16 url-safe chars>`). */
export function newScheduleId(): string {
  return `${SCHEDULE_PREFIX}_${randomBytes(12).toString('base64url')}`;
}
export function newScheduleRunId(): string {
  return `${RUN_PREFIX}_${randomBytes(12).toString('base64url')}`;
}

export const ScheduleId = z
  .string()
  .regex(/^sch_[A-Za-z0-9_-]{16}$/, 'must be a schedule id (sch_...)')
  .describe('A schedule id');
export const ScheduleRunId = z
  .string()
  .regex(/^srn_[A-Za-z0-9_-]{16}$/, 'must be a schedule run id (srn_...)')
  .describe('A schedule run id');

export const INTERVAL_UNITS = ['minutes', 'hours', 'days'] as const;

export const MAX_RUN_COUNT = 1_000_000;

/** The message of a NimboError thrown by a grammar check, or undefined when it passed. */
function problemOf(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (err instanceof NimboError) return err.message;
    throw err;
  }
}

const IntervalWhen = z
  .strictObject({
    kind: z.literal('interval'),
    every: z.strictObject({
      value: z.number().int().min(1).max(10_000),
      unit: z.enum(INTERVAL_UNITS),
    }),
  })
  .describe('Every N minutes, hours or days, counted from startAfter (or from creation)');

const CronWhen = z
  .strictObject({
    kind: z.literal('cron'),
    expression: z
      .string()
      .max(256)
      .describe('5 fields: minute hour day-of-month month day-of-week, or @hourly, @daily ...'),
    timeZone: z.string().max(64).default('UTC').describe('IANA time zone, e.g. Europe/Berlin'),
  })
  .superRefine((when, ctx) => {
    const cron = problemOf(() => parseCron(when.expression));
    if (cron) ctx.addIssue({ code: 'custom', path: ['expression'], message: cron });
    const tz = problemOf(() => assertTimeZone(when.timeZone));
    if (tz) ctx.addIssue({ code: 'custom', path: ['timeZone'], message: tz });
  })
  .describe('A cron expression in a time zone; a time skipped or repeated by DST runs once');

const OnceWhen = z.strictObject({ kind: z.literal('once'), at: Timestamp }).describe('Once, at a time');

export const ScheduleWhenBody = z
  .discriminatedUnion('kind', [IntervalWhen, CronWhen, OnceWhen])
  .meta({ id: 'ScheduleWhen' });
export type ScheduleWhenBody = z.infer<typeof ScheduleWhenBody>;

const MachineActionSchedule = z
  .strictObject({
    type: z.literal('machine.action'),
    action: MachineActionName,
    params: ActionParams.optional(),
  })
  .superRefine(refineActionParams)
  .describe('A machine action on each selected machine');

const ScriptRunSchedule = z
  .strictObject({
    type: z.literal('script.run'),
    scriptId: ScriptId,
    params: ScriptParams.describe('Arguments (ansible: name=value extra vars)'),
    timeoutSeconds: z.number().int().min(1).max(MAX_SCRIPT_TIMEOUT_SECONDS).default(60),
  })
  .describe('Run a script on each selected machine (one script.run job per machine)');

export const ScheduleActionBody = z
  .discriminatedUnion('type', [MachineActionSchedule, ScriptRunSchedule])
  .meta({ id: 'ScheduleAction' });
export type ScheduleActionBody = z.infer<typeof ScheduleActionBody>;
export type MachineActionSchedule = z.infer<typeof MachineActionSchedule>;

/** The run's `action` label: the machine action, or "script.run". */
export function scheduleActionName(action: ScheduleActionBody): string {
  return action.type === 'machine.action' ? action.action : 'script.run';
}

const Description = z.string().trim().max(1024);
const MaxRunCount = z.number().int().min(1).max(MAX_RUN_COUNT);

function checkWindow(b: { startAfter?: string | null; expiresAt?: string | null }, ctx: z.RefinementCtx) {
  if (b.startAfter && b.expiresAt && Date.parse(b.expiresAt) <= Date.parse(b.startAfter)) {
    ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'expiresAt must be after startAfter' });
  }
}

/** How long before a run its schedule.upcoming event goes out: a day at most. */
export const NotifyBefore = z
  .number()
  .int()
  .min(1)
  .max(1440)
  .describe('Minutes before each run to send a schedule.upcoming event (1 to 1440), so people can react');

export const CreateScheduleBody = z
  .strictObject({
    name: Name,
    description: Description.optional(),
    enabled: z.boolean().default(true),
    conditions: Condition.describe('Which machines: evaluated at each run'),
    action: ScheduleActionBody,
    when: ScheduleWhenBody,
    startAfter: Timestamp.optional().describe('No run before this time'),
    expiresAt: Timestamp.optional().describe('No run at or after this time'),
    maxRunCount: MaxRunCount.optional().describe('Stop after this many runs'),
    notifyBeforeMinutes: NotifyBefore.optional(),
    exceptions: ScheduleExceptions.optional(),
    windows: MaintenanceWindows.optional(),
    runImmediately: z
      .boolean()
      .default(false)
      .describe('Run once at creation (or at startAfter), then follow the schedule'),
  })
  .superRefine(checkWindow)
  .meta({ id: 'CreateScheduleRequest' });
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>;

export const UpdateScheduleBody = z
  .strictObject({
    name: Name.optional(),
    description: Description.nullable().optional(),
    enabled: z.boolean().optional(),
    conditions: Condition.optional(),
    action: ScheduleActionBody.optional(),
    when: ScheduleWhenBody.optional(),
    startAfter: Timestamp.nullable().optional().describe('null removes it'),
    expiresAt: Timestamp.nullable().optional().describe('null removes it'),
    maxRunCount: MaxRunCount.nullable().optional().describe('null removes it'),
    notifyBeforeMinutes: NotifyBefore.nullable().optional(),
    exceptions: ScheduleExceptions.nullable().optional().describe('null removes them'),
    windows: MaintenanceWindows.nullable().optional().describe('null: any time'),
    runImmediately: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .superRefine(checkWindow)
  .meta({ id: 'UpdateScheduleRequest' });
export type UpdateScheduleBody = z.infer<typeof UpdateScheduleBody>;

export const INACTIVE_REASONS = [
  'disabled',
  'not_started',
  'expired',
  'max_run_count_reached',
  'no_next_run',
] as const;
export type InactiveReason = (typeof INACTIVE_REASONS)[number];

export const ScheduleView = z
  .object({
    id: ScheduleId,
    name: z.string(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    conditions: Condition,
    action: ScheduleActionBody,
    when: z
      .discriminatedUnion('kind', [
        z.object({
          kind: z.literal('interval'),
          every: z.object({ value: z.number().int(), unit: z.enum(INTERVAL_UNITS) }),
          anchor: Timestamp.describe('Runs fall on anchor + k * every'),
        }),
        z.object({ kind: z.literal('cron'), expression: z.string(), timeZone: z.string() }),
        z.object({ kind: z.literal('once'), at: Timestamp }),
      ])
      .meta({ id: 'ScheduleWhenView' }),
    startAfter: Timestamp.nullable(),
    expiresAt: Timestamp.nullable(),
    maxRunCount: z.number().int().nullable(),
    notifyBeforeMinutes: z
      .number()
      .int()
      .nullable()
      .describe('schedule.upcoming goes out this long before each run'),
    exceptions: ScheduleExceptions.nullable(),
    windows: MaintenanceWindows.nullable(),
    postponed: z
      .object({ from: Timestamp, to: Timestamp })
      .nullable()
      .describe('The next occurrence, moved by POST /v1/schedules/{id}/postpone from `from` to `to`'),
    runImmediately: z.boolean(),
    runCount: z.number().int(),
    nextRunAt: Timestamp.nullable().describe('null: no further run is planned'),
    lastRunAt: Timestamp.nullable(),
    active: z.boolean().describe('Enabled, started, not expired, under its max run count, with a next run'),
    inactiveReason: z.enum(INACTIVE_REASONS).nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Schedule' });
export type ScheduleView = z.infer<typeof ScheduleView>;

export const ScheduleListQuery = listQuery(['name', 'createdAt', 'nextRunAt'], 'name').extend({
  enabled: z.enum(['true', 'false']).optional(),
});
export const SchedulePage = pageOf(ScheduleView, 'SchedulePage');

export const RUN_MACHINE_STATUSES = ['queued', 'succeeded', 'failed', 'skipped'] as const;
export type RunMachineStatus = (typeof RUN_MACHINE_STATUSES)[number];

export const ScheduleRunView = z
  .object({
    id: ScheduleRunId,
    scheduleId: ScheduleId,
    at: Timestamp,
    action: z.string().describe('The machine action run'),
    matched: z.number().int().describe('Machines the conditions selected'),
    queued: z.number().int().describe('Jobs queued'),
    skipped: z.number().int().describe('Machines whose capability flags forbid the action: no job'),
    succeeded: z.number().int(),
    failed: z.number().int(),
    truncated: z.boolean().describe('More machines matched than one run takes; the rest were not acted on'),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    completedAt: Timestamp.nullable().describe('When every job of the run had ended; null while some run'),
    occurrenceSkipped: z
      .object({ code: z.enum(['exception_date', 'calendar', 'outside_window']), reason: z.string() })
      .nullable()
      .describe(
        'The whole occurrence was skipped (an exception day, outside the windows): no machine was acted on',
      ),
    machines: z.array(
      z.object({
        machineId: z.string(),
        name: z.string(),
        jobId: z.string().nullable(),
        status: z.enum(RUN_MACHINE_STATUSES),
        reason: z.string().optional().describe('skipped: why'),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
      }),
    ),
    dryRun: z.literal(false),
  })
  .meta({ id: 'ScheduleRun' });
export type ScheduleRunView = z.infer<typeof ScheduleRunView>;

export const ScheduleRunListQuery = listQuery(['at'], '-at').omit({ q: true });
export const DryRunQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('How many matching machines to list'),
});
export const ScheduleRunPage = pageOf(ScheduleRunView, 'ScheduleRunPage');

/** A month, in hours, as costs count one (GET /v1/costs: monthly = hourly × 730). */
export const HOURS_PER_MONTH = 730;

export const Amount = z.object({ currency: z.string(), amount: z.number() });

/** A stop's saving, as a dry run estimates it for a month and as each run records it. */
export const SavingsEstimate = z
  .object({
    basis: z
      .enum(['until_matching_start', 'until_next_stop', 'not_a_stop'])
      .describe(
        'until_matching_start: machines are off from each stop to the next run of an enabled start schedule ' +
          'with the same conditions; until_next_stop: no such schedule, so they are taken to stay off until ' +
          "this schedule's next run (an upper bound: nobody starts them by hand); not_a_stop: saves nothing",
      ),
    startScheduleId: z.string().nullable().describe('The matching start schedule, if any'),
    offHours: z
      .number()
      .describe('Hours the machines are off: in the next 730 h (dry run), or after this run'),
    machines: z.number().int().describe('Machines the stop acts on (running now, action allowed)'),
    unpriced: z.number().int().describe('Of them, machines with no known price (not counted)'),
    saved: z.array(Amount).describe('offHours × the sum of their hourlyCost, per currency'),
  })
  .meta({ id: 'SavingsEstimate' });
export type SavingsEstimate = z.infer<typeof SavingsEstimate>;

export const ScheduleDryRunView = z
  .object({
    active: z.boolean(),
    inactiveReason: z.enum(INACTIVE_REASONS).nullable(),
    nextRunAt: Timestamp.nullable(),
    nextRunSkipped: z
      .object({ code: z.enum(['exception_date', 'calendar', 'outside_window']), reason: z.string() })
      .nullable()
      .describe('The next run will be skipped (an exception day, outside the windows), and why'),
    action: ScheduleActionBody,
    count: z.number().int().describe('Machines the conditions select now'),
    byState: z.record(z.string(), z.number().int()),
    items: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        state: z.string(),
        cloudId: z.string(),
        allowed: z.boolean().describe("Whether the machine's capability flags allow the action now"),
        reason: z.string().optional().describe('Why not'),
      }),
    ),
    savings: SavingsEstimate.describe('What a stop schedule would save in the next 730 hours'),
    dryRun: z.literal(true),
  })
  .meta({ id: 'ScheduleDryRun' });
