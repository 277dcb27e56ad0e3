/**
 * Runs a query the way mongod's planner does, in small: picks an access plan (storage/planner.ts for
 * the cheapest, storage/sort-plan.ts for one that yields the sort order), runs it lazily, tests each
 * candidate against the filter, and stops once skip + limit documents are in hand. The result carries
 * the winning plan in mongod's explain shape and what running it examined.
 */
import type { Document } from 'bson';
import { asCommandError, checkDeadline, compileFilter, parseSort, sortDocuments } from './query.js';
import { type AccessPlan, newCounters, type PlanCounters } from './storage/access-plan.js';
import type { StoredCollection } from './storage/types.js';

export interface QueryRequest {
  filter?: Document;
  sort?: Document;
  skip?: number;
  /** Infinity (the default) for no limit. */
  limit?: number;
  /** performance.now() time past which the query fails with MaxTimeMSExpired. */
  deadline?: number;
}

export interface QueryRun {
  /** The matching documents, sorted, after skip and limit. Stored objects: read-only. */
  docs: Document[];
  /** The plan that produced them, as mongod's explain shows it (LIMIT, SKIP, SORT, FETCH, IXSCAN, ...). */
  winningPlan: Document;
  counters: PlanCounters;
}

/** How many documents are examined between two looks at the clock. */
const DEADLINE_STRIDE = 64;

/** Up to `want` matches from `source`; gives up (null) once the plan has read more than `budget` keys. */
function collectMatches(
  source: Iterable<Document>,
  matches: (d: Document) => boolean,
  want: number,
  counters: PlanCounters,
  deadline: number | undefined,
  budget = Number.POSITIVE_INFINITY,
): Document[] | null {
  const out: Document[] = [];
  let seen = 0;
  if (want <= 0) return out;
  for (const doc of source) {
    if (++seen % DEADLINE_STRIDE === 0) checkDeadline(deadline);
    if (matches(doc)) {
      out.push(doc);
      if (out.length >= want) return out;
    }
    if (counters.keysExamined > budget) return null;
  }
  return out;
}

function* collectionScan(coll: StoredCollection, counters: PlanCounters): Generator<Document> {
  for (const doc of coll.all()) {
    counters.docsExamined++;
    yield doc;
  }
}

function baseStage(plan: AccessPlan | null, filter: Document): Document {
  const hasFilter = Object.keys(filter).length > 0;
  if (plan === null) return { stage: 'COLLSCAN', ...(hasFilter ? { filter } : {}), direction: 'forward' };
  return { stage: 'FETCH', ...(hasFilter ? { filter } : {}), inputStage: plan.stage() };
}

function withSkipLimit(stage: Document, skip: number, limit: number): Document {
  let out = stage;
  if (skip > 0) out = { stage: 'SKIP', skipAmount: skip, inputStage: out };
  if (Number.isFinite(limit)) out = { stage: 'LIMIT', limitAmount: limit, inputStage: out };
  return out;
}

export function runQuery(coll: StoredCollection | undefined, req: QueryRequest): QueryRun {
  const filter = req.filter ?? {};
  const skip = req.skip ?? 0;
  const limit = req.limit ?? Number.POSITIVE_INFINITY;
  const want = skip + limit;
  const sortKeys = parseSort(req.sort);
  if (!coll || limit <= 0) {
    return { docs: [], winningPlan: { stage: 'EOF' }, counters: newCounters() };
  }
  const matches = compileFilter(filter);
  try {
    const { any, sorted } = coll.plans(filter, sortKeys);
    const scanCost = any ? any.cost : coll.count();
    if (sorted !== null) {
      // mongod races candidate plans; here the ordered walk gets the other plan's whole cost as its
      // budget: a page it finds within that is never slower, and giving up costs at most twice.
      const race = Number.isFinite(want);
      if (race || sorted.cost <= 2 * scanCost) {
        const counters = newCounters();
        const found = collectMatches(
          coll.resolve(sorted, counters),
          matches,
          want,
          counters,
          req.deadline,
          race ? scanCost : Number.POSITIVE_INFINITY,
        );
        if (found !== null) {
          return {
            docs: found.slice(skip),
            winningPlan: withSkipLimit(baseStage(sorted, filter), skip, limit),
            counters,
          };
        }
      }
    }
    const counters = newCounters();
    const source = any ? coll.resolve(any, counters) : collectionScan(coll, counters);
    const base = baseStage(any, filter);
    if (sortKeys.length === 0) {
      const found = collectMatches(source, matches, want, counters, req.deadline) ?? [];
      return { docs: found.slice(skip), winningPlan: withSkipLimit(base, skip, limit), counters };
    }
    const all = collectMatches(source, matches, Number.POSITIVE_INFINITY, counters, req.deadline) ?? [];
    const sortStage: Document = {
      stage: 'SORT',
      sortPattern: req.sort,
      memLimit: 104_857_600,
      ...(Number.isFinite(want) ? { limitAmount: want } : {}),
      type: 'simple',
      inputStage: base,
    };
    const winningPlan = skip > 0 ? { stage: 'SKIP', skipAmount: skip, inputStage: sortStage } : sortStage;
    return { docs: sortDocuments(all, req.sort, want).slice(skip, want), winningPlan, counters };
  } catch (err) {
    asCommandError(err);
  }
}

/** Stored documents matching `filter`, in plan order; stops after `max` matches, or at `deadline`. */
export function findMatches(
  coll: StoredCollection | undefined,
  filter: Document | undefined,
  max = Number.POSITIVE_INFINITY,
  deadline?: number,
): Document[] {
  return runQuery(coll, { ...(filter ? { filter } : {}), limit: max, ...(deadline ? { deadline } : {}) })
    .docs;
}
