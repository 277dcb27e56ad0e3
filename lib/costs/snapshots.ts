/**
 * A daily cost snapshot per org, for trends: the running fleet grouped by provider, cloud, region and
 * size, as GET /v1/costs answers it, one document per org and UTC day (taken again the same day, it is
 * replaced). Snapshots expire after SNAPSHOT_RETENTION_DAYS through a TTL index on expireAt, as the audit.
 */
import type { Db } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { collections } from '../db/collections.js';
import { fleetCosts } from './costs.js';
import { COST_GROUPINGS, type CostReport } from './schemas.js';

export const SNAPSHOT_RETENTION_DAYS = 400;
const DAY_MS = 86_400_000;

type Grouping = (typeof COST_GROUPINGS)[number];

export interface CostSnapshotDoc {
  /** <orgId>:<YYYY-MM-DD> */
  _id: string;
  orgId: string;
  day: string;
  at: Date;
  totals: CostReport['totals'];
  groups: Record<Grouping, CostReport['groups']>;
  expireAt: Date;
}

export const snapshotCollection = (db: Db) => db.collection<CostSnapshotDoc>('cost_snapshots');

export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** Takes (or retakes) today's snapshot of one org. */
export async function snapshotOrg(deps: ServiceDeps, orgId: string): Promise<CostSnapshotDoc> {
  const at = deps.now();
  const groups = {} as Record<Grouping, CostReport['groups']>;
  let totals: CostReport['totals'] = [];
  for (const groupBy of COST_GROUPINGS) {
    const report = await fleetCosts(deps, orgId, { groupBy, state: 'running' });
    groups[groupBy] = report.groups;
    totals = report.totals;
  }
  const day = utcDay(at);
  const doc: CostSnapshotDoc = {
    _id: `${orgId}:${day}`,
    orgId,
    day,
    at,
    totals,
    groups,
    expireAt: new Date(at.getTime() + SNAPSHOT_RETENTION_DAYS * DAY_MS),
  };
  await snapshotCollection(deps.db).replaceOne({ _id: doc._id, orgId }, doc, { upsert: true });
  return doc;
}

/**
 * The tick's step: snapshots the orgs that have none for today yet, at most `limit` per call (the next
 * ticks take the rest). Spans orgs, like the due queries: the system finding its work.
 */
export async function takeDueSnapshots(deps: ServiceDeps, limit = 20): Promise<number> {
  const day = utcDay(deps.now());
  const done = new Set(
    (
      await snapshotCollection(deps.db)
        .find({ day }, { projection: { orgId: 1 } })
        .toArray()
    ).map((d) => d.orgId),
  );
  const orgs = await collections(deps.db)
    .orgs.find({}, { projection: { _id: 1 } })
    .toArray();
  const due = orgs.map((o) => o._id).filter((id) => !done.has(id));
  for (const orgId of due.slice(0, limit)) await snapshotOrg(deps, orgId);
  return Math.min(due.length, limit);
}

/** GET /v1/costs/history: the org's snapshots of [from, to), oldest first, in one grouping. */
export async function costHistory(
  deps: ServiceDeps,
  orgId: string,
  query: { groupBy: Grouping; from?: string | undefined; to?: string | undefined },
) {
  // Without `to`, up to now included.
  const to = query.to ? new Date(query.to) : new Date(deps.now().getTime() + 1);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
  const docs = await snapshotCollection(deps.db)
    .find({ orgId, day: { $gte: utcDay(from) }, at: { $lt: to } })
    .sort({ day: 1 })
    .limit(400)
    .toArray();
  return {
    groupBy: query.groupBy,
    days: docs.map((d) => ({ day: d.day, totals: d.totals, groups: d.groups[query.groupBy] ?? [] })),
  };
}
