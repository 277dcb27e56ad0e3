/**
 * What the fleet costs: one aggregation in the database, grouped by a machine field or a tag's value and
 * by currency (amounts in different currencies are never added: Hetzner prices in EUR, the others in
 * USD, and Nimbo has no exchange rate). Missing machines are left out; running machines by default.
 */
import type { Document } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { collections } from '../db/collections.js';
import { HOURS_PER_MONTH } from '../model/schedule.js';
import type { CostQuery, CostReport } from './schemas.js';

const FIELD: Record<string, string> = {
  cloud: '$cloudId',
  region: '$region',
  provider: '$provider',
  size: '$size',
};

/** Rounded to a millionth: sums of floats otherwise show their binary noise. */
export const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * The group key expression: a field, or the value of one tag (null without it). Written for the embedded
 * server's speed too: one $indexOfArray over the tag keys, no per-tag $filter.
 */
export function groupKeyExpression(groupBy: string): unknown {
  if (groupBy.startsWith('tag:')) {
    const key = groupBy.slice(4);
    return {
      $let: {
        vars: { i: { $indexOfArray: ['$tags.k', key] } },
        // Not found (-1) or no tags (null): null.
        in: { $cond: [{ $lt: ['$$i', 0] }, null, { $arrayElemAt: ['$tags.v', '$$i'] }] },
      },
    };
  }
  const field = FIELD[groupBy];
  if (!field) throw new Error(`unknown grouping ${groupBy}`);
  return field;
}

export function costMatch(orgId: string, state: string): Document {
  return { orgId, missingSince: null, ...(state === 'any' ? {} : { state }) };
}

interface Row {
  _id: { key: string | null; currency: string | null };
  machines: number;
  hourly: number;
}

interface RawRow {
  _id: { key?: unknown; c?: string | null; p?: string };
  n: number;
  h: number;
}

/**
 * One $group by (key, price.currency, provider), summing hourlyCost ($sum skips nulls). Rows without a
 * currency are the unpriced machines, except machines polled before prices had a currency (their next
 * poll sets it): those have a sum, in their provider's currency (Hetzner EUR, the others USD).
 */
async function groupRows(deps: ServiceDeps, match: Document, groupBy: string): Promise<Row[]> {
  const raw = await collections(deps.db)
    .machines.aggregate<RawRow>(
      [
        { $match: match },
        {
          $group: {
            _id: { key: groupKeyExpression(groupBy), c: '$price.currency', p: '$provider' },
            n: { $sum: 1 },
            h: { $sum: '$hourlyCost' },
          },
        },
      ],
      { maxTimeMS: 20_000 },
    )
    .toArray();
  const merged = new Map<string, Row>();
  for (const r of raw) {
    const key = r._id.key === null || r._id.key === undefined ? null : String(r._id.key);
    const currency = r._id.c ?? (r.h > 0 ? (r._id.p === 'hetzner' ? 'EUR' : 'USD') : null);
    const id = JSON.stringify([key, currency]);
    const row = merged.get(id) ?? { _id: { key, currency }, machines: 0, hourly: 0 };
    row.machines += r.n;
    row.hourly += r.h ?? 0;
    merged.set(id, row);
  }
  return [...merged.values()];
}

/** Groups from rows: a key's unpriced machines join its priced group when it has exactly one currency. */
export function reportFromRows(rows: Row[], groupBy: string, state: string): CostReport {
  const byKey = new Map<string | null, Row[]>();
  for (const r of rows) {
    const key = r._id.key === null || r._id.key === undefined ? null : String(r._id.key);
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const groups: CostReport['groups'] = [];
  for (const [key, list] of byKey) {
    const priced = list.filter((r) => r._id.currency !== null);
    const unpriced = list.find((r) => r._id.currency === null)?.machines ?? 0;
    if (priced.length === 0) {
      groups.push({ key, currency: null, machines: unpriced, unpriced, hourly: 0, monthly: 0 });
      continue;
    }
    const fold = priced.length === 1;
    for (const r of priced) {
      groups.push({
        key,
        currency: r._id.currency,
        machines: r.machines + (fold ? unpriced : 0),
        unpriced: fold ? unpriced : 0,
        hourly: round6(r.hourly),
        monthly: round6(r.hourly * HOURS_PER_MONTH),
      });
    }
    if (!fold && unpriced > 0) {
      groups.push({ key, currency: null, machines: unpriced, unpriced, hourly: 0, monthly: 0 });
    }
  }
  groups.sort(
    (a, b) => b.hourly - a.hourly || String(a.key ?? '\uffff').localeCompare(String(b.key ?? '\uffff')),
  );
  const perCurrency = new Map<string, { machines: number; hourly: number }>();
  let machines = 0;
  let unpriced = 0;
  for (const r of rows) {
    machines += r.machines;
    if (r._id.currency === null) {
      unpriced += r.machines;
      continue;
    }
    const t = perCurrency.get(r._id.currency) ?? { machines: 0, hourly: 0 };
    t.machines += r.machines;
    t.hourly += r.hourly;
    perCurrency.set(r._id.currency, t);
  }
  const totals = [...perCurrency]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, t]) => ({
      currency,
      machines: t.machines,
      hourly: round6(t.hourly),
      monthly: round6(t.hourly * HOURS_PER_MONTH),
    }));
  const single = totals.length === 1 ? totals[0]! : null;
  const noneYet = totals.length === 0;
  return {
    groupBy,
    state,
    currency: single?.currency ?? null,
    total: single
      ? { machines, unpriced, hourly: single.hourly, monthly: single.monthly }
      : noneYet
        ? { machines, unpriced, hourly: 0, monthly: 0 }
        : null,
    totals,
    groups,
  };
}

/** GET /v1/costs: the org's machines in `state`, grouped; one aggregation, whatever the fleet's size. */
export async function fleetCosts(deps: ServiceDeps, orgId: string, query: CostQuery): Promise<CostReport> {
  const rows = await groupRows(deps, costMatch(orgId, query.state), query.groupBy);
  return reportFromRows(rows, query.groupBy, query.state);
}

/** What some of an org's machines cost per hour, per currency, and how many have no price. */
export async function hourlyOf(
  deps: ServiceDeps,
  orgId: string,
  machineIds: string[],
): Promise<{ perCurrency: Array<{ currency: string; hourly: number }>; machines: number; unpriced: number }> {
  if (machineIds.length === 0) return { perCurrency: [], machines: 0, unpriced: 0 };
  const rows = await groupRows(deps, { orgId, _id: { $in: machineIds } }, 'provider');
  const report = reportFromRows(rows, 'provider', 'any');
  return {
    perCurrency: report.totals.map((t) => ({ currency: t.currency, hourly: t.hourly })),
    machines: report.total?.machines ?? rows.reduce((n, r) => n + r.machines, 0),
    unpriced: rows.filter((r) => r._id.currency === null).reduce((n, r) => n + r.machines, 0),
  };
}
