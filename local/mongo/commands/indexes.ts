/** createIndexes, listIndexes, dropIndexes. */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError, notSupported } from '../errors.js';
import type { IndexSpec } from '../storage/types.js';
import { canonicalKey } from '../storage/values.js';
import {
  type CommandContext,
  type CommandSpec,
  collectionName,
  isPlainObject,
  namespace,
  optionalNumber,
  toNumber,
} from './context.js';

const ALLOWED_OPTIONS = new Set([
  'key',
  'name',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'background',
  'v',
  'ns',
  'hidden',
]);

function parseIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw))
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'index specification must be an object');
  if (!isPlainObject(raw.key) || Object.keys(raw.key).length === 0) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "The 'key' field is a required property of an index specification",
    );
  }
  if (raw.collation !== undefined) throw notSupported('Index collation');
  for (const option of Object.keys(raw)) {
    if (!ALLOWED_OPTIONS.has(option)) {
      if (
        [
          'weights',
          'default_language',
          '2dsphereIndexVersion',
          'bits',
          'min',
          'max',
          'wildcardProjection',
          'textIndexVersion',
          'language_override',
          'bucketSize',
        ].includes(option)
      ) {
        throw notSupported(`Index option '${option}'`);
      }
      throw new MongoCommandError(
        ErrorCode.InvalidIndexSpecificationOption,
        `The field '${option}' is not valid for an index specification. Specification: ${JSON.stringify(raw)}`,
      );
    }
  }
  const key: Record<string, 1 | -1> = {};
  for (const [field, dir] of Object.entries(raw.key)) {
    if (typeof dir === 'string') throw notSupported(`'${dir}' indexes`);
    const n = toNumber(dir);
    if (n === undefined || n === 0 || Number.isNaN(n)) {
      throw new MongoCommandError(
        67,
        `Values in the index key pattern can't be 0 or NaN. Got ${field}: ${String(dir)}`,
        {},
        'CannotCreateIndex',
      );
    }
    key[field] = n > 0 ? 1 : -1;
  }
  const name =
    raw.name === undefined
      ? Object.entries(key)
          .map(([f, d]) => `${f}_${d}`)
          .join('_')
      : raw.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new MongoCommandError(ErrorCode.TypeMismatch, "The field 'name' must be a non-empty string");
  }
  const spec: IndexSpec = { name, key };
  if (raw.unique !== undefined && raw.unique !== false && toNumber(raw.unique) !== 0) spec.unique = true;
  if (raw.sparse !== undefined && raw.sparse !== false && toNumber(raw.sparse) !== 0) spec.sparse = true;
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression))
      throw new MongoCommandError(ErrorCode.TypeMismatch, 'partialFilterExpression must be an object');
    spec.partialFilterExpression = raw.partialFilterExpression;
  }
  if (raw.expireAfterSeconds !== undefined) {
    const secs = toNumber(raw.expireAfterSeconds);
    if (secs === undefined || secs < 0 || !Number.isFinite(secs)) {
      throw new MongoCommandError(
        ErrorCode.InvalidOptions,
        `TTL index 'expireAfterSeconds' option must be numeric and >= 0`,
      );
    }
    if (Object.keys(key).length !== 1)
      throw new MongoCommandError(
        ErrorCode.InvalidOptions,
        'TTL indexes are single-field indexes, compound indexes do not support TTL',
      );
    spec.expireAfterSeconds = Math.floor(secs);
  }
  return spec;
}

function createIndexes(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'createIndexes');
  if (!Array.isArray(cmd.indexes) || cmd.indexes.length === 0) {
    throw new MongoCommandError(ErrorCode.BadValue, 'Must specify at least one index to create');
  }
  const specs = cmd.indexes.map(parseIndexSpec);
  const existed = ctx.storage.getCollection(ctx.db, name) !== undefined;
  const coll = ctx.storage.ensureCollection(ctx.db, name);
  const before = coll.listIndexes().length;
  let created = 0;
  for (const spec of specs) {
    rejectNameClash(coll.listIndexes(), spec);
    if (coll.createIndex(spec) === 'created') created++;
  }
  const reply: Document = {
    numIndexesBefore: before,
    numIndexesAfter: coll.listIndexes().length,
    createdCollectionAutomatically: !existed,
  };
  if (created === 0) reply.note = 'all indexes already exist';
  reply.ok = 1;
  return reply;
}

/** mongod answers 86 when an index of the same name exists with another key or other options. */
function rejectNameClash(existing: IndexSpec[], spec: IndexSpec): void {
  const same = existing.find((i) => i.name === spec.name);
  if (!same || canonicalKey(indexDocument(same)) === canonicalKey(indexDocument(spec))) return;
  throw new MongoCommandError(
    ErrorCode.IndexKeySpecsConflict,
    `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(indexDocument(spec))}, existing index: ${JSON.stringify(indexDocument(same))}`,
  );
}

export function indexDocument(spec: IndexSpec): Document {
  const out: Document = { v: 2, key: spec.key, name: spec.name };
  if (spec.unique && spec.name !== '_id_') out.unique = true;
  if (spec.sparse) out.sparse = true;
  if (spec.partialFilterExpression) out.partialFilterExpression = spec.partialFilterExpression;
  if (spec.expireAfterSeconds !== undefined) out.expireAfterSeconds = spec.expireAfterSeconds;
  return out;
}

function listIndexes(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'listIndexes');
  const coll = ctx.storage.getCollection(ctx.db, name);
  const ns = namespace(ctx, name);
  if (!coll) throw new MongoCommandError(ErrorCode.NamespaceNotFound, `ns does not exist: ${ns}`);
  const batchSize = isPlainObject(cmd.cursor) ? optionalNumber(cmd.cursor, 'batchSize') : undefined;
  const { batch, id } = ctx.cursors.open(ns, coll.listIndexes().map(indexDocument), batchSize);
  return { cursor: { id, ns, firstBatch: batch }, ok: 1 };
}

function dropIndexes(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'dropIndexes');
  const coll = ctx.storage.getCollection(ctx.db, name);
  const ns = namespace(ctx, name);
  if (!coll) throw new MongoCommandError(ErrorCode.NamespaceNotFound, `ns not found ${ns}`);
  const nIndexesWas = coll.listIndexes().length;
  const index = cmd.index;
  if (index === '*') coll.dropAllIndexes();
  else if (typeof index === 'string') coll.dropIndex(index);
  else if (Array.isArray(index)) {
    for (const n of index)
      if (typeof n !== 'string')
        throw new MongoCommandError(ErrorCode.TypeMismatch, 'index names must be strings');
    const known = new Set(coll.listIndexes().map((i) => i.name));
    const missing = (index as string[]).find((n) => !known.has(n));
    if (missing)
      throw new MongoCommandError(ErrorCode.IndexNotFound, `index not found with name [${missing}]`);
    for (const n of index as string[]) coll.dropIndex(n);
  } else if (isPlainObject(index)) {
    coll.dropIndex(index as Record<string, 1 | -1>);
  } else {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'dropIndexes.index' is the wrong type, expected types '[string, object, array]'",
    );
  }
  return { nIndexesWas, ok: 1 };
}

export const indexCommands: Record<string, CommandSpec> = {
  createIndexes: { handler: createIndexes, writes: true },
  listIndexes: { handler: listIndexes },
  dropIndexes: { handler: dropIndexes, writes: true },
  deleteIndexes: { handler: dropIndexes, writes: true },
};
