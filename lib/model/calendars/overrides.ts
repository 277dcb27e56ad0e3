/**
 * What keeps schedules off a machine for a while (overrides), moves a schedule's next occurrence
 * (postpone), and lists its occurrences ahead with what will be skipped.
 */
import { z } from 'zod';
import { idSchema, Timestamp } from '../common.js';
import { pageOf } from '../list.js';
import { ScheduleId } from '../schedule.js';

export const OverrideId = idSchema('machineOverride').describe('A machine override id');

/** An override lasts at most this long. */
export const MAX_OVERRIDE_DAYS = 90;

export const CreateOverrideBody = z
  .strictObject({
    until: Timestamp.describe(`Until when (in the future, at most ${MAX_OVERRIDE_DAYS} days ahead)`),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(512)
      .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters'),
    scheduleId: ScheduleId.optional().describe('Only this schedule; absent: every schedule'),
  })
  .meta({ id: 'CreateMachineOverrideRequest' });
export type CreateOverrideBody = z.infer<typeof CreateOverrideBody>;

export const OverrideView = z
  .object({
    id: OverrideId,
    machineId: z.string(),
    scheduleId: ScheduleId.nullable().describe('null: every schedule'),
    until: Timestamp,
    reason: z.string(),
    createdBy: z.object({ type: z.enum(['token', 'system']), id: z.string(), name: z.string() }),
    createdAt: Timestamp,
  })
  .meta({ id: 'MachineOverride' });
export type OverrideView = z.infer<typeof OverrideView>;
export const OverridePage = pageOf(OverrideView, 'MachineOverridePage');

/** A postpone moves the next occurrence by at most a day. */
export const MAX_POSTPONE_MINUTES = 1440;

export const PostponeBody = z
  .strictObject({
    minutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_POSTPONE_MINUTES)
      .describe('How much later the next occurrence runs (1 to 1440), once'),
  })
  .meta({ id: 'PostponeScheduleRequest' });

export const PostponeView = z
  .object({
    scheduleId: ScheduleId,
    from: Timestamp.describe('The occurrence as it was planned'),
    to: Timestamp.describe('When it runs now'),
    nextRunAt: Timestamp,
  })
  .meta({ id: 'SchedulePostponed' });
export type PostponeView = z.infer<typeof PostponeView>;

export const MAX_OCCURRENCE_RANGE_DAYS = 366;

export const OccurrencesQuery = z
  .strictObject({
    from: Timestamp.optional().describe('From this time (default: now)'),
    to: Timestamp.optional().describe(
      `Until this time (default and at most: from + ${MAX_OCCURRENCE_RANGE_DAYS} days)`,
    ),
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('At most this many occurrences'),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && Date.parse(q.to) <= Date.parse(q.from))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (q.from && q.to && Date.parse(q.to) - Date.parse(q.from) > MAX_OCCURRENCE_RANGE_DAYS * 86_400_000)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `at most ${MAX_OCCURRENCE_RANGE_DAYS} days after from`,
      });
  });

export const OccurrencesView = z
  .object({
    items: z.array(
      z.object({
        at: Timestamp,
        postponedFrom: Timestamp.optional().describe('Moved here by a postpone from this time'),
        skipped: z
          .object({ code: z.enum(['exception_date', 'calendar', 'outside_window']), reason: z.string() })
          .optional()
          .describe('This occurrence will be skipped, and why'),
      }),
    ),
    truncated: z.boolean().describe('More occurrences fall in the range than `limit`'),
  })
  .meta({ id: 'ScheduleOccurrences' });
export type OccurrencesView = z.infer<typeof OccurrencesView>;
