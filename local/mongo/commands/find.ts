/** Reads: find, getMore, killCursors, count, distinct. */
import { type Document, Long } from 'bson';
import { ErrorCode, MongoCommandError, notSupported } from '../errors.js';
import { compileProjection, deadlineOf, valuesAtPath } from '../query.js';
import { findMatches, runQuery } from '../query-exec.js';
import { canonicalKey, compareValues } from '../storage/values.js';
import {
  type CommandContext,
  type CommandSpec,
  collectionName,
  namespace,
  optionalBoolean,
  optionalDocument,
  optionalNumber,
  typeMismatch,
} from './context.js';

function rejectCollation(cmd: Document): void {
  const collation = cmd.collation as Document | undefined;
  if (collation !== undefined && !(collation && collation.locale === 'simple'))
    throw notSupported('collation');
}

function nonNegative(cmd: Document, field: string): number | undefined {
  const n = optionalNumber(cmd, field);
  if (n !== undefined && n < 0)
    throw new MongoCommandError(51024, `BSON field '${field}' value must be >= 0, actual value '${n}'`);
  return n;
}

function find(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'find');
  const ns = namespace(ctx, name);
  rejectCollation(cmd);
  if (cmd.tailable) throw notSupported('tailable cursors');
  if (cmd.min !== undefined || cmd.max !== undefined) throw notSupported('find with min/max');
  const filter = optionalDocument(cmd, 'filter') ?? {};
  const sort = optionalDocument(cmd, 'sort');
  const skip = nonNegative(cmd, 'skip') ?? 0;
  const rawLimit = optionalNumber(cmd, 'limit') ?? 0;
  if (rawLimit < 0)
    throw new MongoCommandError(51024, `BSON field 'limit' value must be >= 0, actual value '${rawLimit}'`);
  const batchSize = nonNegative(cmd, 'batchSize');
  const singleBatch = optionalBoolean(cmd, 'singleBatch') ?? false;
  const projection = compileProjection(optionalDocument(cmd, 'projection'), filter);

  const deadline = deadlineOf(cmd);
  const coll = ctx.storage.getCollection(ctx.db, name);
  const limit = rawLimit === 0 ? Number.POSITIVE_INFINITY : rawLimit;
  const { docs } = runQuery(coll, {
    filter,
    ...(sort ? { sort } : {}),
    skip,
    limit,
    ...(deadline ? { deadline } : {}),
  });
  const { batch, id } = ctx.cursors.open(ns, docs, batchSize, singleBatch, (b) => projection.apply(b));
  return { cursor: { firstBatch: batch, id, ns }, ok: 1 };
}

function getMore(cmd: Document, ctx: CommandContext): Document {
  const raw = cmd.getMore;
  if (!Long.isLong(raw) && typeof raw !== 'number') {
    throw typeMismatch("BSON field 'getMore.getMore' is the wrong type, expected type 'long'");
  }
  const id = Long.isLong(raw) ? raw : Long.fromNumber(raw);
  // Not validated as a collection name: listCollections/db-level aggregate cursors live on '$cmd.*'.
  if (typeof cmd.collection !== 'string')
    throw typeMismatch("BSON field 'getMore.collection' is the wrong type, expected type 'string'");
  const ns = namespace(ctx, cmd.collection);
  const batchSize = nonNegative(cmd, 'batchSize');
  const { batch, id: nextId } = ctx.cursors.getMore(id, ns, batchSize || undefined);
  return { cursor: { nextBatch: batch, id: nextId, ns }, ok: 1 };
}

function killCursors(cmd: Document, ctx: CommandContext): Document {
  if (typeof cmd.killCursors !== 'string')
    throw typeMismatch("BSON field 'killCursors.killCursors' is the wrong type, expected type 'string'");
  if (!Array.isArray(cmd.cursors))
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "BSON field 'killCursors.cursors' is missing but a required field",
    );
  const ids = (cmd.cursors as unknown[]).map((c) => (Long.isLong(c) ? c : Long.fromNumber(Number(c))));
  const { killed, notFound } = ctx.cursors.kill(ids);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
}

function count(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'count');
  rejectCollation(cmd);
  const query = optionalDocument(cmd, 'query') ?? {};
  const skip = nonNegative(cmd, 'skip') ?? 0;
  // A negative limit means the same as its absolute value for count.
  const limit = Math.abs(optionalNumber(cmd, 'limit') ?? 0);
  const coll = ctx.storage.getCollection(ctx.db, name);
  let n: number;
  if (!coll) n = 0;
  else if (Object.keys(query).length === 0) n = coll.count();
  else n = findMatches(coll, query, limit ? skip + limit : Number.POSITIVE_INFINITY, deadlineOf(cmd)).length;
  n = Math.max(0, n - skip);
  if (limit) n = Math.min(n, limit);
  return { n, ok: 1 };
}

function distinct(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'distinct');
  rejectCollation(cmd);
  const key = cmd.key;
  if (typeof key !== 'string')
    throw typeMismatch("BSON field 'distinct.key' is the wrong type, expected type 'string'");
  if (key.length === 0)
    throw new MongoCommandError(ErrorCode.BadValue, 'FieldPath cannot be constructed with empty string');
  const query = optionalDocument(cmd, 'query') ?? {};
  const coll = ctx.storage.getCollection(ctx.db, name);
  const seen = new Map<string, unknown>();
  for (const doc of findMatches(coll, query, Number.POSITIVE_INFINITY, deadlineOf(cmd))) {
    for (const value of valuesAtPath(doc, key)) {
      const k = canonicalKey(value);
      if (!seen.has(k)) seen.set(k, value);
    }
  }
  // mongod collects distinct values in an ordered BSON set, so they come back sorted.
  const values = [...seen.values()].sort(compareValues);
  return { values, ok: 1 };
}

export const findCommands: Record<string, CommandSpec> = {
  find: { handler: find },
  getMore: { handler: getMore },
  killCursors: { handler: killCursors },
  count: { handler: count },
  distinct: { handler: distinct },
};
