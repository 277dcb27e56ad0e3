/**
 * What a filter says about each field, as the planners need it: equality sets, one range per field,
 * $elemMatch equalities, and the $or lists left for branch-wise planning. Everything here is a
 * SUPERSET reading: a construct whose semantics are not plainly "equals / lies in range" adds nothing.
 */
import type { Document } from 'bson';
import type { RangeCond } from './sorted.js';
import { canonicalKey, isPlainDocument, typeRank } from './values.js';

export interface FieldCond {
  /** Alternative equality sets (each alone is a valid constraint); the smallest is used. */
  eqs: unknown[][];
  range?: RangeCond;
  /** Equalities from `{<group>: {$elemMatch: {...}}}`: met by one element of the array at <group>. */
  elemEqs?: Array<{ group: string; values: unknown[] }>;
}

export type Conditions = Map<string, FieldCond>;

/** The filter's field conditions and its top-level (or $and-nested) $or branch lists. */
export function analyzeFilter(filter: Document): { conds: Conditions; ors: unknown[][] } {
  const conds: Conditions = new Map();
  const ors: unknown[][] = [];
  collect(filter, conds, ors);
  return { conds, ors };
}

/** `conds` plus what `branch` (one $or branch) adds: the conditions a document matching that branch meets. */
export function withBranch(conds: Conditions, branch: Document): Conditions {
  const out: Conditions = new Map();
  for (const [path, c] of conds) {
    out.set(path, {
      eqs: [...c.eqs],
      ...(c.range ? { range: { ...c.range } } : {}),
      ...(c.elemEqs ? { elemEqs: [...c.elemEqs] } : {}),
    });
  }
  collect(branch, out, []);
  return out;
}

export function smallest(eqs: unknown[][]): unknown[] | undefined {
  let best: unknown[] | undefined;
  for (const e of eqs) if (best === undefined || e.length < best.length) best = e;
  return best;
}

function collect(filter: Document, out: Conditions, ors: unknown[][]): void {
  if (!isPlainDocument(filter)) return;
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and') {
      if (Array.isArray(v)) for (const sub of v) collect(sub as Document, out, ors);
    } else if (k === '$or') {
      if (Array.isArray(v) && v.length > 0) ors.push(v);
    } else if (!k.startsWith('$')) {
      addField(k, v, out);
    }
  }
}

function condFor(path: string, out: Conditions): FieldCond {
  let c = out.get(path);
  if (!c) {
    c = { eqs: [] };
    out.set(path, c);
  }
  return c;
}

function addField(path: string, v: unknown, out: Conditions): void {
  if (isPlainDocument(v)) {
    const keys = Object.keys(v);
    const ops = keys.filter((k) => k.startsWith('$'));
    if (ops.length > 0) {
      if (ops.length !== keys.length) return; // mixed operator/literal object: invalid in mongod, ignore
      for (const op of ops) {
        const arg = v[op];
        if (op === '$eq') addEq(path, [arg], out);
        else if (op === '$in' && Array.isArray(arg)) addEq(path, arg, out);
        else if (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') addRange(path, op, arg, out);
        else if (op === '$regex') addRegex(path, arg, v.$options, out);
        else if (op === '$all' && Array.isArray(arg) && arg.length > 0 && !isPlainDocument(arg[0])) {
          addEq(path, [arg[0]], out); // every match contains the first value
        } else if (op === '$elemMatch' && isPlainDocument(arg)) addElemMatch(path, arg, out);
      }
      return;
    }
  }
  if (isRegex(v)) addRegex(path, v, undefined, out);
  else addEq(path, [v], out);
}

/** `{path: {$elemMatch: {sub: value, ...}}}`: plain equalities on the element's fields, grouped by path. */
function addElemMatch(path: string, match: Document, out: Conditions): void {
  for (const [sub, cond] of Object.entries(match)) {
    if (sub.startsWith('$')) continue;
    const value = isPlainDocument(cond) && Object.keys(cond).length === 1 && '$eq' in cond ? cond.$eq : cond;
    if (isPlainDocument(value) || Array.isArray(value) || isRegex(value) || value === undefined) continue;
    const c = condFor(`${path}.${sub}`, out);
    c.elemEqs ??= [];
    c.elemEqs.push({ group: path, values: [value === null ? null : value] });
  }
}

function isRegex(v: unknown): boolean {
  return v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp';
}

/**
 * /^prefix/ matches only strings in [prefix, prefix with its last char bumped), as mongod's planner uses
 * it. Anything less plain (flags i/m/x, alternation, an optional last literal) is left unconstrained.
 */
function addRegex(path: string, re: unknown, options: unknown, out: Conditions): void {
  let source: string;
  let flags: string;
  if (re instanceof RegExp) [source, flags] = [re.source, re.flags];
  else if (typeof re === 'string') [source, flags] = [re, ''];
  else if (isRegex(re)) {
    const r = re as { pattern: string; options: string };
    [source, flags] = [r.pattern, r.options];
  } else return;
  if (typeof options === 'string') flags += options;
  if (/[imx]/.test(flags) || source.includes('|')) return;
  const m = /^\^([^.*+?^${}()|[\]\\]*)/.exec(source);
  if (!m?.[1]) return;
  let prefix = m[1];
  const next = source[m[0].length];
  if (next === '?' || next === '*' || next === '{') prefix = prefix.slice(0, -1);
  if (prefix === '') return;
  const last = prefix.charCodeAt(prefix.length - 1);
  const c = condFor(path, out);
  if (c.range && c.range.rank !== 3) return;
  const hi =
    last < 0xffff
      ? { value: prefix.slice(0, -1) + String.fromCharCode(last + 1), inclusive: false }
      : undefined;
  if (!c.range) {
    c.range = { rank: 3, lo: { value: prefix, inclusive: true }, hi, tight: true };
    return;
  }
  c.range.tight = false;
  c.range.lo ??= { value: prefix, inclusive: true };
  c.range.hi ??= hi;
}

/** Values to probe for an equality/$in list, or nothing when some value is not a plain equality. */
function addEq(path: string, values: unknown[], out: Conditions): void {
  const probes = new Map<string, unknown>();
  for (const raw of values) {
    const v = raw === undefined ? null : raw;
    if (v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp') return;
    if (Array.isArray(v)) {
      // {a: [x, y]} matches a == [x, y] (indexed by its elements, so probe x) or a containing [x, y].
      if (v.length === 0) return;
      probes.set(canonicalKey(v), v);
      probes.set(canonicalKey(v[0]), v[0] === undefined ? null : v[0]);
    } else {
      probes.set(canonicalKey(v), v);
    }
  }
  condFor(path, out).eqs.push([...probes.values()]);
}

const RANGE_RANKS = new Set([2, 3, 7, 8, 9, 10]);

function addRange(path: string, op: string, arg: unknown, out: Conditions): void {
  const rank = typeRank(arg);
  if (!RANGE_RANKS.has(rank) || (typeof arg === 'number' && Number.isNaN(arg))) return;
  if (arg instanceof Date && Number.isNaN(arg.getTime())) return;
  const c = condFor(path, out);
  if (!c.range) c.range = { rank };
  else if (c.range.rank !== rank)
    return; // contradictory brackets: any one alone is still a superset
  else c.range.tight = false;
  const bound = { value: arg, inclusive: op === '$gte' || op === '$lte' };
  if (op === '$gt' || op === '$gte') c.range.lo ??= bound;
  else c.range.hi ??= bound;
}
