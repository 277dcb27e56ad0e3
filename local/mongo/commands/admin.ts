/** Collection and database administration: create, drop, list, rename, stats. */
import { Binary, type Document } from 'bson';
import { ErrorCode, MongoCommandError, notSupported } from '../errors.js';
import { compileFilter } from '../query.js';
import { canonicalKey } from '../storage/values.js';
import { collStatsDocument } from './aggregate.js';
import {
  type CommandContext,
  type CommandSpec,
  collectionName,
  isPlainObject,
  namespace,
  optionalBoolean,
  optionalDocument,
  optionalNumber,
} from './context.js';

const UNSUPPORTED_CREATE_OPTIONS = [
  'capped',
  'timeseries',
  'clusteredIndex',
  'viewOn',
  'pipeline',
  'collation',
  'validator',
  'changeStreamPreAndPostImages',
  'encryptedFields',
];

function create(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'create');
  const options: Document = {};
  for (const [k, v] of Object.entries(cmd)) {
    if (k === 'create' || k === 'lsid' || k === 'writeConcern' || k === 'comment' || k.startsWith('$'))
      continue;
    options[k] = v;
  }
  const existing = ctx.storage.getCollection(ctx.db, name);
  if (existing) {
    // Since 7.0 create is idempotent when the options are the same.
    if (canonicalKey(existing.info().options ?? {}) === canonicalKey(options)) return { ok: 1 };
    throw new MongoCommandError(
      ErrorCode.NamespaceExists,
      `Collection ${namespace(ctx, name)} already exists.`,
    );
  }
  for (const option of UNSUPPORTED_CREATE_OPTIONS) {
    if (cmd[option] !== undefined && cmd[option] !== false)
      throw notSupported(`Collection option '${option}'`);
  }
  ctx.storage.createCollection(ctx.db, name, options);
  return { ok: 1 };
}

function drop(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'drop');
  const ns = namespace(ctx, name);
  const coll = ctx.storage.getCollection(ctx.db, name);
  if (!coll) return { ok: 1 }; // mongod 7.0: dropping a missing collection succeeds
  const nIndexesWas = coll.listIndexes().length;
  ctx.storage.dropCollection(ctx.db, name);
  ctx.cursors.killNamespace((n) => n === ns);
  return { nIndexesWas, ns, ok: 1 };
}

function dropDatabase(_cmd: Document, ctx: CommandContext): Document {
  ctx.storage.dropDatabase(ctx.db);
  ctx.cursors.killNamespace((n) => n.startsWith(`${ctx.db}.`));
  return { dropped: ctx.db, ok: 1 };
}

function listCollections(cmd: Document, ctx: CommandContext): Document {
  const filter = optionalDocument(cmd, 'filter');
  const nameOnly = optionalBoolean(cmd, 'nameOnly') ?? false;
  const batchSize = isPlainObject(cmd.cursor) ? optionalNumber(cmd.cursor, 'batchSize') : undefined;
  const full = ctx.storage.listCollections(ctx.db).map((info) => ({
    name: info.name,
    type: 'collection',
    options: info.options ?? {},
    info: { readOnly: false, uuid: new Binary(info.uuid, Binary.SUBTYPE_UUID) },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  }));
  const matches = compileFilter(filter);
  // mongod filters the full entries, then trims them when nameOnly is set.
  const docs = full.filter((d) => matches(d)).map((d) => (nameOnly ? { name: d.name, type: d.type } : d));
  const ns = `${ctx.db}.$cmd.listCollections`;
  const { batch, id } = ctx.cursors.open(ns, docs, batchSize);
  return { cursor: { id, ns, firstBatch: batch }, ok: 1 };
}

function databaseSize(ctx: CommandContext, db: string): number {
  let size = 0;
  for (const info of ctx.storage.listCollections(db))
    size += ctx.storage.getCollection(db, info.name)?.dataSize() ?? 0;
  return size;
}

function listDatabases(cmd: Document, ctx: CommandContext): Document {
  const nameOnly = optionalBoolean(cmd, 'nameOnly') ?? false;
  const matches = compileFilter(optionalDocument(cmd, 'filter'));
  const entries = ctx.storage.listDatabases().map((name) => {
    const sizeOnDisk = databaseSize(ctx, name);
    return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
  });
  const selected = entries.filter((e) => matches(e));
  if (nameOnly) return { databases: selected.map((e) => ({ name: e.name })), ok: 1 };
  const totalSize = selected.reduce((sum, e) => sum + e.sizeOnDisk, 0);
  return { databases: selected, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)), ok: 1 };
}

function splitNamespace(value: unknown, field: string): [string, string] {
  if (typeof value !== 'string')
    throw new MongoCommandError(ErrorCode.TypeMismatch, `'${field}' must be of type String`);
  const dot = value.indexOf('.');
  if (dot <= 0 || dot === value.length - 1)
    throw new MongoCommandError(ErrorCode.InvalidNamespace, `Invalid namespace specified '${value}'`);
  return [value.slice(0, dot), value.slice(dot + 1)];
}

function renameCollection(cmd: Document, ctx: CommandContext): Document {
  const [fromDb, from] = splitNamespace(cmd.renameCollection, 'renameCollection');
  const [toDb, to] = splitNamespace(cmd.to, 'to');
  const dropTarget = optionalBoolean(cmd, 'dropTarget') ?? false;
  if (fromDb === toDb && from === to) {
    throw new MongoCommandError(ErrorCode.IllegalOperation, "Can't rename a collection to itself");
  }
  ctx.storage.renameCollection(fromDb, from, toDb, to, dropTarget);
  const fromNs = `${fromDb}.${from}`;
  const toNs = `${toDb}.${to}`;
  ctx.cursors.killNamespace((n) => n === fromNs || (dropTarget && n === toNs));
  return { ok: 1 };
}

function collStats(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'collStats');
  const stats = collStatsDocument(ctx, name, { storageStats: {} }).storageStats as Document;
  return { ns: namespace(ctx, name), ...stats, ok: 1 };
}

function dbStats(_cmd: Document, ctx: CommandContext): Document {
  const collections = ctx.storage.listCollections(ctx.db);
  let objects = 0;
  let indexes = 0;
  for (const info of collections) {
    const coll = ctx.storage.getCollection(ctx.db, info.name);
    objects += coll?.count() ?? 0;
    indexes += coll?.listIndexes().length ?? 0;
  }
  const dataSize = databaseSize(ctx, ctx.db);
  return {
    db: ctx.db,
    collections: collections.length,
    views: 0,
    objects,
    avgObjSize: objects ? dataSize / objects : 0,
    dataSize,
    storageSize: dataSize,
    indexes,
    indexSize: 0,
    totalSize: dataSize,
    scaleFactor: 1,
    fsUsedSize: 0,
    fsTotalSize: 0,
    ok: 1,
  };
}

export const adminCommands: Record<string, CommandSpec> = {
  create: { handler: create, writes: true },
  drop: { handler: drop, writes: true },
  dropDatabase: { handler: dropDatabase, writes: true },
  listCollections: { handler: listCollections },
  listDatabases: { handler: listDatabases, adminOnly: true },
  renameCollection: { handler: renameCollection, writes: true, adminOnly: true },
  collStats: { handler: collStats },
  dbStats: { handler: dbStats },
  listCommands: { handler: () => ({ commands: {}, ok: 1 }) },
};
