/**
 * Index key generation, following mongod's rules for dotted paths and multikey (array) fan-out,
 * and formatting of duplicate-key values the way mongod prints them in E11000 messages.
 */
import type { Document } from 'bson';
import { MongoCommandError } from '../errors.js';
import { canonicalKey, isPlainDocument } from './values.js';

/** One index entry of one document: the key values in index field order. */
export interface KeyTuple {
  vals: unknown[];
  /** Hash key of the tuple (canonical keys joined by NUL, which canonicalKey never emits unescaped). */
  key: string;
}

export interface DocKeys {
  tuples: KeyTuple[];
  /** Some indexed field was present (sparse indexes skip docs where none is). */
  found: boolean;
  /** Some indexed path went through an array. */
  multikey: boolean;
}

interface PathOut {
  values: unknown[];
  found: boolean;
  /** Dotted prefixes at which an array was fanned out (for the parallel-arrays check). */
  arrays: Set<string>;
}

function walk(v: unknown, parts: string[], i: number, prefix: string, out: PathOut): void {
  if (i === parts.length) {
    out.found = true;
    if (Array.isArray(v)) {
      out.arrays.add(prefix);
      // mongod stores an empty array as its own key (undefined); [] keeps it distinct from null/missing.
      if (v.length === 0) out.values.push([]);
      else for (const el of v) out.values.push(el === undefined ? null : el);
    } else out.values.push(v === undefined ? null : v);
    return;
  }
  const part = parts[i]!;
  const next = prefix === '' ? part : prefix + '.' + part;
  if (Array.isArray(v)) {
    out.arrays.add(prefix);
    if (/^\d+$/.test(part)) {
      const idx = Number(part);
      if (idx < v.length) walk(v[idx], parts, i + 1, next, out);
      return;
    }
    // Elements without the field (or that are not documents) index as null, as in mongod.
    for (const el of v) {
      if (isPlainDocument(el) && Object.hasOwn(el, part)) walk(el[part], parts, i + 1, next, out);
      else out.values.push(null);
    }
    return;
  }
  if (isPlainDocument(v) && Object.hasOwn(v, part)) walk(v[part], parts, i + 1, next, out);
}

export function pathValues(doc: Document, path: string): PathOut {
  const out: PathOut = { values: [], found: false, arrays: new Set() };
  walk(doc, path.split('.'), 0, '', out);
  if (out.values.length === 0) out.values.push(null);
  return out;
}

export function tupleKey(vals: unknown[]): string {
  if (vals.length === 1) return canonicalKey(vals[0]);
  return vals.map(canonicalKey).join('\u0000');
}

/** Keys of `doc` for an index over `fields`. Throws 171 for parallel arrays in a compound index. */
export function docKeys(doc: Document, fields: string[]): DocKeys {
  // Fast path for the common single top-level scalar field: no path walk, no product.
  if (fields.length === 1 && !fields[0]!.includes('.')) {
    const f = fields[0]!;
    const has = Object.hasOwn(doc, f);
    const v = has ? doc[f] : null;
    if (!Array.isArray(v)) {
      const val = v === undefined ? null : v;
      return { tuples: [{ vals: [val], key: canonicalKey(val) }], found: has, multikey: false };
    }
  }
  const per = fields.map((f) => pathValues(doc, f));
  let found = false;
  let multikey = false;
  for (const p of per) {
    if (p.found) found = true;
    if (p.arrays.size > 0) multikey = true;
  }
  if (multikey && per.length > 1) checkParallel(per, fields);
  const combos =
    (multikey && per.length > 1 && sameElementCombos(doc, fields, per)) ||
    cartesian(per.map((p) => p.values));
  const seen = new Set<string>();
  const tuples: KeyTuple[] = [];
  for (const vals of combos) {
    const key = tupleKey(vals);
    if (seen.has(key)) continue;
    seen.add(key);
    tuples.push({ vals, key });
  }
  return { tuples, found, multikey };
}

function cartesian(lists: unknown[][]): unknown[][] {
  let combos: unknown[][] = [[]];
  for (const values of lists) {
    const next: unknown[][] = [];
    for (const c of combos) for (const v of values) next.push([...c, v]);
    combos = next;
  }
  return combos;
}

/**
 * mongod pairs the values of fields under the same array element by element: an index on
 * {'tags.k': 1, 'tags.v': 1} over [{k: 'a', v: 1}, {k: 'b', v: 2}] has the keys (a, 1) and (b, 2), not
 * the four of a cartesian product (which would also make a unique index refuse (a, 2) elsewhere).
 * Handled for the common shape: every multikey field fans out at one and the same top-level array, and
 * goes through no other array. Anything else falls back to the product (null).
 */
function sameElementCombos(doc: Document, fields: string[], per: PathOut[]): unknown[][] | null {
  const multi = per.map((p) => p.arrays.size > 0);
  const arrayPaths = new Set<string>();
  for (let i = 0; i < per.length; i++) {
    if (!multi[i]) continue;
    if (per[i]!.arrays.size !== 1) return null;
    for (const a of per[i]!.arrays) arrayPaths.add(a);
  }
  if (arrayPaths.size !== 1) return null;
  const at = [...arrayPaths][0]!;
  if (at === '' || at.includes('.') || !Array.isArray(doc[at]) || (doc[at] as unknown[]).length === 0)
    return null;
  const subs = fields.map((f, i) => (multi[i] && f.startsWith(`${at}.`) ? f.slice(at.length + 1) : null));
  if (subs.some((sub, i) => multi[i] && sub === null)) return null;
  const combos: unknown[][] = [];
  for (const el of doc[at] as unknown[]) {
    const lists = per.map((p, i) => {
      if (!multi[i]) return p.values;
      if (!isPlainDocument(el)) return [null];
      const inner = pathValues(el, subs[i]!);
      return inner.arrays.size > 0 ? null : inner.values;
    });
    if (lists.some((l) => l === null)) return null;
    combos.push(...cartesian(lists as unknown[][]));
  }
  return combos;
}

function checkParallel(per: PathOut[], fields: string[]): void {
  for (let i = 0; i < per.length; i++) {
    for (let j = i + 1; j < per.length; j++) {
      const a = per[i]!.arrays;
      const b = per[j]!.arrays;
      if (a.size === 0 || b.size === 0) continue;
      let shared = false;
      for (const x of a) if (b.has(x)) shared = true;
      if (!shared) {
        throw new MongoCommandError(
          171,
          `cannot index parallel arrays [${lastPart(fields[j]!)}] [${lastPart(fields[i]!)}]`,
          {},
          'CannotIndexParallelArrays',
        );
      }
    }
  }
}

function lastPart(path: string): string {
  const parts = path.split('.');
  return parts[parts.length - 1]!;
}

/** mongod's rendering of a BSON value inside an error message (`{ email: "a@x" }`). */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan.0' : String(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : '[ ' + v.map(formatValue).join(', ') + ' ]';
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (v instanceof RegExp) return `/${v.source}/${v.flags}`;
  const t = (v as { _bsontype?: string })._bsontype;
  switch (t) {
    case 'ObjectId':
      return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
    case 'Long':
    case 'Int32':
    case 'Double':
      return String(v);
    case 'Decimal128':
      return `Decimal128("${String(v)}")`;
    case 'Binary': {
      const b = v as { sub_type: number; buffer: Uint8Array; toUUID?(): { toString(): string } };
      if (b.sub_type === 4 && b.buffer.length === 16) {
        const hex = Buffer.from(b.buffer).toString('hex');
        return `UUID("${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}")`;
      }
      return `BinData(${b.sub_type}, ${Buffer.from(b.buffer).toString('hex').toUpperCase()})`;
    }
    case 'Timestamp': {
      const ts = v as { t?: number; i?: number; high?: number; low?: number };
      return `Timestamp(${ts.t ?? ts.high}, ${ts.i ?? ts.low})`;
    }
    case 'MinKey':
      return 'MinKey';
    case 'MaxKey':
      return 'MaxKey';
    case undefined:
      break;
    default:
      return String(v);
  }
  return formatDoc(v as Document);
}

export function formatDoc(d: Document): string {
  const keys = Object.keys(d);
  if (keys.length === 0) return '{}';
  return '{ ' + keys.map((k) => `${k}: ${formatValue(d[k])}`).join(', ') + ' }';
}

export function duplicateKeyError(
  ns: string,
  indexName: string,
  keyPattern: Record<string, number>,
  vals: unknown[],
): MongoCommandError {
  const keyValue: Document = {};
  Object.keys(keyPattern).forEach((f, i) => {
    keyValue[f] = vals[i] === undefined ? null : vals[i];
  });
  return new MongoCommandError(
    11000,
    `E11000 duplicate key error collection: ${ns} index: ${indexName} dup key: ${formatDoc(keyValue)}`,
    { keyPattern: { ...keyPattern }, keyValue },
  );
}
