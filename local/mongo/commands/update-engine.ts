/**
 * Applying one update (operator document, replacement or pipeline) to one document, with mongod's
 * validation and error codes where mingo would silently do nothing.
 */
import { calculateObjectSize, type Document, Timestamp } from 'bson';
import * as ops from 'mingo/operators/update';
import { update as mingoUpdate } from 'mingo/updater';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { Aggregator, currentMingoOptions } from '../mingo-context.js';
import { arithmetic, compareBson } from '../numbers.js';
import { asCommandError } from '../query.js';
import { canonicalKey, cloneDeep } from '../storage/values.js';
import { bsonTypeName, isPlainObject, toNumber } from './context.js';
import { type CompiledUpdate, formatValue } from './update-parse.js';

export type { CompiledUpdate } from './update-parse.js';

export interface UpdateOutcome {
  doc: Document;
  changed: boolean;
}

/**
 * Returns a new document (the input is never mutated). `query` feeds the positional `$` operator;
 * `inserting` makes $setOnInsert apply.
 */
export function applyUpdate(
  original: Document,
  update: CompiledUpdate,
  query: Document,
  arrayFilters: Document[] | undefined,
  inserting: boolean,
): UpdateOutcome {
  let result: Document;
  if (update.kind === 'replacement') {
    result = replaceDocument(original, update.doc);
  } else if (update.kind === 'pipeline') {
    // The stages run as an aggregation over the document: mingo's pipeline updater diffs field paths and
    // fails on $-prefixed or dotted names ($setField, MongoDB 5.0+).
    let out: Document = {};
    try {
      [out = {}] = new Aggregator(update.stages as Document[]).run([cloneDeep(original)]) as Document[];
    } catch (err) {
      asCommandError(err);
    }
    // A pipeline whose output has no _id ($replaceRoot, $project) keeps the document's own, as mongod does.
    if (!('_id' in out) && '_id' in original) out._id = cloneDeep(original._id);
    result = idFirst(out);
  } else {
    result = applyOperators(original, update, query, arrayFilters, inserting);
  }
  if ('_id' in original && canonicalKey(result._id) !== canonicalKey(original._id)) {
    throw new MongoCommandError(
      ErrorCode.ImmutableField,
      `Performing an update on the path '_id' would modify the immutable field '_id'`,
    );
  }
  const changed =
    update.kind === 'operators'
      ? touchedFieldsChanged(original, result, update, inserting)
      : canonicalKey(result) !== canonicalKey(original);
  if (changed && calculateObjectSize(result) > 16 * 1024 * 1024) {
    throw new MongoCommandError(
      ErrorCode.Location,
      'Resulting document after update is larger than 16777216',
    );
  }
  return { doc: result, changed };
}

/**
 * Whether an operator update changed anything, looking only at the top-level fields it touched: the
 * others are the same objects. Serialising both whole documents made every update O(document size).
 */
function touchedFieldsChanged(
  original: Document,
  result: Document,
  update: Extract<CompiledUpdate, { kind: 'operators' }>,
  inserting: boolean,
): boolean {
  const touched = new Set<string>();
  for (const [op, arg] of Object.entries(update.ops)) {
    if (op === '$setOnInsert' && !inserting) continue;
    for (const [path, value] of Object.entries(arg)) {
      touched.add(path.split('.')[0]!);
      if (op === '$rename' && typeof value === 'string') touched.add(value.split('.')[0]!);
    }
  }
  for (const top of touched) {
    const had = Object.hasOwn(original, top);
    if (had !== Object.hasOwn(result, top)) return true;
    if (had && canonicalKey(original[top]) !== canonicalKey(result[top])) return true;
  }
  return false;
}

function replaceDocument(original: Document, replacement: Document): Document {
  const out: Document = {};
  if ('_id' in replacement) out._id = replacement._id;
  else if ('_id' in original) out._id = original._id;
  for (const [k, v] of Object.entries(replacement)) if (k !== '_id') out[k] = cloneDeep(v);
  return out;
}

export function idFirst(doc: Document): Document {
  const keys = Object.keys(doc);
  if (keys[0] === '_id' || !('_id' in doc)) return doc;
  const out: Document = { _id: doc._id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}

type OperatorFn = (expr: Document, arrayFilters?: Document[]) => (obj: Document) => string[];
const OPERATOR_FNS = ops as unknown as Record<string, OperatorFn>;

function applyOperators(
  original: Document,
  update: Extract<CompiledUpdate, { kind: 'operators' }>,
  query: Document,
  arrayFilters: Document[] | undefined,
  inserting: boolean,
): Document {
  const doc = cloneDeep(original);
  const entries: Array<[op: string, path: string, value: unknown]> = [];
  for (const [op, arg] of Object.entries(update.ops)) {
    if (op === '$setOnInsert' && !inserting) continue;
    for (const [path, value] of Object.entries(arg)) {
      entries.push([op === '$setOnInsert' ? '$set' : op, path, value]);
    }
  }
  // An upsert whose filter gave no _id may set one; otherwise _id is immutable.
  const idIsFree = inserting && doc._id === undefined;
  for (const [op, path, value] of entries) {
    if (idIsFree || (path !== '_id' && !path.startsWith('_id.'))) continue;
    if (op === '$set' && path === '_id' && canonicalKey(value) === canonicalKey(doc._id)) continue;
    throw new MongoCommandError(
      ErrorCode.ImmutableField,
      `Performing an update on the path '${path}' would modify the immutable field '_id'`,
    );
  }
  try {
    if (update.positional || (arrayFilters && arrayFilters.length > 0)) {
      // mingo's full updater resolves `$`, `$[]` and `$[id]`; it costs ~100 µs, so only here.
      const modifier: Record<string, Document> = {};
      for (const [op, path, value] of entries) {
        if (!path.includes('$')) checkTarget(doc, op, path);
        const group = modifier[op] ?? {};
        group[path] = value;
        modifier[op] = group;
      }
      checkArrayFilterIdentifiers(
        entries.map((e) => e[1]),
        arrayFilters ?? [],
      );
      stripIdNoop(doc, modifier);
      mingoUpdate(doc, modifier as never, arrayFilters, query as never, {
        queryOptions: currentMingoOptions(),
      });
      return idFirst(doc);
    }
    // mongod 5.0+ applies fields in lexicographic path order, which decides where new fields land.
    entries.sort((a, b) => comparePaths(a[1], b[1]));
    for (const [op, path, value] of entries) {
      if (path === '_id') {
        // mingo refuses any _id path; here it is either a no-op or an upsert choosing its _id.
        doc._id = cloneDeep(value);
        continue;
      }
      const rewritten = checkTarget(doc, op, path, value);
      if (rewritten) {
        OPERATOR_FNS.$set!({ [path]: rewritten.value })(doc);
        continue;
      }
      if (op === '$min' || op === '$max') {
        // mingo compares with JS order; mongod with BSON order across types.
        const current = probe(doc, path).value;
        const c = current === undefined ? 0 : compareBson(value, current);
        if (current === undefined || (op === '$min' ? c < 0 : c > 0))
          OPERATOR_FNS.$set!({ [path]: value })(doc);
        continue;
      }
      if (op === '$addToSet') {
        addToSet(doc, path, value);
        continue;
      }
      if (op === '$currentDate' && isPlainObject(value) && value.$type === 'timestamp') {
        OPERATOR_FNS.$set!({ [path]: currentTimestamp() })(doc);
        continue;
      }
      OPERATOR_FNS[op]!({ [path]: value })(doc);
    }
    return idFirst(doc);
  } catch (err) {
    asCommandError(err);
  }
}

/** mingo's $addToSet ignores field order when comparing subdocuments; mongod does not. */
function addToSet(doc: Document, path: string, operand: unknown): void {
  const each = isPlainObject(operand) && '$each' in operand;
  const items = each ? (operand as Document).$each : [operand];
  if (!Array.isArray(items)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      `The argument to $each in $addToSet must be an array but it was of type ${bsonTypeName(items)}`,
    );
  }
  const current = probe(doc, path).value;
  const next = Array.isArray(current) ? current.slice() : [];
  const seen = new Set(next.map(canonicalKey));
  for (const item of items) {
    const key = canonicalKey(item);
    if (seen.has(key)) continue;
    seen.add(key);
    next.push(cloneDeep(item));
  }
  if (current === undefined || next.length !== (current as unknown[]).length)
    OPERATOR_FNS.$set!({ [path]: next })(doc);
}

/** Every `$[id]` needs an array filter, and every array filter must be used, as mongod checks. */
function checkArrayFilterIdentifiers(paths: string[], arrayFilters: Document[]): void {
  const used = new Set<string>();
  for (const path of paths) for (const m of path.matchAll(/\$\[([^\]]+)\]/g)) used.add(m[1] as string);
  const defined = new Set<string>();
  for (const filter of arrayFilters) {
    if (!isPlainObject(filter))
      throw new MongoCommandError(ErrorCode.TypeMismatch, 'arrayFilters entries must be objects');
    for (const key of Object.keys(filter)) defined.add(key.split('.')[0] as string);
  }
  for (const id of used) {
    if (!defined.has(id)) {
      const path = paths.find((p) => p.includes(`$[${id}]`));
      throw new MongoCommandError(
        ErrorCode.BadValue,
        `No array filter found for identifier '${id}' in path '${path}'`,
      );
    }
  }
  for (const id of defined) {
    if (!used.has(id)) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        `The array filter for identifier '${id}' was not used in the update`,
      );
    }
  }
}

function stripIdNoop(doc: Document, modifier: Record<string, Document>): void {
  const set = modifier.$set;
  if (set && '_id' in set && canonicalKey(set._id) === canonicalKey(doc._id)) delete set._id;
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** mingo stores a JS number for {$type: 'timestamp'}; mongod stores a BSON Timestamp. */
function currentTimestamp(): Timestamp {
  return new Timestamp({ t: Math.floor(Date.now() / 1000), i: 1 });
}

interface PathProbe {
  value: unknown;
  /** Set when the path runs into a non-container before its end. */
  blockedAt?: { field: string; parentPath: string; parent: unknown };
}

function probe(doc: Document, path: string): PathProbe {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (cur === undefined) return { value: undefined };
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part)) {
        return {
          value: undefined,
          blockedAt: { field: part, parentPath: parts.slice(0, i).join('.'), parent: cur },
        };
      }
      cur = cur[Number(part)];
    } else if (isPlainObject(cur)) {
      cur = cur[part];
    } else {
      return {
        value: undefined,
        blockedAt: { field: part, parentPath: parts.slice(0, i).join('.'), parent: cur },
      };
    }
  }
  return { value: cur };
}

const NUMERIC_OPS = new Set(['$inc', '$mul']);
const CREATING_OPS = new Set([
  '$set',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$addToSet',
  '$currentDate',
  '$bit',
]);

/**
 * mongod's type checks for the target of an operator. Returns a replacement value when the operation
 * is done here instead of by mingo (int64 arithmetic, which mingo ignores).
 */
function checkTarget(
  doc: Document,
  op: string,
  path: string,
  operand?: unknown,
): { value: unknown } | undefined {
  const { value, blockedAt } = probe(doc, path);
  if (blockedAt) {
    if (!CREATING_OPS.has(op)) return undefined; // $unset/$pull/$pop on a missing path are no-ops
    const last = blockedAt.parentPath.split('.').pop();
    throw new MongoCommandError(
      ErrorCode.PathNotViable,
      `Cannot create field '${blockedAt.field}' in element {${last}: ${formatValue(blockedAt.parent)}}`,
    );
  }
  if (value === undefined) return undefined;
  const id = `{_id: ${formatValue(doc._id)}}`;
  const type = bsonTypeName(value);
  if (NUMERIC_OPS.has(op)) {
    if (toNumber(value) === undefined) {
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        `Cannot apply ${op} to a value of non-numeric type. ${id} has the field '${path.split('.').pop()}' of non-numeric type ${type}`,
      );
    }
    if (operand !== undefined) return { value: arithmetic(op as '$inc' | '$mul', value, operand) };
  }
  if ((op === '$push' || op === '$addToSet') && !Array.isArray(value)) {
    throw new MongoCommandError(
      ErrorCode.BadValue,
      `The field '${path}' must be an array but is of type ${type} in document ${id}`,
    );
  }
  if ((op === '$pull' || op === '$pullAll') && !Array.isArray(value)) {
    throw new MongoCommandError(ErrorCode.BadValue, 'Cannot apply $pull to a non-array value');
  }
  if (op === '$pop' && !Array.isArray(value)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      `Path '${path}' contains an element of non-array type '${type}'`,
    );
  }
  return undefined;
}
