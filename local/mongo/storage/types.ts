/**
 * The contract between the command layer (local/mongo/commands) and the storage engine (local/mongo/storage).
 *
 * Threading model: one process, one thread. Every method here is synchronous, so each command is atomic
 * with respect to every other command. Durability: write methods record their change in an in-memory
 * write-ahead buffer; `flush()` appends the buffer to the log and fsyncs it. The server calls `flush()`
 * after every command that wrote and before it sends the reply, so an acknowledged write survives kill -9.
 *
 * Ownership: documents passed to insert/replace become owned by the engine (the caller must not touch
 * them afterwards). Documents returned by candidates/findById are the stored objects: callers must treat
 * them as read-only and clone (values.cloneDeep) before mutating or handing them to code that may mutate.
 */
import type { Document } from 'bson';
import type { AccessPlan, PlanCounters } from './access-plan.js';
import type { SortKey } from './sort-plan.js';

export type { AccessPlan, PlanCounters } from './access-plan.js';
export type { SortKey } from './sort-plan.js';

/** A query's access plans (null: no index helps, scan the collection). */
export interface QueryPlans {
  /** The cheapest plan regardless of order. */
  any: AccessPlan | null;
  /** The cheapest plan that yields the requested sort order (none asked, or no index fits: null). */
  sorted: AccessPlan | null;
}

export interface IndexSpec {
  /** e.g. "email_1" or "orgId_1_createdAt_-1" (mongod's default naming: field_dir joined by "_"). */
  name: string;
  /** Field path -> 1 | -1, in order (compound indexes keep key order). */
  key: Record<string, 1 | -1>;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
}

export interface CollectionInfo {
  name: string;
  /** Options given to `create` (capped etc. are refused earlier by the command layer). */
  options: Document;
  /** 16 bytes, stable for the collection's life (renameCollection keeps it). */
  uuid: Uint8Array;
}

export interface StoredCollection {
  readonly dbName: string;
  readonly name: string;
  info(): CollectionInfo;
  count(): number;
  /** Approximate data size in bytes (BSON), for listDatabases / collStats. */
  dataSize(): number;
  /**
   * All stored documents in insertion order (natural order; a replaced doc keeps its position).
   * This is a LIVE iterator over the store: collect what you need before inserting or removing.
   */
  all(): Iterable<Document>;
  /**
   * Stored documents that MAY match `filter` (a superset of the matches). Uses an index when the filter
   * constrains an index's leading field(s) by equality, $in, or a range ($gt/$gte/$lt/$lte), including
   * inside a top-level $and; `_id` is always indexed. Falls back to all() otherwise. The caller still tests
   * every candidate against the full filter.
   *
   * Details: {a: null} also finds docs missing `a`; {a: [x, y]} probes both the array and x; a regex,
   * $ne/$nin/$not/$exists/$elemMatch/$all/$size, or an empty array leaves that field unconstrained.
   * An $or counts when every branch is indexable (the union). Sparse and partial indexes are never used.
   * On a multikey index a range keeps one bound only (different elements may satisfy $gt and $lt).
   * Order when an index is used: index key order (ascending), ties in insertion order, as from mongod's
   * index scan; otherwise natural order. The result is a fresh array except in the all() fallback.
   */
  candidates(filter: Document): Iterable<Document>;
  /**
   * Optional diagnostics for `explain`: the index candidates() would use for `filter` ("_id_", an index
   * name, "$or(a_1,b_1)"), or null for a collection scan, and how many candidates that yields.
   */
  explain?(filter: Document): { index: string | null; candidates: number };
  /** Access plans for `filter` (and `sort`): the command layer picks one and runs it (query-exec.ts). */
  plans(filter: Document, sort?: SortKey[]): QueryPlans;
  /** The stored documents behind a plan's ids, lazily, each counted in `counters.docsExamined`. */
  resolve(plan: AccessPlan, counters: PlanCounters): Iterable<Document>;
  findById(id: unknown): Document | undefined;
  /** Throws MongoCommandError 11000 (mongod's message, keyPattern, keyValue) on a unique violation; nothing changes then. */
  insert(doc: Document): void;
  /** Replaces the stored doc that has `_id` === newDoc._id. Unique violation -> 11000 and the old doc stays. */
  replace(newDoc: Document): void;
  /** Removes the doc with this `_id`; returns whether it existed. */
  remove(id: unknown): boolean;
  /** 'created' or 'exists' (same spec). Conflicting options on the same key/name -> 85/86; duplicates in data -> 11000. */
  createIndex(spec: IndexSpec): 'created' | 'exists';
  /** By name, or by key pattern. '_id_' cannot be dropped (72 InvalidOptions); unknown -> 27 IndexNotFound. */
  dropIndex(nameOrKey: string | Record<string, 1 | -1>): void;
  /** Drops every index except _id_. */
  dropAllIndexes(): void;
  listIndexes(): IndexSpec[];
  /** TTL sweep: removes docs whose TTL-indexed date field (or earliest date in an array) + expireAfterSeconds <= now. Returns how many. */
  expire(now: Date): number;
}

export interface StorageEngine {
  /** Database names that hold at least one collection. */
  listDatabases(): string[];
  listCollections(dbName: string): CollectionInfo[];
  getCollection(dbName: string, name: string): StoredCollection | undefined;
  /** Explicit create: throws 48 NamespaceExists when it exists. */
  createCollection(dbName: string, name: string, options?: Document): StoredCollection;
  /** Implicit create (insert, upsert, createIndexes): returns the existing one or creates it. */
  ensureCollection(dbName: string, name: string): StoredCollection;
  /** Returns whether it existed. */
  dropCollection(dbName: string, name: string): boolean;
  dropDatabase(dbName: string): void;
  /** Missing source -> 26 NamespaceNotFound; existing target without dropTarget -> 48 NamespaceExists. */
  renameCollection(fromDb: string, from: string, toDb: string, to: string, dropTarget: boolean): void;
  /** Makes every change so far durable (append + fsync the log). No-op in memory mode. */
  flush(): void;
  /** Flushes, compacts if worthwhile, releases files. */
  close(): Promise<void>;
}

export interface StorageOptions {
  /** Directory for the data files. Absent -> in-memory only. */
  dbpath?: string;
  /** Compact (snapshot + truncate the log) once the log exceeds this many bytes. Default 64 MiB. */
  compactLogBytes?: number;
  /**
   * BSON deserialize options for reading the data files back. Pass the ones the wire layer uses (e.g.
   * `{promoteValues: false}`) so that documents look the same after a restart as when first stored.
   * Default: bson's defaults.
   */
  bson?: import('bson').DeserializeOptions;
}
