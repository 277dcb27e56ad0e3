/**
 * Candidate selection: turns a filter into index probes. The result must be a SUPERSET of the matches
 * (the command layer re-tests every candidate), so whenever a construct's semantics are not plainly
 * "the field's value or one of its array elements equals / lies in range", the constraint is ignored.
 */
import type { Document } from 'bson';
import type { Index } from './indexes.js';
import { tupleKey } from './keys.js';
import type { RangeCond } from './sorted.js';
import { canonicalKey, compareValues, isPlainDocument, typeRank } from './values.js';

interface FieldCond {
  /** Alternative equality sets (each alone is a valid constraint); the smallest is used. */
  eqs: unknown[][];
  range?: RangeCond;
  /** Equalities from `{<group>: {$elemMatch: {...}}}`: met by one element of the array at <group>. */
  elemEqs?: Array<{ group: string; values: unknown[] }>;
}

/** What the planner needs from a collection. */
export interface PlanSource {
  secondary(): Index[];
  /** The _id index's ordered view (built on demand). */
  idIndex(): Index;
  hasId(idKey: string): boolean;
  /** Insertion sequence of a doc (mongod's RecordId order). */
  seqOf(idKey: string): number;
}

/** What the chosen plan was (for explain/diagnostics): an index name, "$or(a_1,b_1)", or null for a scan. */
export interface PlanInfo {
  index: string | null;
}

type Consider = (cost: number, run: () => string[], label: string) => void;

/** Ids of candidate docs, or null for "scan everything". */
export function planCandidates(filter: Document, src: PlanSource, info?: PlanInfo): string[] | null {
  if (info) info.index = null;
  const conds = new Map<string, FieldCond>();
  const ors: unknown[][] = [];
  collect(filter, conds, ors);
  if (conds.size === 0 && ors.length === 0) return null;

  type Best = { cost: number; run: () => string[]; label: string };
  let best: Best | null = null;
  const consider: Consider = (cost, run, label) => {
    if (best === null || cost < best.cost) best = { cost, run, label };
  };

  const idCond = conds.get('_id');
  if (idCond) {
    const eq = smallest(idCond.eqs);
    if (eq) {
      // Probed in key order, as mongod's index scan returns them.
      const keys = [...eq]
        .sort(compareValues)
        .map(canonicalKey)
        .filter((k) => src.hasId(k));
      consider(keys.length, () => keys, '_id_');
    } else if (idCond.range) {
      planIndex(src.idIndex(), conds, consider, src);
    }
  }
  for (const ix of src.secondary()) {
    if (best !== null && (best as { cost: number }).cost === 0) break;
    if (!ix.plannable) continue;
    planIndex(ix, conds, consider, src);
  }
  // An $or is a superset of the whole filter's matches when every branch is indexable: take the union.
  for (const branches of ors) {
    if (best !== null && (best as { cost: number }).cost <= branches.length) break;
    const labels: string[] = [];
    const union = unionOfBranches(branches, src, labels);
    if (union !== null) consider(union.length, () => union, `$or(${labels.join(',')})`);
  }
  const chosen = best as Best | null;
  if (chosen && info) info.index = chosen.label;
  return chosen ? chosen.run() : null;
}

/** Branch results in branch order, deduplicated (like mongod's OR stage), or null if one needs a scan. */
function unionOfBranches(branches: unknown[], src: PlanSource, labels: string[]): string[] | null {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const b of branches) {
    if (!isPlainDocument(b)) return null;
    const branch: PlanInfo = { index: null };
    const ids = planCandidates(b, src, branch);
    if (ids === null) return null;
    labels.push(branch.index ?? '?');
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

const MAX_PROBES = 256;

/**
 * The equality prefix an index can serve. A multikey compound index holds its keys element by element
 * (keys.ts), so two fields under one array path may be bounded together only when one $elemMatch
 * constrains both (then the same element meets both, as mongod compounds such bounds); separate
 * conditions could be met by different elements. Fields under different paths are independent.
 */
function eqPrefix(ix: Index, conds: Map<string, FieldCond>): unknown[][] {
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

function planIndex(ix: Index, conds: Map<string, FieldCond>, consider: Consider, src: PlanSource): void {
  const eqLists = eqPrefix(ix, conds);
  const k = eqLists.length;
  // On a multikey compound index only the first field takes a range (it needs no partner element).
  const rangeField =
    ix.multikey && ix.fields.length > 1 ? (k === 0 ? ix.fields[0] : undefined) : ix.fields[k];
  let range = rangeField === undefined ? undefined : conds.get(rangeField)?.range;
  if (k === 0 && !range) return;
  const prefixes = product(eqLists);
  if (prefixes === null) return;
  prefixes.sort(compareTuples); // results come out in index key order, as from mongod's index scan

  if (k === ix.fields.length) {
    const keys = prefixes.map(tupleKey);
    let cost = 0;
    for (const key of keys) cost += ix.lookupCount(key);
    const inOrder = (key: string): Iterable<string> => {
      const ids = ix.lookup(key);
      if (!ix.reordered || !(ids instanceof Set) || ids.size < 2) return ids;
      return [...ids].sort((a, b) => src.seqOf(a) - src.seqOf(b));
    };
    consider(cost, () => collectIds(ix.multikey, keys, inOrder), ix.name);
    return;
  }
  // On a multikey index, lo and hi may be satisfied by different elements of one doc: keep one bound.
  if (range && ix.multikey && range.lo && range.hi && !range.tight)
    range = { rank: range.rank, lo: range.lo };
  const sorted = ix.ordered();
  const spans = prefixes.map((p) => sorted.span(p, range));
  let cost = 0;
  for (const [s, e] of spans) cost += e - s;
  consider(
    cost,
    () => {
      const out: string[] = [];
      const seen = ix.multikey ? new Set<string>() : null;
      for (const [s, e] of spans) {
        for (const entry of sorted.scan(s, e)) {
          if (seen) {
            if (seen.has(entry.id)) continue;
            seen.add(entry.id);
          }
          out.push(entry.id);
        }
      }
      return out;
    },
    ix.name,
  );
}

function collectIds(dedupe: boolean, keys: string[], get: (k: string) => Iterable<string>): string[] {
  const out: string[] = [];
  const seen = dedupe && keys.length > 0 ? new Set<string>() : null;
  for (const key of keys) {
    for (const id of get(key)) {
      if (seen) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      out.push(id);
    }
  }
  return out;
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

function smallest(eqs: unknown[][]): unknown[] | undefined {
  let best: unknown[] | undefined;
  for (const e of eqs) if (best === undefined || e.length < best.length) best = e;
  return best;
}

function collect(filter: Document, out: Map<string, FieldCond>, ors: unknown[][]): void {
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

function condFor(path: string, out: Map<string, FieldCond>): FieldCond {
  let c = out.get(path);
  if (!c) {
    c = { eqs: [] };
    out.set(path, c);
  }
  return c;
}

function addField(path: string, v: unknown, out: Map<string, FieldCond>): void {
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
function addElemMatch(path: string, match: Document, out: Map<string, FieldCond>): void {
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
function addRegex(path: string, re: unknown, options: unknown, out: Map<string, FieldCond>): void {
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
function addEq(path: string, values: unknown[], out: Map<string, FieldCond>): void {
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

function addRange(path: string, op: string, arg: unknown, out: Map<string, FieldCond>): void {
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
