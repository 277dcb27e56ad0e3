/**
 * One secondary index: a hash map from full key to document ids (equality / $in lookups in O(1) per key),
 * plus an ordered view built on first use (ranges and compound-prefix lookups).
 */
import type { Document } from 'bson';
import { Query } from 'mingo';
import { type DocKeys, docKeys, duplicateKeyError } from './keys.js';
import { type Entry, SortedEntries } from './sorted.js';
import type { IndexSpec } from './types.js';
import { canonicalKey } from './values.js';

/** A key's holders: one id in the common case (saves a Set per key), a Set when shared. */
type Holders = string | Set<string>;

export class Index {
  readonly fields: string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  private readonly partial: Query | null;
  /** Set once any indexed document had an array on an indexed path (never reset, like mongod). */
  multikey = false;
  /** Some holder set may be out of insertion order (see add()). */
  reordered = false;
  private readonly hash = new Map<string, Holders>();
  private readonly byDoc = new Map<string, Entry | Entry[]>();
  private sorted: SortedEntries | null = null;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.unique = spec.unique === true;
    this.sparse = spec.sparse === true;
    this.partial = spec.partialFilterExpression ? new Query(spec.partialFilterExpression) : null;
    this.plannable =
      !this.sparse && this.partial === null && !this.fields.some((f) => /(^|\.)\d+(\.|$)/.test(f));
  }

  get name(): string {
    return this.spec.name;
  }

  /**
   * Usable for planning: it covers every document (sparse/partial indexes may not), and no path has a
   * numeric component ("a.0" means element 0 or field "0": not worth the subtlety).
   */
  readonly plannable: boolean;

  /** The keys `doc` would have here, or null when the index skips it. May throw 171 (parallel arrays). */
  keysFor(doc: Document): DocKeys | null {
    if (this.partial && !this.partial.test(doc)) return null;
    const k = docKeys(doc, this.fields);
    if (this.sparse && !k.found) return null;
    return k;
  }

  /** Throws 11000 if one of `keys` is held by a document other than `id`. */
  checkUnique(ns: string, id: string, keys: DocKeys | null): void {
    if (!this.unique || keys === null) return;
    for (const t of keys.tuples) {
      const h = this.hash.get(t.key);
      if (h === undefined) continue;
      if (typeof h === 'string' ? h !== id : h.size > 1 || !h.has(id)) {
        throw duplicateKeyError(ns, this.name, this.spec.key, t.vals);
      }
    }
  }

  sameKeys(id: string, keys: DocKeys | null): boolean {
    const cur = this.byDoc.get(id);
    if (cur === undefined) return keys === null;
    if (keys === null) return false;
    const list = Array.isArray(cur) ? cur : [cur];
    if (list.length !== keys.tuples.length) return false;
    for (let i = 0; i < list.length; i++) if (list[i]!.key !== keys.tuples[i]!.key) return false;
    return true;
  }

  /**
   * `moved`: an existing doc whose keys changed. It is appended to its new keys' holder sets, so those
   * sets may no longer be in insertion (RecordId) order; lookups then sort them.
   */
  add(id: string, keys: DocKeys | null, seq: number, moved = false): void {
    if (keys === null) return;
    if (keys.multikey) this.multikey = true;
    if (moved) this.reordered = true;
    const entries: Entry[] = [];
    for (const t of keys.tuples) {
      const e: Entry = { vals: t.vals, key: t.key, id, seq, dead: false };
      entries.push(e);
      const h = this.hash.get(t.key);
      if (h === undefined) this.hash.set(t.key, id);
      else if (typeof h === 'string') this.hash.set(t.key, new Set([h, id]));
      else h.add(id);
      this.sorted?.add(e);
    }
    this.byDoc.set(id, entries.length === 1 ? entries[0]! : entries);
  }

  remove(id: string): void {
    const cur = this.byDoc.get(id);
    if (cur === undefined) return;
    this.byDoc.delete(id);
    for (const e of Array.isArray(cur) ? cur : [cur]) {
      const h = this.hash.get(e.key);
      if (h === id) this.hash.delete(e.key);
      else if (h instanceof Set) {
        h.delete(id);
        if (h.size === 1) this.hash.set(e.key, h.values().next().value!);
      }
      e.dead = true;
      this.sorted?.killed();
    }
  }

  /** Ids holding exactly this full key (hash lookup). */
  lookup(key: string): Iterable<string> {
    const h = this.hash.get(key);
    if (h === undefined) return [];
    return typeof h === 'string' ? [h] : h;
  }

  lookupCount(key: string): number {
    const h = this.hash.get(key);
    return h === undefined ? 0 : typeof h === 'string' ? 1 : h.size;
  }

  ordered(): SortedEntries {
    if (this.sorted === null) {
      const all: Entry[] = [];
      for (const cur of this.byDoc.values()) {
        if (Array.isArray(cur)) all.push(...cur);
        else all.push(cur);
      }
      this.sorted = new SortedEntries(all);
    }
    return this.sorted;
  }

  /** Finds a key held twice among `pending` (used when building an index over existing data). */
  static firstDuplicate(pending: Array<[string, DocKeys | null]>): { vals: unknown[] } | undefined {
    const seen = new Map<string, string>();
    for (const [id, keys] of pending) {
      if (keys === null) continue;
      for (const t of keys.tuples) {
        const other = seen.get(t.key);
        if (other !== undefined && other !== id) return { vals: t.vals };
        seen.set(t.key, id);
      }
    }
    return undefined;
  }
}

/**
 * mongod (IndexDescriptor::compareIndexOptions) tells indexes apart by key pattern plus these
 * "uniquely identifying" options; two indexes may share a key pattern if these differ.
 */
export function identitySignature(spec: IndexSpec): string {
  return [
    keySignature(spec.key),
    spec.unique === true,
    spec.sparse === true,
    spec.partialFilterExpression ? canonicalKey(spec.partialFilterExpression) : '',
  ].join('|');
}

/** The remaining options: differing only in these makes two specs "equivalent", not identical. */
export function otherOptionsSignature(spec: IndexSpec): string {
  return String(spec.expireAfterSeconds ?? '');
}

export function keySignature(key: Record<string, number>): string {
  return Object.entries(key)
    .map(([f, d]) => `${f}:${d}`)
    .join(',');
}
