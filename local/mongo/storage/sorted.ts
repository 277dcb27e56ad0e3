/**
 * Ordered view of an index's entries, for range and key-prefix scans.
 *
 * A sorted array plus an unsorted pending buffer and tombstones: writes cost O(1) (push / flag), and the
 * next scan settles them (a few binary-insert splices, or sort+merge for a large burst). So a burst of
 * 10k writes then one scan is O(n + k log k), and interleaved write/scan pairs stay cheap.
 */
import { compareValues, typeRank } from './values.js';

export interface Entry {
  vals: unknown[];
  key: string;
  /** canonicalKey of the document's _id. */
  id: string;
  /** The document's insertion sequence (mongod's RecordId): ties between equal keys go in this order. */
  seq: number;
  dead: boolean;
}

export interface Bound {
  value: unknown;
  inclusive: boolean;
}

/** Constraint on one key component: lo/hi bounds kept inside the type bracket `rank` (mongod semantics). */
export interface RangeCond {
  rank: number;
  lo?: Bound;
  hi?: Bound;
  /** Both bounds come from one predicate on one value (a regex prefix): safe to keep on multikey indexes. */
  tight?: boolean;
}

export function compareEntries(a: Entry, b: Entry): number {
  for (let i = 0; i < a.vals.length; i++) {
    const c = compareValues(a.vals[i], b.vals[i]);
    if (c !== 0) return c;
  }
  return a.seq - b.seq;
}

export class SortedEntries {
  private arr: Entry[];
  private pending: Entry[] = [];
  private dead = 0;

  constructor(initial: Entry[]) {
    this.arr = initial.filter((e) => !e.dead).sort(compareEntries);
  }

  add(e: Entry): void {
    this.pending.push(e);
    // Bound the backlog when no scan comes to settle it (sort+merge keeps this amortized O(log n)).
    if (this.pending.length > 1024 && this.pending.length > this.arr.length) this.settle();
  }

  /** The caller has set e.dead; the entry is dropped lazily. */
  killed(): void {
    this.dead++;
    if (this.dead > 1024 && this.dead > this.arr.length) this.settle();
  }

  private settle(): void {
    if (this.pending.length > 0) {
      const p = this.pending.filter((e) => !e.dead);
      this.pending = [];
      if (p.length <= 32) {
        for (const e of p)
          this.arr.splice(
            this.firstIndex((x) => compareEntries(x, e) < 0),
            0,
            e,
          );
      } else {
        p.sort(compareEntries);
        this.arr = merge(this.arr, p);
      }
    }
    if (this.dead > 64 && this.dead * 4 > this.arr.length) {
      this.arr = this.arr.filter((e) => !e.dead);
      this.dead = 0;
    }
  }

  /** First index whose entry is not `before` (entries before it all are: the predicate is monotone). */
  private firstIndex(before: (e: Entry) => boolean): number {
    let lo = 0;
    let hi = this.arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.arr[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Slice [start, end) of entries whose first `prefix.length` components equal `prefix` and whose next
   * component satisfies `range` (if given). Dead entries may be inside; scan() skips them.
   */
  span(prefix: unknown[], range?: RangeCond): [number, number] {
    this.settle();
    const k = prefix.length;
    const cmpPrefix = (e: Entry): number => {
      for (let i = 0; i < k; i++) {
        const c = compareValues(e.vals[i], prefix[i]);
        if (c !== 0) return c;
      }
      return 0;
    };
    const belowLow = (v: unknown): boolean => {
      if (!range) return false;
      if (range.lo) {
        const c = compareValues(v, range.lo.value);
        return c < 0 || (c === 0 && !range.lo.inclusive);
      }
      return typeRank(v) < range.rank;
    };
    const aboveHigh = (v: unknown): boolean => {
      if (!range) return false;
      if (range.hi) {
        const c = compareValues(v, range.hi.value);
        return c > 0 || (c === 0 && !range.hi.inclusive);
      }
      return typeRank(v) > range.rank;
    };
    const start = this.firstIndex((e) => {
      const c = cmpPrefix(e);
      return c < 0 || (c === 0 && belowLow(e.vals[k]));
    });
    const end = this.firstIndex((e) => {
      const c = cmpPrefix(e);
      return c < 0 || (c === 0 && !aboveHigh(e.vals[k]));
    });
    return [start, Math.max(start, end)];
  }

  /**
   * Live entries of [start, end) in key order. The array is captured now, so a later settle (which
   * replaces it) cannot shift the slice under a lazy reader.
   */
  scan(start: number, end: number): Generator<Entry> {
    return scanArray(this.arr, start, end);
  }

  /** The same slice as scan(), last entry first. */
  scanBackward(start: number, end: number): Generator<Entry> {
    return scanArrayBackward(this.arr, start, end);
  }
}

function* scanArray(arr: Entry[], start: number, end: number): Generator<Entry> {
  for (let i = start; i < end; i++) {
    const e = arr[i]!;
    if (!e.dead) yield e;
  }
}

function* scanArrayBackward(arr: Entry[], start: number, end: number): Generator<Entry> {
  for (let i = end - 1; i >= start; i--) {
    const e = arr[i]!;
    if (!e.dead) yield e;
  }
}

function merge(a: Entry[], b: Entry[]): Entry[] {
  const out: Entry[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (compareEntries(a[i]!, b[j]!) <= 0) out[n++] = a[i++]!;
    else out[n++] = b[j++]!;
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out;
}
