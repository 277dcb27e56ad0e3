/**
 * The storage engine: databases -> collections, and the logical operations that the write-ahead log
 * records and replays. Log record shapes (BSON documents, `op` first):
 *   cc {db,c,options,uuid}  dc {db,c}  dd {db}  rn {db,c,toDb,to,dropTarget}
 *   i {db,c,doc}  u {db,c,doc}  d {db,c,id}  ci {db,c,spec}  di {db,c,name}  dai {db,c}
 *   ib {db,c,docs}  (snapshot only: a batch of documents)
 */
import { randomUUID } from 'node:crypto';
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { Collection } from './collection.js';
import type { CollectionInfo, IndexSpec, StorageEngine, StoredCollection } from './types.js';

export interface LogSink {
  append(rec: Document): void;
  flush(): void;
  close(): Promise<void>;
}

function newUuid(): Uint8Array {
  return new Uint8Array(Buffer.from(randomUUID().replace(/-/g, ''), 'hex'));
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const b = v as { buffer?: Uint8Array };
  return b?.buffer instanceof Uint8Array ? new Uint8Array(b.buffer) : newUuid();
}

/** Index specs read back without numeric promotion carry Int32/Double/Long objects: make them plain numbers. */
function plainSpec(spec: IndexSpec): IndexSpec {
  return promoteNumbers(spec) as IndexSpec;
}

function promoteNumbers(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(promoteNumbers);
  if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof RegExp) return v;
  const t = (v as { _bsontype?: string })._bsontype;
  if (t === 'Int32' || t === 'Double') return Number((v as { valueOf(): number }).valueOf());
  if (t === 'Long') {
    const n = Number(String(v));
    return Number.isSafeInteger(n) ? n : v;
  }
  if (t !== undefined) return v;
  const out: Document = {};
  for (const [k, x] of Object.entries(v as Document)) out[k] = promoteNumbers(x);
  return out;
}

export class Engine implements StorageEngine {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  /** Null in memory mode; while replaying, logging is suspended. */
  sink: LogSink | null = null;
  private replaying = false;
  private readonly logFn = (rec: Document) => {
    if (this.sink !== null && !this.replaying) this.sink.append(rec);
  };

  listDatabases(): string[] {
    return [...this.dbs].filter(([, colls]) => colls.size > 0).map(([name]) => name);
  }

  listCollections(dbName: string): CollectionInfo[] {
    return [...(this.dbs.get(dbName)?.values() ?? [])].map((c) => c.info());
  }

  getCollection(dbName: string, name: string): StoredCollection | undefined {
    return this.dbs.get(dbName)?.get(name);
  }

  private internal(dbName: string, name: string): Collection {
    const c = this.dbs.get(dbName)?.get(name);
    if (!c) throw new Error(`storage: replay references missing collection ${dbName}.${name}`);
    return c;
  }

  createCollection(dbName: string, name: string, options: Document = {}): StoredCollection {
    if (this.dbs.get(dbName)?.has(name)) {
      throw new MongoCommandError(ErrorCode.NamespaceExists, `Collection ${dbName}.${name} already exists.`);
    }
    return this.addCollection(dbName, name, options, newUuid());
  }

  ensureCollection(dbName: string, name: string): StoredCollection {
    return this.dbs.get(dbName)?.get(name) ?? this.addCollection(dbName, name, {}, newUuid());
  }

  private addCollection(dbName: string, name: string, options: Document, uuid: Uint8Array): Collection {
    let db = this.dbs.get(dbName);
    if (!db) {
      db = new Map();
      this.dbs.set(dbName, db);
    }
    const c = new Collection(dbName, name, options, uuid, this.logFn);
    db.set(name, c);
    this.logFn({ op: 'cc', db: dbName, c: name, options, uuid });
    return c;
  }

  dropCollection(dbName: string, name: string): boolean {
    const db = this.dbs.get(dbName);
    const c = db?.get(name);
    if (!db || !c) return false;
    c.dropped = true;
    db.delete(name);
    if (db.size === 0) this.dbs.delete(dbName);
    this.logFn({ op: 'dc', db: dbName, c: name });
    return true;
  }

  dropDatabase(dbName: string): void {
    const db = this.dbs.get(dbName);
    if (!db) return;
    for (const c of db.values()) c.dropped = true;
    this.dbs.delete(dbName);
    this.logFn({ op: 'dd', db: dbName });
  }

  renameCollection(fromDb: string, from: string, toDb: string, to: string, dropTarget: boolean): void {
    const src = this.dbs.get(fromDb)?.get(from);
    if (!src) throw new MongoCommandError(ErrorCode.NamespaceNotFound, 'source namespace does not exist');
    if (fromDb === toDb && from === to) {
      throw new MongoCommandError(ErrorCode.IllegalOperation, "Can't rename a collection to itself");
    }
    const target = this.dbs.get(toDb)?.get(to);
    if (target && !dropTarget)
      throw new MongoCommandError(ErrorCode.NamespaceExists, 'target namespace exists');
    const wasReplaying = this.replaying;
    this.replaying = true; // the rn record below stands for the implicit drop
    try {
      if (target) this.dropCollection(toDb, to);
      const db = this.dbs.get(fromDb)!;
      db.delete(from);
      if (db.size === 0) this.dbs.delete(fromDb);
    } finally {
      this.replaying = wasReplaying;
    }
    let dest = this.dbs.get(toDb);
    if (!dest) {
      dest = new Map();
      this.dbs.set(toDb, dest);
    }
    src.dbName = toDb;
    src.name = to;
    dest.set(to, src);
    this.logFn({ op: 'rn', db: fromDb, c: from, toDb, to, dropTarget });
  }

  flush(): void {
    this.sink?.flush();
  }

  async close(): Promise<void> {
    await this.sink?.close();
  }

  /** Re-applies one logged operation (replay and snapshot load). */
  apply(rec: Document): void {
    this.replaying = true;
    try {
      const { db, c } = rec as { db: string; c: string };
      switch (rec.op) {
        case 'cc':
          if (!this.dbs.get(db)?.has(c)) this.addCollection(db, c, rec.options ?? {}, toBytes(rec.uuid));
          break;
        case 'dc':
          this.dropCollection(db, c);
          break;
        case 'dd':
          this.dropDatabase(db);
          break;
        case 'rn':
          this.renameCollection(db, c, rec.toDb, rec.to, rec.dropTarget === true);
          break;
        case 'i':
          this.internal(db, c).insertUnlogged(rec.doc);
          break;
        case 'ib':
          for (const d of rec.docs as Document[]) this.internal(db, c).insertUnlogged(d);
          break;
        case 'u':
          this.internal(db, c).replaceUnlogged(rec.doc);
          break;
        case 'd':
          this.internal(db, c).removeUnlogged(rec.id);
          break;
        case 'ci':
          this.internal(db, c).createIndexUnlogged(plainSpec(rec.spec as IndexSpec));
          break;
        case 'di':
          this.internal(db, c).dropIndexUnlogged(rec.name);
          break;
        case 'dai':
          this.internal(db, c).dropAllIndexesUnlogged();
          break;
        default:
          throw new Error(`storage: unknown log record op ${String(rec.op)}`);
      }
    } finally {
      this.replaying = false;
    }
  }

  /**
   * The whole state as log records, for a snapshot: indexes first, then documents in natural order (so
   * loading maintains indexes incrementally, measured faster than a bulk build after the inserts).
   * Batches stay well under BSON's 16 MB document limit.
   */
  *dump(batchBytes = 4 * 1024 * 1024): Generator<Document> {
    for (const [dbName, db] of this.dbs) {
      for (const [name, coll] of db) {
        const info = coll.info();
        yield { op: 'cc', db: dbName, c: name, options: info.options, uuid: info.uuid };
        for (const spec of coll.listIndexes().slice(1)) yield { op: 'ci', db: dbName, c: name, spec };
        let batch: Document[] = [];
        let bytes = 0;
        for (const doc of coll.all()) {
          const size = coll.sizeOf(doc);
          // Flush before adding, so one big document (up to 16 MB) never lands in an already full batch.
          if (batch.length > 0 && (bytes + size > batchBytes || batch.length >= 10_000)) {
            yield { op: 'ib', db: dbName, c: name, docs: batch };
            batch = [];
            bytes = 0;
          }
          batch.push(doc);
          bytes += size;
        }
        if (batch.length > 0) yield { op: 'ib', db: dbName, c: name, docs: batch };
      }
    }
  }
}
