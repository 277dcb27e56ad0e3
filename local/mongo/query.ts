/**
 * Query evaluation shared by find, count, distinct, update, delete and findAndModify:
 * filter matching (mingo), sorting in BSON order (values.compareValues) and find projections.
 */
import type { Document } from 'bson';
import { badValue, isPlainObject, toNumber } from './commands/context.js';
import { ErrorCode, MongoCommandError, notSupported } from './errors.js';
import { Query } from './mingo-context.js';
import { cloneDeep, compareValues } from './storage/values.js';

export type Matcher = (doc: Document) => boolean;

/** Turns mingo's assertion errors into mongod's BadValue so the driver reports them as MongoServerError. */
export function asCommandError(err: unknown): never {
  if (err instanceof MongoCommandError) throw err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('would modify the immutable field'))
    throw new MongoCommandError(ErrorCode.ImmutableField, message);
  throw new MongoCommandError(ErrorCode.BadValue, message);
}

export function compileFilter(filter: Document | undefined): Matcher {
  if (!filter || Object.keys(filter).length === 0) return () => true;
  if ('$text' in filter) throw notSupported('$text queries');
  if ('$where' in filter) throw notSupported('$where');
  checkLogicalOperators(filter);
  try {
    const query = new Query(filter);
    return (doc) => query.test(doc);
  } catch (err) {
    asCommandError(err);
  }
}

/** mingo accepts `{$or: []}` and matches nothing; mongod rejects it. */
function checkLogicalOperators(filter: Document): void {
  for (const op of ['$and', '$or', '$nor']) {
    if (!(op in filter)) continue;
    const clauses = filter[op];
    if (!Array.isArray(clauses) || clauses.length === 0) {
      throw badValue(`${op} argument must be a non-empty array`);
    }
    for (const clause of clauses) {
      if (!isPlainObject(clause)) throw badValue(`${op} argument's entries must be objects`);
      checkLogicalOperators(clause);
    }
  }
}

/**
 * The moment a command given `maxTimeMS` must stop (performance.now() clock), or undefined without a limit.
 * mongod reads 0 as "no limit" and refuses negative or fractional values.
 */
export function deadlineOf(cmd: Document): number | undefined {
  const raw = cmd.maxTimeMS;
  if (raw === undefined || raw === null) return undefined;
  const ms = toNumber(raw);
  if (ms === undefined || !Number.isInteger(ms) || ms < 0 || ms > 2_147_483_647) {
    throw badValue(`${String(raw)} is not a valid maxTimeMS: expected a non-negative 32-bit integer`);
  }
  return ms === 0 ? undefined : performance.now() + ms;
}

/** Thrown when a command runs past its maxTimeMS, as mongod does (code 50). */
export function checkDeadline(deadline: number | undefined): void {
  if (deadline !== undefined && performance.now() > deadline) {
    throw new MongoCommandError(ErrorCode.MaxTimeMSExpired, 'operation exceeded time limit');
  }
}

/** All values a dotted path reaches, descending into arrays like mongod's sort and distinct do. */
export function valuesAtPath(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  collect(doc, path.split('.'), 0, out);
  return out;
}

function collect(value: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    if (Array.isArray(value)) out.push(...value);
    else if (value !== undefined) out.push(value);
    return;
  }
  const part = parts[i] as string;
  if (Array.isArray(value)) {
    if (/^\d+$/.test(part)) collect(value[Number(part)], parts, i + 1, out);
    for (const el of value) if (isPlainObject(el)) collect(el[part], parts, i + 1, out);
    return;
  }
  if (isPlainObject(value)) collect(value[part], parts, i + 1, out);
}

type SortKey = [path: string, direction: 1 | -1];

export function parseSort(sort: Document | undefined): SortKey[] {
  if (!sort) return [];
  const keys: SortKey[] = [];
  for (const [path, dir] of Object.entries(sort)) {
    if (isPlainObject(dir) && '$meta' in dir) throw notSupported(`sort by {$meta: ${String(dir.$meta)}}`);
    const n = toNumber(dir);
    if (n !== 1 && n !== -1) {
      throw new MongoCommandError(
        15975,
        '$sort key ordering must be 1 (for ascending) or -1 (for descending)',
      );
    }
    keys.push([path, n]);
  }
  return keys;
}

/**
 * Stable sort in BSON order. An array field sorts by its smallest element ascending and its largest
 * descending, as mongod does. `$natural` keeps (or reverses) insertion order.
 */
/**
 * Sorts in BSON order (stable). With `limit`, only the first `limit` are kept, selected in one pass
 * (O(n log k)) instead of sorting every match: a page of 100 out of 100k stays cheap.
 */
export function sortDocuments(
  docs: Document[],
  sort: Document | undefined,
  limit = Number.POSITIVE_INFINITY,
): Document[] {
  const keys = parseSort(sort);
  if (keys.length === 0) return docs;
  if (keys.length === 1 && keys[0]?.[0] === '$natural')
    return keys[0][1] === 1 ? docs : docs.slice().reverse();
  type Decorated = { doc: Document; index: number; keys: unknown[] };
  const compare = (a: Decorated, b: Decorated) => {
    for (let k = 0; k < keys.length; k++) {
      const c = compareValues(a.keys[k], b.keys[k]);
      if (c !== 0) return c * (keys[k] as SortKey)[1];
    }
    return a.index - b.index;
  };
  const decorate = (doc: Document, index: number): Decorated => ({
    doc,
    index,
    keys: keys.map(([path, dir]) => sortKeyOf(doc, path, dir)),
  });
  if (limit >= docs.length)
    return docs
      .map(decorate)
      .sort(compare)
      .map((d) => d.doc);
  const top: Decorated[] = [];
  for (let i = 0; i < docs.length; i++) {
    const d = decorate(docs[i]!, i);
    if (top.length === limit && compare(d, top[limit - 1]!) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(top[mid]!, d) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, d);
    if (top.length > limit) top.pop();
  }
  return top.map((d) => d.doc);
}

function sortKeyOf(doc: Document, path: string, dir: 1 | -1): unknown {
  if (path === '$natural') return null;
  const values = valuesAtPath(doc, path);
  if (values.length === 0) return null;
  let best = values[0];
  for (let i = 1; i < values.length; i++) {
    const c = compareValues(values[i], best);
    if (dir === 1 ? c < 0 : c > 0) best = values[i];
  }
  return best === undefined ? null : best;
}

type ProjectionTree = { [key: string]: ProjectionTree | true };

/** A compiled find projection: `apply` returns new documents and never mutates its input. */
export interface Projection {
  apply(docs: Document[]): Document[];
}

const identity: Projection = { apply: (docs) => docs };

export function compileProjection(
  projection: Document | undefined,
  filter: Document | undefined,
): Projection {
  if (!projection || Object.keys(projection).length === 0) return identity;
  let inclusion: boolean | undefined;
  let includeId = true;
  // `{_id: 1}` alone is an inclusion projection of `_id` only, as in mongod.
  let onlyIdIncluded = false;
  let needsMingo = false;
  let hasExclusion = false;
  const slices: Array<[path: string, arg: unknown]> = [];
  const rest: Document = {};
  const tree: ProjectionTree = {};
  for (const [path, spec] of Object.entries(projection)) {
    if (path.startsWith('$')) {
      throw badValue(`FieldPath field names may not start with '$'. Consider using $getField or $setField.`);
    }
    if (isPlainObject(spec) && '$slice' in spec && Object.keys(spec).length === 1) {
      slices.push([path, checkSliceArg(spec.$slice)]);
      continue;
    }
    rest[path] = spec;
    if (path.endsWith('.$') || (isPlainObject(spec) && '$elemMatch' in spec)) {
      needsMingo = true;
      continue;
    }
    if (isPlainObject(spec) || typeof spec === 'string' || Array.isArray(spec)) {
      needsMingo = true;
      inclusion = true; // computed fields make it an inclusion projection
      continue;
    }
    const on = typeof spec === 'boolean' ? spec : toNumber(spec) !== 0;
    if (path === '_id') {
      includeId = on;
      onlyIdIncluded = on;
      continue;
    }
    if (!on) hasExclusion = true;
    if (inclusion !== undefined && inclusion !== on) {
      throw new MongoCommandError(
        on ? 31253 : 31254,
        on
          ? `Cannot do inclusion on field ${path} in exclusion projection`
          : `Cannot do exclusion on field ${path} in inclusion projection`,
      );
    }
    inclusion = on;
    addPath(tree, path);
  }
  let base: Projection;
  if (needsMingo) {
    // $slice is applied here afterwards; an inclusion projection must still keep the sliced field.
    if (!hasExclusion) for (const [path] of slices) rest[path] = 1;
    base = mingoProjection(rest, filter);
  } else if (inclusion || (inclusion === undefined && onlyIdIncluded && slices.length === 0)) {
    for (const [path] of slices) addPath(tree, path);
    if (includeId) tree._id = true;
    base = { apply: (docs) => docs.map((d) => include(d, tree)) };
  } else {
    // Only exclusions, only `_id`, or only $slice: everything else is kept.
    if (!includeId) tree._id = true;
    base = { apply: (docs) => docs.map((d) => exclude(d, tree)) };
  }
  if (slices.length === 0) return base;
  return {
    apply: (docs) =>
      base.apply(docs).map((doc) => {
        let out = doc;
        for (const [path, arg] of slices) out = sliceAt(out, path.split('.'), 0, arg) as Document;
        return out;
      }),
  };
}

function checkSliceArg(arg: unknown): unknown {
  if (toNumber(arg) !== undefined) return toNumber(arg);
  if (Array.isArray(arg) && arg.length === 2) {
    const skip = toNumber(arg[0]);
    const limit = toNumber(arg[1]);
    if (skip !== undefined && limit !== undefined) {
      if (limit <= 0) throw new MongoCommandError(ErrorCode.BadValue, '$slice limit must be positive');
      return [skip, limit];
    }
  }
  throw badValue('$slice only supports numbers and [skip, limit] arrays');
}

/** Copy-on-write: only the objects along the path are copied, so stored documents stay untouched. */
function sliceAt(value: unknown, parts: string[], i: number, arg: unknown): unknown {
  if (i === parts.length) return Array.isArray(value) ? sliceArray(value, arg) : value;
  if (Array.isArray(value)) return value.map((el) => (isPlainObject(el) ? sliceAt(el, parts, i, arg) : el));
  if (!isPlainObject(value)) return value;
  const key = parts[i] as string;
  if (!(key in value)) return value;
  return { ...value, [key]: sliceAt(value[key], parts, i + 1, arg) };
}

function sliceArray(arr: unknown[], arg: unknown): unknown[] {
  if (typeof arg === 'number') return arg >= 0 ? arr.slice(0, arg) : arr.slice(Math.max(arr.length + arg, 0));
  const [skip, limit] = arg as [number, number];
  const start = skip >= 0 ? Math.min(skip, arr.length) : Math.max(arr.length + skip, 0);
  return arr.slice(start, start + limit);
}

function addPath(tree: ProjectionTree, path: string): void {
  const parts = path.split('.');
  let node = tree;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const last = i === parts.length - 1;
    const existing = node[part];
    if (existing === true || (last && existing !== undefined)) {
      throw new MongoCommandError(31250, `Path collision at ${path}`);
    }
    if (last) node[part] = true;
    else {
      const child = (existing ?? {}) as ProjectionTree;
      node[part] = child;
      node = child;
    }
  }
}

function include(doc: Document, tree: ProjectionTree): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const spec = tree[key];
    if (spec === undefined) continue;
    const value = doc[key];
    if (spec === true) out[key] = value;
    else if (Array.isArray(value)) out[key] = includeArray(value, spec);
    else if (isPlainObject(value)) out[key] = include(value, spec);
  }
  return out;
}

function includeArray(arr: unknown[], tree: ProjectionTree): unknown[] {
  const out: unknown[] = [];
  for (const el of arr) {
    if (Array.isArray(el)) out.push(includeArray(el, tree));
    else if (isPlainObject(el)) out.push(include(el, tree));
  }
  return out;
}

function exclude(doc: Document, tree: ProjectionTree): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const spec = tree[key];
    const value = doc[key];
    if (spec === true) continue;
    if (spec === undefined) out[key] = value;
    else if (Array.isArray(value)) out[key] = value.map((el) => (isPlainObject(el) ? exclude(el, spec) : el));
    else if (isPlainObject(value)) out[key] = exclude(value, spec);
    else out[key] = value;
  }
  return out;
}

/** Positional `$`, $slice, $elemMatch and expressions: mingo, on copies (it mutates), keys back in source order. */
function mingoProjection(projection: Document, filter: Document | undefined): Projection {
  return {
    apply(docs) {
      try {
        const query = new Query(filter ?? {});
        return docs.map((doc) => {
          const [projected] = query.find([cloneDeep(doc)], projection).all() as Document[];
          return restoreKeyOrder(doc, projected ?? {});
        });
      } catch (err) {
        asCommandError(err);
      }
    },
  };
}

function restoreKeyOrder(source: Document, projected: Document): Document {
  const out: Document = {};
  if ('_id' in projected) out._id = projected._id;
  for (const key of Object.keys(source)) if (key in projected && key !== '_id') out[key] = projected[key];
  for (const key of Object.keys(projected)) if (!(key in out)) out[key] = projected[key];
  return out;
}
