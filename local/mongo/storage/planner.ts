/**
 * Candidate selection: turns a filter into index probes. The result must be a SUPERSET of the matches
 * (the command layer re-tests every candidate), so whenever a construct's semantics are not plainly
 * "the field's value or one of its array elements equals / lies in range", the constraint is ignored.
 * Sort-providing plans are sort-plan.ts; this file finds the cheapest plan regardless of order.
 */
import type { Document } from 'bson';
import { type AccessPlan, idOf, ixscanStage, type PlanCounters, type PlanSource } from './access-plan.js';
import { indexBounds } from './bounds.js';
import { analyzeFilter, type Conditions, smallest } from './conditions.js';
import type { Index } from './indexes.js';
import { tupleKey } from './keys.js';
import type { Entry, RangeCond } from './sorted.js';
import { canonicalKey, compareValues, isPlainDocument } from './values.js';

export type { PlanSource } from './access-plan.js';

/** The cheapest plan for `filter`, or null for "scan everything" (no index constrains it). */
export function planCandidates(filter: Document, src: PlanSource): AccessPlan | null {
  const { conds, ors } = analyzeFilter(filter);
  if (conds.size === 0 && ors.length === 0) return null;
  let best: AccessPlan | null = null;
  const consider = (plan: AccessPlan | null) => {
    if (plan !== null && (best === null || plan.cost < best.cost)) best = plan;
  };
  const cost = () => (best as AccessPlan | null)?.cost ?? Number.POSITIVE_INFINITY;

  const idCond = conds.get('_id');
  if (idCond) {
    const eq = smallest(idCond.eqs);
    if (eq) consider(idLookup(eq, src));
    else if (idCond.range) consider(indexPlan(src.idIndex(), conds, src));
  }
  for (const ix of src.secondary()) {
    if (cost() === 0) break;
    if (ix.plannable) consider(indexPlan(ix, conds, src));
  }
  // An $or is a superset of the whole filter's matches when every branch is indexable: take the union.
  for (const branches of ors) {
    if (cost() <= branches.length) break;
    consider(unionOfBranches(branches, src));
  }
  return best;
}

/** `_id` equalities, probed in key order as mongod's index scan returns them. */
function idLookup(values: unknown[], src: PlanSource): AccessPlan {
  const sorted = [...values].sort(compareValues);
  const keys = sorted.map(canonicalKey).filter((k) => src.hasId(k));
  return {
    cost: keys.length,
    label: '_id_',
    sorted: false,
    *run(counters) {
      for (const k of keys) {
        counters.keysExamined++;
        yield k;
      }
    },
    stage: () =>
      values.length === 1
        ? { stage: 'IDHACK' }
        : ixscanStage(src.idIndex(), 'forward', indexBounds(src.idIndex(), [sorted], undefined, false)),
  };
}

/** Branch results in branch order, deduplicated (like mongod's OR stage), or null if one needs a scan. */
function unionOfBranches(branches: unknown[], src: PlanSource): AccessPlan | null {
  const plans: AccessPlan[] = [];
  for (const b of branches) {
    if (!isPlainDocument(b)) return null;
    const plan = planCandidates(b, src);
    if (plan === null) return null;
    plans.push(plan);
  }
  return {
    cost: plans.reduce((n, p) => n + p.cost, 0),
    label: `$or(${plans.map((p) => p.label).join(',')})`,
    sorted: false,
    *run(counters) {
      const seen = new Set<string>();
      for (const p of plans) {
        for (const x of p.run(counters)) {
          const id = idOf(x);
          if (seen.has(id)) continue;
          seen.add(id);
          yield x;
        }
      }
    },
    stage: () => ({ stage: 'OR', inputStages: plans.map((p) => p.stage()) }),
  };
}

const MAX_PROBES = 256;

/**
 * The equality prefix an index can serve. A multikey compound index holds its keys element by element
 * (keys.ts), so two fields under one array path may be bounded together only when one $elemMatch
 * constrains both (then the same element meets both, as mongod compounds such bounds); separate
 * conditions could be met by different elements. Fields under different paths are independent.
 */
export function eqPrefix(ix: Index, conds: Conditions): unknown[][] {
  const eqLists: unknown[][] = [];
  const compound = ix.multikey && ix.fields.length > 1;
  const chosen: Array<{ field: string; group?: string }> = [];
  for (const f of ix.fields) {
    const c = conds.get(f);
    if (!c) break;
    const plain = smallest(c.eqs);
    const elem = c.elemEqs?.[0];
    let pick: { values: unknown[]; group?: string } | undefined;
    const head = f.includes('.') ? f.split('.')[0] : undefined;
    const related = head === undefined ? [] : chosen.filter((ch) => ch.field.startsWith(`${head}.`));
    if (!compound) {
      pick = plain ? { values: plain } : elem ? { values: elem.values } : undefined;
    } else if (related.length === 0) {
      pick = elem ? { values: elem.values, group: elem.group } : plain ? { values: plain } : undefined;
    } else {
      const group = related[0]!.group;
      const same = group === undefined ? undefined : c.elemEqs?.find((e) => e.group === group);
      if (same && related.every((r) => r.group === group)) pick = { values: same.values, group };
    }
    if (!pick) break;
    eqLists.push(pick.values);
    chosen.push({ field: f, ...(pick.group ? { group: pick.group } : {}) });
  }
  return eqLists;
}

/** How a scan of `ix` is bounded by `conds`: equality lists for its leading fields, then a range. */
export interface ScanShape {
  eqLists: unknown[][];
  range: RangeCond | undefined;
  /** The equality prefixes in index key order (the cartesian product of eqLists). */
  prefixes: unknown[][];
}

export function scanShape(ix: Index, conds: Conditions): ScanShape | null {
  const eqLists = eqPrefix(ix, conds);
  const k = eqLists.length;
  // On a multikey compound index only the first field takes a range (it needs no partner element).
  const rangeField =
    ix.multikey && ix.fields.length > 1 ? (k === 0 ? ix.fields[0] : undefined) : ix.fields[k];
  let range = rangeField === undefined ? undefined : conds.get(rangeField)?.range;
  // On a multikey index, lo and hi may be satisfied by different elements of one doc: keep one bound.
  if (range && ix.multikey && range.lo && range.hi && !range.tight)
    range = { rank: range.rank, lo: range.lo };
  const prefixes = product(eqLists);
  if (prefixes === null) return null;
  prefixes.sort(compareTuples); // results come out in index key order, as from mongod's index scan
  return { eqLists, range, prefixes };
}

function indexPlan(ix: Index, conds: Conditions, src: PlanSource): AccessPlan | null {
  const shape = scanShape(ix, conds);
  if (shape === null || (shape.eqLists.length === 0 && !shape.range)) return null;
  const { eqLists, range, prefixes } = shape;
  const stage = () => ixscanStage(ix, 'forward', indexBounds(ix, eqLists, range, false));
  if (eqLists.length === ix.fields.length) {
    const keys = prefixes.map(tupleKey);
    let cost = 0;
    for (const key of keys) cost += ix.lookupCount(key);
    const inOrder = (key: string): Iterable<string> => {
      const ids = ix.lookup(key);
      if (!ix.reordered || !(ids instanceof Set) || ids.size < 2) return ids;
      return [...ids].sort((a, b) => src.seqOf(a) - src.seqOf(b));
    };
    return {
      cost,
      label: ix.name,
      sorted: false,
      index: ix,
      stage,
      *run(counters) {
        const seen = ix.multikey && keys.length > 0 ? new Set<string>() : null;
        for (const key of keys) {
          for (const id of inOrder(key)) {
            counters.keysExamined++;
            if (seen) {
              if (seen.has(id)) continue;
              seen.add(id);
            }
            yield id;
          }
        }
      },
    };
  }
  const sorted = ix.ordered();
  const spans = prefixes.map((p) => sorted.span(p, range));
  let cost = 0;
  for (const [s, e] of spans) cost += e - s;
  return {
    cost,
    label: ix.name,
    sorted: false,
    index: ix,
    stage,
    *run(counters) {
      const seen = ix.multikey ? new Set<string>() : null;
      for (const [s, e] of spans) yield* scanSpan(sorted.scan(s, e), counters, seen);
    },
  };
}

/** Counts each entry as an examined key; on a multikey index a document is yielded once. */
export function* scanSpan(
  entries: Iterable<Entry>,
  counters: PlanCounters,
  seen: Set<string> | null,
): Generator<Entry> {
  for (const entry of entries) {
    counters.keysExamined++;
    if (seen) {
      if (seen.has(entry.id)) continue;
      seen.add(entry.id);
    }
    yield entry;
  }
}

function compareTuples(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

function product(lists: unknown[][]): unknown[][] | null {
  let out: unknown[][] = [[]];
  for (const l of lists) {
    if (out.length * l.length > MAX_PROBES) return null;
    const next: unknown[][] = [];
    for (const p of out) for (const v of l) next.push([...p, v]);
    out = next;
  }
  return out;
}
