/** Pieces shared by the write commands: writeErrors entries, upsert seeds, document checks for insert. */
import { calculateObjectSize, type Document, ObjectId } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { isPlainObject } from './context.js';
import { idFirst } from './update-engine.js';

export interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  [extra: string]: unknown;
}

export function toWriteError(index: number, err: unknown): WriteError {
  if (err instanceof MongoCommandError) {
    const { ok: _ok, codeName: _codeName, errmsg, code, ...extra } = err.toReply();
    return { index, code: code as number, errmsg: errmsg as string, ...extra };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { index, code: ErrorCode.InternalError, errmsg: message };
}

export function validateWriteBatch(items: unknown, field: string): Document[] {
  if (!Array.isArray(items)) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      `BSON field '${field}' is missing but a required field`,
    );
  }
  if (items.length === 0 || items.length > 100_000) {
    throw new MongoCommandError(
      ErrorCode.InvalidLength,
      `Write batch sizes must be between 1 and 100000. Got ${items.length} operations.`,
    );
  }
  return items as Document[];
}

/** Checks a document for insert the way mongod does, and returns it with `_id` first (generated if missing). */
export function prepareForInsert(doc: unknown): Document {
  if (!isPlainObject(doc))
    throw new MongoCommandError(ErrorCode.BadValue, 'Document to insert must be an object');
  const size = calculateObjectSize(doc);
  if (size > 16 * 1024 * 1024) {
    throw new MongoCommandError(
      ErrorCode.BadValue,
      `object to insert too large. size in bytes: ${size}, max size: 16777216`,
    );
  }
  // Top-level $-prefixed field names are stored as they are since MongoDB 5.0 (only _id's are refused).
  if (!('_id' in doc) || doc._id === undefined) {
    const out: Document = { _id: new ObjectId() };
    for (const k of Object.keys(doc)) if (k !== '_id') out[k] = doc[k];
    return out;
  }
  checkIdValue(doc._id);
  return idFirst(doc);
}

export function checkIdValue(id: unknown): void {
  if (Array.isArray(id)) throw new MongoCommandError(ErrorCode.BadValue, `can't use an array for _id`);
  if (id instanceof RegExp || (id as { _bsontype?: string })?._bsontype === 'BSONRegExp') {
    throw new MongoCommandError(ErrorCode.BadValue, `can't use a regex for _id`);
  }
  if (isPlainObject(id)) {
    for (const k of Object.keys(id)) {
      if (k.startsWith('$')) {
        throw new MongoCommandError(
          ErrorCode.DollarPrefixedFieldName,
          `_id fields may not contain '$'-prefixed fields: ${k} is not valid for storage.`,
        );
      }
    }
  }
}

/**
 * The document an upsert starts from: the filter's equality conditions (top level, inside $and,
 * `{$eq: v}`, single-element `$in`), with dotted paths expanded into nested documents.
 */
export function upsertSeed(filter: Document | undefined): Document {
  const seed: Document = {};
  if (filter) addEqualities(seed, filter);
  return seed;
}

function addEqualities(seed: Document, filter: Document): void {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(cond)) {
      for (const part of cond) if (isPlainObject(part)) addEqualities(seed, part);
      continue;
    }
    if (key.startsWith('$')) continue;
    const value = equalityValue(cond);
    if (value.found) setPath(seed, key, value.value);
  }
}

function equalityValue(cond: unknown): { found: boolean; value?: unknown } {
  if (cond instanceof RegExp || (cond as { _bsontype?: string })?._bsontype === 'BSONRegExp')
    return { found: false };
  if (!isPlainObject(cond)) return { found: true, value: cond };
  const keys = Object.keys(cond);
  if (keys.length === 0 || !keys[0]?.startsWith('$')) return { found: true, value: cond };
  if ('$eq' in cond) return { found: true, value: cond.$eq };
  if (Array.isArray(cond.$in) && cond.$in.length === 1) return equalityValue(cond.$in[0]);
  return { found: false };
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    if (!isPlainObject(node[part])) {
      if (node[part] !== undefined) {
        throw new MongoCommandError(
          ErrorCode.NotSingleValueField,
          `cannot infer query fields to set, path '${path}' is matched twice`,
        );
      }
      node[part] = {};
    }
    node = node[part] as Document;
  }
  const last = parts[parts.length - 1] as string;
  if (last in node) {
    throw new MongoCommandError(
      ErrorCode.NotSingleValueField,
      `cannot infer query fields to set, path '${path}' is matched twice`,
    );
  }
  node[last] = structuredCloneValue(value);
}

function structuredCloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structuredCloneValue);
  if (isPlainObject(v)) {
    const out: Document = {};
    for (const [k, x] of Object.entries(v)) out[k] = structuredCloneValue(x);
    return out;
  }
  return v;
}
