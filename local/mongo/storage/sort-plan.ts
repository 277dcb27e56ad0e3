/**
 * Sort-providing plans: an index whose key order is the requested sort once its equality-bound leading
 * fields are set aside, walked forward or backward, so that a sort + limit reads the page's entries and
 * no more. Several spans (an $in on a leading field, or an $or whose branches each bound the index, as
 * keyset pagination's `{$or: [{name: {$gt: v}}, {name: v, _id: {$gt: id}}]}` does) are merged in sort
 * order, as mongod's SORT_MERGE does.
 *
 * Our ordered view holds every index in ascending value order whatever the key's declared direction,
 * so a sort is served when its free keys all go one way (forward) or all the other (backward).
 * Multikey indexes never serve a sort here: an array sorts by its min or max element, not by each key.
 */
import type { Document } from 'bson';
import { type AccessPlan, ixscanStage, type PlanSource } from './access-plan.js';
import { indexBounds, scanDirection } from './bounds.js';
import { analyzeFilter, type Conditions, withBranch } from './conditions.js';
import type { Index } from './indexes.js';
import { type ScanShape, scanShape, scanSpan } from './planner.js';
import { compareEntries, type Entry, type SortedEntries } from './sorted.js';
import { compareValues, isPlainDocument } from './values.js';

export type SortKey = [path: string, direction: 1 | -1];

/** How an index yields the sort: the index position of each sort key, and the walk direction. */
interface SortFit {
  positions: number[];
  /** undefined: every sort key is bound by equality, either direction will do. */
  backward: boolean | undefined;
}

/**
 * Whether walking `ix` (with `eqLists` binding its leading fields) yields `sort` order in each span.
 * Leading fields bound by equality may be skipped (the merge orders spans by them); the sort's other
 * keys must follow on from there, in index order.
 */
function sortFit(ix: Index, sort: SortKey[], eqLists: unknown[][]): SortFit | null {
  const k = eqLists.length;
  const positions: number[] = [];
  let backward: boolean | undefined;
  let pos = 0;
  for (const [path, dir] of sort) {
    // Within one span every leading field bound by equality holds one value (one span per prefix).
    while (pos < k && ix.fields[pos] !== path) pos++;
    if (ix.fields[pos] !== path) return null;
    if (pos >= k) {
      if (backward !== undefined && backward !== (dir === -1)) return null;
      backward = dir === -1;
    }
    positions.push(pos);
    pos++;
  }
  return { positions, backward };
}

interface Span {
  sorted: SortedEntries;
  start: number;
  end: number;
  stage: Document;
}

/** The cheapest plan that yields `filter`'s candidates in `sort` order, or null if no index can. */
export function planSorted(filter: Document, sort: SortKey[], src: PlanSource): AccessPlan | null {
  if (sort.length === 0 || sort.some(([path]) => path === '$natural')) return null;
  const { conds, ors } = analyzeFilter(filter);
  const branchLists: Conditions[][] = [[conds]];
  for (const branches of ors) {
    if (branches.every(isPlainDocument)) branchLists.push(branches.map((b) => withBranch(conds, b)));
  }
  const indexes = sort[0]![0] === '_id' ? [src.idIndex(), ...src.secondary()] : src.secondary();
  let best: AccessPlan | null = null;
  for (const ix of indexes) {
    if (!ix.plannable || ix.multikey) continue;
    for (const list of branchLists) {
      const plan = mergedPlan(ix, list, sort);
      if (plan !== null && (best === null || plan.cost < best.cost)) best = plan;
    }
  }
  return best;
}

/** One span per equality prefix of each branch, all walked the same way and merged in sort order. */
function mergedPlan(ix: Index, branches: Conditions[], sort: SortKey[]): AccessPlan | null {
  let backward: boolean | undefined;
  let positions: number[] = [];
  const shapes: ScanShape[] = [];
  for (const conds of branches) {
    const shape = scanShape(ix, conds);
    if (shape === null) return null;
    const fit = sortFit(ix, sort, shape.eqLists);
    if (fit === null) return null;
    if (fit.backward !== undefined) {
      if (backward !== undefined && backward !== fit.backward) return null;
      backward = fit.backward;
    }
    positions = fit.positions;
    shapes.push(shape);
  }
  const back = backward === true;
  const direction = scanDirection(ix, ix.fields[positions[0]!], back);
  const sorted = ix.ordered();
  const spans: Span[] = [];
  for (const shape of shapes) {
    for (const prefix of shape.prefixes) {
      const [start, end] = sorted.span(prefix, shape.range);
      if (end <= start) continue;
      const eqLists = prefix.map((v) => [v]);
      spans.push({
        sorted,
        start,
        end,
        stage: ixscanStage(ix, direction, indexBounds(ix, eqLists, shape.range, back)),
      });
    }
  }
  const dirs = sort.map(([, d]) => d);
  const compare = (a: Entry, b: Entry): number => {
    for (let i = 0; i < positions.length; i++) {
      const c = compareValues(a.vals[positions[i]!], b.vals[positions[i]!]);
      if (c !== 0) return c * dirs[i]!;
    }
    return back ? compareEntries(b, a) : compareEntries(a, b);
  };
  return {
    cost: spans.reduce((n, s) => n + (s.end - s.start), 0),
    label: ix.name,
    sorted: true,
    index: ix,
    stage: () =>
      spans.length === 1
        ? spans[0]!.stage
        : spans.length === 0
          ? ixscanStage(ix, direction, indexBounds(ix, shapes[0]!.eqLists, shapes[0]!.range, back))
          : {
              stage: 'SORT_MERGE',
              sortPattern: Object.fromEntries(sort),
              inputStages: spans.map((s) => s.stage),
            },
    *run(counters) {
      const streams = spans.map((s) =>
        back ? s.sorted.scanBackward(s.start, s.end) : s.sorted.scan(s.start, s.end),
      );
      if (streams.length === 1) {
        yield* scanSpan(streams[0]!, counters, null);
        return;
      }
      yield* scanSpan(mergeStreams(streams, compare), counters, branches.length > 1 ? new Set() : null);
    },
  };
}

/** k-way merge of streams each already in `compare` order (k is small: prefixes are capped at 256). */
function* mergeStreams(
  streams: Iterator<Entry>[],
  compare: (a: Entry, b: Entry) => number,
): Generator<Entry> {
  const heads: Array<Entry | undefined> = streams.map((s) => s.next().value as Entry | undefined);
  for (;;) {
    let min = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h !== undefined && (min < 0 || compare(h, heads[min]!) < 0)) min = i;
    }
    if (min < 0) return;
    yield heads[min]!;
    heads[min] = streams[min]!.next().value as Entry | undefined;
  }
}
