/**
 * An access plan: one way to reach the documents a filter may match (an index probe, a union of them,
 * a merge of ordered scans), with its cost known before it runs and mongod's explain shape for it.
 * Plans are lazy: a caller that stops after a page has paid for the page only.
 */
import type { Document } from 'bson';
import type { Index } from './indexes.js';
import type { Entry } from './sorted.js';

/** What running a plan has cost so far, as mongod's explain counts it. */
export interface PlanCounters {
  keysExamined: number;
  docsExamined: number;
}

export function newCounters(): PlanCounters {
  return { keysExamined: 0, docsExamined: 0 };
}

export interface AccessPlan {
  /** Index keys (or ids) the plan reads if run to the end: what the planner compares. */
  cost: number;
  /** Short form for diagnostics: "_id_", an index name, "$or(a_1,b_1)". */
  label: string;
  /** Candidate ids in the plan's order. Ordered-view scans yield their Entry (its key values serve covered reads). */
  run(counters: PlanCounters): Iterable<string | Entry>;
  /** mongod's explain stage for this access: IXSCAN, IDHACK, OR or SORT_MERGE. */
  stage(): Document;
  /** The ids come out in the requested sort order. */
  sorted: boolean;
  /** Set when the plan reads exactly one index (covered projections need its key values). */
  index?: Index;
}

/** What the planners need from a collection. */
export interface PlanSource {
  secondary(): Index[];
  /** The _id index's ordered view (built on demand). */
  idIndex(): Index;
  hasId(idKey: string): boolean;
  /** Insertion sequence of a doc (mongod's RecordId order). */
  seqOf(idKey: string): number;
}

export function idOf(x: string | Entry): string {
  return typeof x === 'string' ? x : x.id;
}

/** mongod's IXSCAN stage fields for `ix`. */
export function ixscanStage(ix: Index, direction: 'forward' | 'backward', bounds: Document): Document {
  return {
    stage: 'IXSCAN',
    keyPattern: { ...ix.spec.key },
    indexName: ix.name,
    isMultiKey: ix.multikey,
    isUnique: ix.unique,
    isSparse: ix.sparse,
    isPartial: ix.spec.partialFilterExpression !== undefined,
    indexVersion: 2,
    direction,
    indexBounds: bounds,
  };
}
