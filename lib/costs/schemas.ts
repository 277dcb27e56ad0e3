/** The costs API: what the fleet costs by a grouping, what schedules save, and the daily snapshots. */
import { z } from 'zod';
import { Timestamp } from '../model/common.js';
import { Amount, HOURS_PER_MONTH } from '../model/schedule.js';
import { MACHINE_STATES } from '../providers/compute.js';

export const COST_GROUPINGS = ['cloud', 'region', 'provider', 'size'] as const;

const GroupBy = z
  .string()
  .max(140)
  .regex(
    // One check (a NUL byte is outside it too), so a bad value gets one error.
    /^(cloud|region|provider|size|tag:[^\s\0][^\0]{0,127})$/,
    'must be cloud, region, provider, size or tag:<key> (a tag key of 1-128 characters)',
  )
  .describe('cloud, region, provider, size, or tag:<key> (machines without the tag are grouped under null)');

export const CostQuery = z.strictObject({
  groupBy: GroupBy.default('provider'),
  state: z
    .enum([...MACHINE_STATES, 'any'])
    .default('running')
    .describe('Machines in this state (running by default: what is being paid by the hour); any: all'),
});
export type CostQuery = z.infer<typeof CostQuery>;

const Money = z.object({
  hourly: z.number().describe('Sum of hourlyCost'),
  monthly: z.number().describe(`hourly × ${HOURS_PER_MONTH}`),
});

export const CostGroup = z.object({
  key: z.string().nullable().describe('The value grouped by; null for machines without it (tag or size)'),
  currency: z
    .string()
    .nullable()
    .describe('The currency of hourly and monthly; null when no machine is priced'),
  machines: z.number().int(),
  unpriced: z.number().int().describe('Machines of the group whose price is unknown (counted as 0)'),
  ...Money.shape,
});

export const CostReport = z
  .object({
    groupBy: z.string(),
    state: z.string(),
    currency: z
      .string()
      .nullable()
      .describe('The one currency of total, when every priced machine shares it; null when mixed or none'),
    total: z
      .object({ machines: z.number().int(), unpriced: z.number().int(), ...Money.shape })
      .nullable()
      .describe('The whole fleet, in currency; null when prices are in several currencies (see totals)'),
    totals: z
      .array(z.object({ currency: z.string(), machines: z.number().int(), ...Money.shape }))
      .describe('One total per currency: amounts are never converted'),
    groups: z
      .array(CostGroup)
      .describe('Per key and currency, costliest first: a key priced in two currencies appears twice'),
  })
  .meta({ id: 'CostReport' });
export type CostReport = z.infer<typeof CostReport>;

export const SavingsQuery = z.strictObject({
  from: Timestamp.optional().describe('Runs at or after this time (default: 30 days before to)'),
  to: Timestamp.optional().describe('Runs before this time (default: now)'),
});

export const SavingsReport = z
  .object({
    from: Timestamp,
    to: Timestamp,
    totals: z.array(Amount).describe('Per currency, over every schedule'),
    schedules: z.array(
      z.object({
        scheduleId: z.string(),
        name: z.string().nullable().describe('null when the schedule was deleted since'),
        runs: z.number().int(),
        saved: z.array(Amount),
      }),
    ),
  })
  .meta({ id: 'SavingsReport' });
export type SavingsReport = z.infer<typeof SavingsReport>;

export const CostHistoryQuery = z.strictObject({
  groupBy: z.enum(COST_GROUPINGS).default('provider'),
  from: Timestamp.optional().describe('Snapshots of this day or later (default: 30 days before to)'),
  to: Timestamp.optional().describe('Snapshots before this time (default: now)'),
});

export const CostHistory = z
  .object({
    groupBy: z.string(),
    days: z.array(
      z.object({
        day: z.string().describe('YYYY-MM-DD (UTC) of the snapshot'),
        totals: CostReport.shape.totals,
        groups: z.array(CostGroup),
      }),
    ),
  })
  .meta({ id: 'CostHistory' });
