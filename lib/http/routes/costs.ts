import { fleetCosts } from '../../costs/costs.js';
import {
  CostHistory,
  CostHistoryQuery,
  CostQuery,
  CostReport,
  SavingsQuery,
  SavingsReport,
} from '../../costs/schemas.js';
import { costHistory } from '../../costs/snapshots.js';
import { savingsReport } from '../../schedules/savings.js';
import { type AnyRoute, defineRoute } from '../route.js';

export const getCosts = defineRoute({
  method: 'GET',
  path: '/v1/costs',
  operationId: 'getCosts',
  summary:
    'What the fleet costs per hour and per month (× 730), grouped by cloud, region, provider, size or a tag',
  description:
    'Over the machines in `state` (running by default), missing machines left out; machines without the tag ' +
    '(or size) are grouped under null, and machines whose price is unknown count as 0 (`unpriced`). Amounts ' +
    'are never converted between currencies (Hetzner prices in EUR without VAT, the others in USD): groups ' +
    'and `totals` are per currency, and `total` is set when one currency covers every priced machine.',
  tag: 'costs',
  auth: 'viewer',
  query: CostQuery,
  responses: { 200: { description: 'The costs, grouped', schema: CostReport } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await fleetCosts(await deps(), actor.orgId, query),
  }),
});

export const getCostSavings = defineRoute({
  method: 'GET',
  path: '/v1/costs/savings',
  operationId: 'getCostSavings',
  summary: 'What the stop schedules saved in a period, per schedule and currency, as each run recorded it',
  description:
    "A run's saving is the hours its machines stay off (to the next run of an enabled start schedule with " +
    "the same conditions, else to the stop's own next run, at most 730) × the hourlyCost of the machines it " +
    'queued a stop for.',
  tag: 'costs',
  auth: 'viewer',
  query: SavingsQuery,
  responses: { 200: { description: 'The savings', schema: SavingsReport } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await savingsReport(await deps(), actor.orgId, query),
  }),
});

export const getCostHistory = defineRoute({
  method: 'GET',
  path: '/v1/costs/history',
  operationId: 'getCostHistory',
  summary: "The daily cost snapshots of the org's running fleet, oldest first, in one grouping",
  tag: 'costs',
  auth: 'viewer',
  query: CostHistoryQuery,
  responses: { 200: { description: 'One entry per day with a snapshot', schema: CostHistory } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await costHistory(await deps(), actor.orgId, query),
  }),
});

export const costRoutes: AnyRoute[] = [getCosts, getCostSavings, getCostHistory];
