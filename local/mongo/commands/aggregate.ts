/**
 * The `aggregate` command. The leading $match uses the storage engine's candidates (indexes); every
 * document handed to mingo is a copy, because mingo mutates its inputs ($project, $unwind, $lookup...).
 * Top-level $sort stages run here, in BSON order, instead of mingo's JS order.
 */
import { type Document, Long } from 'bson';
import * as pipelineOperators from 'mingo/operators/pipeline';
import { ErrorCode, MongoCommandError, notSupported } from '../errors.js';
import { Aggregator, withCollectionResolver } from '../mingo-context.js';
import { asCommandError, deadlineOf, sortDocuments, valuesAtPath } from '../query.js';
import { runQuery } from '../query-exec.js';
import { canonicalKey, cloneDeep } from '../storage/values.js';
import {
  type CommandContext,
  type CommandSpec,
  isPlainObject,
  namespace,
  optionalDocument,
  optionalNumber,
} from './context.js';
import { pipelineQuery } from './pipeline-prefix.js';

const REFUSED_STAGES: Record<string, string> = {
  $out: '$out',
  $merge: '$merge',
  $changeStream: 'Change streams',
  $search: 'Atlas Search ($search)',
  $searchMeta: 'Atlas Search ($searchMeta)',
  $vectorSearch: 'Atlas Vector Search',
  $geoNear: '$geoNear',
  $currentOp: '$currentOp',
  $listSessions: '$listSessions',
  $indexStats: '$indexStats',
  $planCacheStats: '$planCacheStats',
};

function aggregate(cmd: Document, ctx: CommandContext): Document {
  const target = cmd.aggregate;
  const pipeline = cmd.pipeline;
  if (!Array.isArray(pipeline)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'aggregate.pipeline' is the wrong type, expected type 'array'",
    );
  }
  if (cmd.explain) throw notSupported('explain');
  if (cmd.collation !== undefined) throw notSupported('collation');
  const cursorOpts = optionalDocument(cmd, 'cursor');
  if (!cursorOpts) {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  const batchSize = optionalNumber(cursorOpts, 'batchSize');
  for (const stage of pipeline) {
    const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
    if (!name || Object.keys(stage).length !== 1) {
      throw new MongoCommandError(
        40323,
        'A pipeline stage specification object must contain exactly one field.',
      );
    }
    if (name in REFUSED_STAGES) throw notSupported(`The ${REFUSED_STAGES[name]} aggregation stage`);
    if (name === '$listLocalSessions' && stage !== pipeline[0]) {
      throw new MongoCommandError(
        40602,
        '$listLocalSessions is only valid as the first stage in a pipeline',
        {},
        'Location40602',
      );
    }
    if (!(name in pipelineOperators) && name !== '$collStats' && name !== '$listLocalSessions') {
      throw new MongoCommandError(40324, `Unrecognized pipeline stage name: '${name}'`, {}, 'Location40324');
    }
    if (name === '$count') checkCountField(stage.$count);
  }

  let ns: string;
  let source: Document[];
  let rest = pipeline as Document[];
  if (typeof target === 'string') {
    ns = namespace(ctx, target);
    const coll = ctx.storage.getCollection(ctx.db, target);
    const first = rest[0];
    const prefix = pipelineQuery(rest);
    if (first && '$collStats' in first) {
      source = [collStatsDocument(ctx, target, first.$collStats as Document)];
      rest = rest.slice(1);
    } else if (prefix !== null) {
      rest = prefix.rest;
      const deadline = deadlineOf(cmd);
      const matched = runQuery(coll, { ...prefix.query, ...(deadline ? { deadline } : {}) }).docs;
      source = copyIfMutating(matched, rest);
    } else if (isCountShape(rest)) {
      return countFastPath(ns, coll ? coll.count() : 0, rest);
    } else {
      source = coll ? copyIfMutating(Array.from(coll.all()), rest) : [];
    }
  } else if (target === 1) {
    ns = namespace(ctx, '$cmd.aggregate');
    const first = rest[0];
    if (first && '$listLocalSessions' in first) {
      source = listLocalSessions(ctx, first.$listLocalSessions);
      rest = rest.slice(1);
    } else if (!first || !('$documents' in first)) {
      throw notSupported('Database-level aggregation other than $documents and $listLocalSessions');
    } else {
      source = [];
    }
  } else {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'aggregate.aggregate' must be a string or the number 1",
    );
  }

  const docs = runPipeline(ctx, source, rest);
  const { batch, id } = ctx.cursors.open(ns, docs, batchSize);
  return { cursor: { firstBatch: batch, id, ns }, ok: 1 };
}

/** `{$listLocalSessions: {}}` (or `{allUsers: true}`): the sessions of the server's cache; admin only. */
function listLocalSessions(ctx: CommandContext, spec: unknown): Document[] {
  if (ctx.db !== 'admin') {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      "$listLocalSessions must be run against the 'admin' database with {aggregate: 1}",
    );
  }
  if (!isPlainObject(spec)) {
    throw new MongoCommandError(ErrorCode.TypeMismatch, '$listLocalSessions must take a nested object');
  }
  return ctx.sessions?.list() ?? [];
}

function checkCountField(field: unknown): void {
  if (typeof field !== 'string' || field.length === 0) {
    throw new MongoCommandError(40156, 'the count field must be a non-empty string', {}, 'Location40156');
  }
  if (field.startsWith('$'))
    throw new MongoCommandError(40158, 'the count field cannot be a $-prefixed path', {}, 'Location40158');
  if (field.includes('.'))
    throw new MongoCommandError(40160, "the count field cannot contain '.'", {}, 'Location40160');
}

/** countDocuments() without a filter: [{$group: {_id: 1, n: {$sum: 1}}}]. */
function isCountShape(stages: Document[]): boolean {
  if (stages.length !== 1) return false;
  const group = stages[0]?.$group;
  if (!isPlainObject(group) || Object.keys(group).length !== 2) return false;
  const [, acc] = Object.entries(group).find(([k]) => k !== '_id') ?? [];
  return (
    (group._id === 1 || group._id === null) &&
    isPlainObject(acc) &&
    Object.keys(acc).length === 1 &&
    acc.$sum === 1
  );
}

function countFastPath(ns: string, n: number, stages: Document[]): Document {
  const group = stages[0]?.$group as Document;
  const field = Object.keys(group).find((k) => k !== '_id') as string;
  const firstBatch = n === 0 ? [] : [{ _id: group._id, [field]: n }];
  return { cursor: { firstBatch, id: Long.ZERO, ns }, ok: 1 };
}

/** Stages that only read their input documents; a pipeline made of these can run on stored docs uncopied. */
const READ_ONLY_STAGES = new Set(['$match', '$group', '$count', '$skip', '$limit', '$sort', '$sortByCount']);

function copyIfMutating(docs: Document[], stages: Document[]): Document[] {
  const readOnly = stages.every((s) => READ_ONLY_STAGES.has(Object.keys(s)[0] as string));
  return readOnly ? docs : docs.map(cloneDeep);
}

function runPipeline(ctx: CommandContext, source: Document[], stages: Document[]): Document[] {
  let docs = source;
  let segment: Document[] = [];
  const resolver = (name: string) => {
    const coll = ctx.storage.getCollection(ctx.db, name);
    return coll ? Array.from(coll.all(), cloneDeep) : [];
  };
  const flush = () => {
    if (segment.length === 0) return;
    try {
      const pipeline = segment;
      docs = withCollectionResolver(resolver, () => new Aggregator(pipeline).run(docs) as Document[]);
    } catch (err) {
      asCommandError(err);
    }
    segment = [];
  };
  for (const stage of stages) {
    if ('$sort' in stage && isPlainObject(stage.$sort)) {
      flush();
      docs = sortDocuments(docs, stage.$sort);
    } else if ('$lookup' in stage && isSimpleLookup(stage.$lookup)) {
      flush();
      docs = equalityLookup(docs, stage.$lookup as Document, resolver);
    } else if ('$count' in stage) {
      flush();
      // mingo emits {n: 0} for an empty input; mongod emits no document at all.
      docs = docs.length > 0 ? [{ [stage.$count as string]: docs.length }] : [];
    } else {
      segment.push(stage);
    }
  }
  flush();
  return docs;
}

function isSimpleLookup(spec: unknown): boolean {
  return (
    isPlainObject(spec) &&
    typeof spec.from === 'string' &&
    typeof spec.localField === 'string' &&
    typeof spec.foreignField === 'string' &&
    typeof spec.as === 'string' &&
    !spec.as.includes('.') &&
    spec.pipeline === undefined &&
    spec.let === undefined
  );
}

/**
 * $lookup by localField/foreignField: mongod's equality (numbers by value, arrays match any element,
 * missing matches null). mingo's version leaves holes for unmatched array elements.
 */
function equalityLookup(
  docs: Document[],
  spec: Document,
  resolver: (name: string) => Document[],
): Document[] {
  const foreign = resolver(spec.from as string);
  const byKey = new Map<string, number[]>();
  foreign.forEach((f, i) => {
    const values = valuesAtPath(f, spec.foreignField as string);
    for (const v of values.length > 0 ? values : [null]) {
      const key = canonicalKey(v);
      const list = byKey.get(key) ?? [];
      if (list[list.length - 1] !== i) list.push(i);
      byKey.set(key, list);
    }
  });
  return docs.map((doc) => {
    const values = valuesAtPath(doc, spec.localField as string);
    const hits = new Set<number>();
    for (const v of values.length > 0 ? values : [null])
      for (const i of byKey.get(canonicalKey(v)) ?? []) hits.add(i);
    const matched = [...hits].sort((a, b) => a - b).map((i) => foreign[i] as Document);
    return { ...doc, [spec.as as string]: matched };
  });
}

export function collStatsDocument(ctx: CommandContext, name: string, spec: Document | undefined): Document {
  const coll = ctx.storage.getCollection(ctx.db, name);
  if (!coll) {
    throw new MongoCommandError(
      ErrorCode.NamespaceNotFound,
      `Unable to retrieve storageStats in $collStats stage :: caused by :: Collection [${ctx.db}.${name}] not found.`,
    );
  }
  const count = coll.count();
  const size = coll.dataSize();
  const indexes = coll.listIndexes();
  const out: Document = {
    ns: namespace(ctx, name),
    host: ctx.connection.localAddress,
    localTime: new Date(),
  };
  if (spec?.storageStats !== undefined) {
    out.storageStats = {
      size,
      count,
      avgObjSize: count ? Math.floor(size / count) : 0,
      storageSize: size,
      freeStorageSize: 0,
      capped: false,
      nindexes: indexes.length,
      indexDetails: {},
      totalIndexSize: 0,
      totalSize: size,
      indexSizes: Object.fromEntries(indexes.map((i) => [i.name, 0])),
      scaleFactor: 1,
    };
  }
  if (spec?.count !== undefined) out.count = count;
  return out;
}

export const aggregateCommands: Record<string, CommandSpec> = {
  aggregate: { handler: aggregate },
};
