/**
 * A collection: documents keyed by canonicalKey(_id) in a Map (whose iteration order is the natural
 * order; Map.set on an existing key keeps the position, as mongod keeps a record's RecordId on update),
 * plus secondary indexes. Every write validates all indexes before it mutates anything.
 */
import { calculateObjectSize, type Document, ObjectId } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { type AccessPlan, idOf, newCounters, type PlanCounters } from './access-plan.js';
import { Index, identitySignature, keySignature, otherOptionsSignature } from './indexes.js';
import { type DocKeys, docKeys, duplicateKeyError, formatDoc } from './keys.js';
import { planCandidates } from './planner.js';
import { planSorted, type SortKey } from './sort-plan.js';
import type { CollectionInfo, IndexSpec, QueryPlans, StoredCollection } from './types.js';
import { canonicalKey, cloneDeep } from './values.js';

/** A logical operation for the write-ahead log (see engine.ts for the record shapes). */
export type LogFn = (rec: Document) => void;

const ID_SPEC: IndexSpec = { name: '_id_', key: { _id: 1 } };

export class Collection implements StoredCollection {
  private readonly docs = new Map<string, Document>();
  /** Insertion sequence per doc (kept across replace, like mongod's RecordId): index ties use it. */
  private readonly seqs = new Map<string, number>();
  private nextSeq = 0;
  private readonly indexes: Index[] = [];
  /** Ordered _id view for _id ranges; built on first use, maintained afterwards. */
  private idIdx: Index | null = null;
  private bytes = 0;
  private unsized: Document[] = [];
  private readonly sizes = new WeakMap<Document, number>();
  /** Set when dropped (or replaced by a rename target drop): writes then fail instead of going unlogged. */
  dropped = false;

  constructor(
    public dbName: string,
    public name: string,
    private readonly options: Document,
    private readonly uuid: Uint8Array,
    private readonly log: LogFn,
  ) {}

  get ns(): string {
    return `${this.dbName}.${this.name}`;
  }

  info(): CollectionInfo {
    return { name: this.name, options: cloneDeep(this.options), uuid: new Uint8Array(this.uuid) };
  }

  count(): number {
    return this.docs.size;
  }

  dataSize(): number {
    for (const doc of this.unsized) {
      // Skip docs replaced/removed before they were ever sized.
      if (this.docs.get(canonicalKey(doc._id)) !== doc) continue;
      this.bytes += this.sizeOf(doc);
    }
    this.unsized = [];
    return this.bytes;
  }

  /**
   * Sizes are computed lazily (most workloads never ask), but the backlog is bounded: it holds replaced
   * docs too, which would otherwise stay reachable forever on an update-heavy server.
   */
  private markUnsized(doc: Document): void {
    this.unsized.push(doc);
    if (this.unsized.length > 2 * this.docs.size + 1024) this.dataSize();
  }

  /** BSON size of a stored doc (cached). */
  sizeOf(doc: Document): number {
    let n = this.sizes.get(doc);
    if (n === undefined) {
      n = calculateObjectSize(doc);
      this.sizes.set(doc, n);
    }
    return n;
  }

  all(): Iterable<Document> {
    return this.docs.values();
  }

  candidates(filter: Document): Iterable<Document> {
    const plan = planCandidates(filter ?? {}, this);
    return plan === null ? this.docs.values() : this.resolve(plan, newCounters());
  }

  /** The documents behind a plan's ids, counted as examined (an id whose doc went away is skipped). */
  *resolve(plan: AccessPlan, counters: PlanCounters): Generator<Document> {
    for (const x of plan.run(counters)) {
      const d = this.docs.get(idOf(x));
      if (d === undefined) continue;
      counters.docsExamined++;
      yield d;
    }
  }

  plans(filter: Document, sort?: SortKey[]): QueryPlans {
    return {
      any: planCandidates(filter ?? {}, this),
      sorted: sort && sort.length > 0 ? planSorted(filter ?? {}, sort, this) : null,
    };
  }

  docByKey(idKey: string): Document | undefined {
    return this.docs.get(idKey);
  }

  /** Like candidates(), but says whether an index was used (for tests). */
  plan(filter: Document): { indexed: boolean; count: number } {
    const plan = planCandidates(filter ?? {}, this);
    return plan === null
      ? { indexed: false, count: this.docs.size }
      : { indexed: true, count: [...plan.run(newCounters())].length };
  }

  explain(filter: Document): { index: string | null; candidates: number } {
    const plan = planCandidates(filter ?? {}, this);
    const candidates = plan === null ? this.docs.size : [...plan.run(newCounters())].length;
    return { index: plan?.label ?? null, candidates };
  }

  secondary(): Index[] {
    return this.indexes;
  }

  idIndex(): Index {
    if (this.idIdx === null) {
      const ix = new Index(ID_SPEC);
      for (const [id, doc] of this.docs) ix.add(id, docKeys(doc, ['_id']), this.seqOf(id));
      this.idIdx = ix;
    }
    return this.idIdx;
  }

  seqOf(idKey: string): number {
    return this.seqs.get(idKey) ?? 0;
  }

  hasId(idKey: string): boolean {
    return this.docs.has(idKey);
  }

  findById(id: unknown): Document | undefined {
    return this.docs.get(canonicalKey(id));
  }

  private writable(): void {
    if (this.dropped) {
      throw new MongoCommandError(ErrorCode.NamespaceNotFound, `collection ${this.ns} was dropped`);
    }
  }

  insert(doc: Document): void {
    this.writable();
    this.insertUnlogged(doc);
    try {
      this.log({ op: 'i', db: this.dbName, c: this.name, doc });
    } catch (e) {
      // Not loggable (e.g. not serializable to BSON): undo, so memory never holds what the log lacks.
      this.removeUnlogged(doc._id);
      throw e;
    }
  }

  /** Insert without logging (replay, snapshot load). */
  insertUnlogged(doc: Document): void {
    if (doc._id === undefined) {
      const rest = { ...doc };
      for (const k of Object.keys(doc)) delete doc[k];
      Object.assign(doc, { _id: new ObjectId() }, rest);
    }
    if (Array.isArray(doc._id)) {
      throw new MongoCommandError(ErrorCode.InvalidIdField, "The '_id' value cannot be of type array");
    }
    const id = canonicalKey(doc._id);
    if (this.docs.has(id)) throw duplicateKeyError(this.ns, '_id_', { _id: 1 }, [doc._id]);
    const keys = this.indexes.map((ix) => ix.keysFor(doc));
    for (let i = 0; i < keys.length; i++) this.indexes[i]!.checkUnique(this.ns, id, keys[i]!);
    const seq = this.nextSeq++;
    this.docs.set(id, doc);
    this.seqs.set(id, seq);
    for (let i = 0; i < keys.length; i++) this.indexes[i]!.add(id, keys[i]!, seq);
    this.idIdx?.add(id, docKeys(doc, ['_id']), seq);
    this.markUnsized(doc);
  }

  replace(newDoc: Document): void {
    this.writable();
    const old = this.findById(newDoc._id);
    this.replaceUnlogged(newDoc);
    try {
      this.log({ op: 'u', db: this.dbName, c: this.name, doc: newDoc });
    } catch (e) {
      if (old) this.replaceUnlogged(old);
      throw e;
    }
  }

  replaceUnlogged(newDoc: Document): void {
    const id = canonicalKey(newDoc._id);
    const old = this.docs.get(id);
    if (old === undefined) {
      throw new MongoCommandError(
        ErrorCode.NoSuchKey,
        `no document with _id ${formatDoc({ _id: newDoc._id })}`,
      );
    }
    const changed: Array<[Index, DocKeys | null]> = [];
    for (const ix of this.indexes) {
      const keys = ix.keysFor(newDoc);
      if (ix.sameKeys(id, keys)) continue;
      ix.checkUnique(this.ns, id, keys);
      changed.push([ix, keys]);
    }
    for (const [ix, keys] of changed) {
      ix.remove(id);
      ix.add(id, keys, this.seqOf(id), true);
    }
    this.docs.set(id, newDoc);
    this.unsize(old);
    this.markUnsized(newDoc);
  }

  remove(id: unknown): boolean {
    this.writable();
    const existed = this.removeUnlogged(id);
    if (existed) this.log({ op: 'd', db: this.dbName, c: this.name, id });
    return existed;
  }

  removeUnlogged(id: unknown): boolean {
    const key = canonicalKey(id);
    const old = this.docs.get(key);
    if (old === undefined) return false;
    for (const ix of this.indexes) ix.remove(key);
    this.idIdx?.remove(key);
    this.docs.delete(key);
    this.seqs.delete(key);
    this.unsize(old);
    return true;
  }

  private unsize(doc: Document): void {
    const n = this.sizes.get(doc);
    if (n !== undefined) this.bytes -= n;
  }

  createIndex(spec: IndexSpec): 'created' | 'exists' {
    this.writable();
    const result = this.createIndexUnlogged(spec);
    if (result === 'created') this.log({ op: 'ci', db: this.dbName, c: this.name, spec });
    return result;
  }

  createIndexUnlogged(spec: IndexSpec): 'created' | 'exists' {
    const fields = Object.keys(spec.key ?? {});
    if (typeof spec.name !== 'string' || spec.name === '' || fields.length === 0) {
      throw new MongoCommandError(ErrorCode.BadValue, 'index specification needs a name and a non-empty key');
    }
    if (this.checkExisting(spec) === 'exists') return 'exists';
    const ix = new Index(cloneDeep(spec));
    const pending: Array<[string, DocKeys | null]> = [];
    for (const [id, doc] of this.docs) pending.push([id, ix.keysFor(doc)]);
    if (ix.unique) {
      const dup = Index.firstDuplicate(pending);
      if (dup) throw duplicateKeyError(this.ns, ix.name, ix.spec.key, dup.vals);
    }
    for (const [id, keys] of pending) ix.add(id, keys, this.seqOf(id));
    this.indexes.push(ix);
    return 'created';
  }

  /** mongod's IndexCatalogImpl::_doesSpecConflictWithExisting, including its messages. */
  private checkExisting(spec: IndexSpec): 'exists' | 'new' {
    const keySig = keySignature(spec.key);
    if (keySig === '_id:1' || spec.name === '_id_') {
      if (keySig === '_id:1' && spec.name === '_id_') return 'exists';
      if (keySig === '_id:1') {
        throw new MongoCommandError(
          ErrorCode.IndexOptionsConflict,
          'Index already exists with a different name: _id_',
        );
      }
      throw this.nameConflict(spec, ID_SPEC);
    }
    const ident = identitySignature(spec);
    const other = otherOptionsSignature(spec);
    const sameName = this.indexes.find((ix) => ix.name === spec.name);
    if (sameName) {
      if (identitySignature(sameName.spec) !== ident) throw this.nameConflict(spec, sameName.spec);
      if (otherOptionsSignature(sameName.spec) !== other) {
        throw new MongoCommandError(
          ErrorCode.IndexOptionsConflict,
          `An equivalent index already exists with the same name but different options. Requested index: ${specText(spec)}, existing index: ${specText(sameName.spec)}`,
        );
      }
      return 'exists';
    }
    const sameIdentity = this.indexes.find((ix) => identitySignature(ix.spec) === ident);
    if (sameIdentity) {
      if (otherOptionsSignature(sameIdentity.spec) !== other) {
        throw new MongoCommandError(
          ErrorCode.IndexOptionsConflict,
          `An equivalent index already exists with a different name and options. Requested index: ${specText(spec)}, existing index: ${specText(sameIdentity.spec)}`,
        );
      }
      throw new MongoCommandError(
        ErrorCode.IndexOptionsConflict,
        `Index already exists with a different name: ${sameIdentity.name}`,
      );
    }
    return 'new';
  }

  private nameConflict(requested: IndexSpec, existing: IndexSpec): MongoCommandError {
    return new MongoCommandError(
      ErrorCode.IndexKeySpecsConflict,
      'An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. ' +
        `Requested index: ${specText(requested)}, existing index: ${specText(existing)}`,
    );
  }

  dropIndex(nameOrKey: string | Record<string, 1 | -1>): void {
    this.writable();
    const name = this.dropIndexUnlogged(nameOrKey);
    this.log({ op: 'di', db: this.dbName, c: this.name, name });
  }

  dropIndexUnlogged(nameOrKey: string | Record<string, 1 | -1>): string {
    const byName = typeof nameOrKey === 'string';
    const sig = byName ? '' : keySignature(nameOrKey);
    if (byName ? nameOrKey === '_id_' : sig === '_id:1') {
      throw new MongoCommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
    }
    const matches = (ix: Index) => (byName ? ix.name === nameOrKey : keySignature(ix.spec.key) === sig);
    const i = this.indexes.findIndex(matches);
    const n = this.indexes.filter(matches).length;
    if (n > 1) {
      throw new MongoCommandError(
        272,
        `${n} indexes found for key: ${formatDoc(nameOrKey as Document)}, identify by name instead.`,
        {},
        'AmbiguousIndexKeyPattern',
      );
    }
    if (i < 0) {
      throw new MongoCommandError(
        ErrorCode.IndexNotFound,
        byName
          ? `index not found with name [${nameOrKey}]`
          : `can't find index with key: ${formatDoc(nameOrKey)}`,
      );
    }
    const [ix] = this.indexes.splice(i, 1);
    return ix!.name;
  }

  dropAllIndexes(): void {
    this.writable();
    this.indexes.length = 0;
    this.log({ op: 'dai', db: this.dbName, c: this.name });
  }

  /** Used by replay: dropAllIndexes without logging. */
  dropAllIndexesUnlogged(): void {
    this.indexes.length = 0;
  }

  listIndexes(): IndexSpec[] {
    return [cloneDeep(ID_SPEC), ...this.indexes.map((ix) => cloneDeep(ix.spec))];
  }

  expire(now: Date): number {
    this.writable();
    const doomed = new Set<string>();
    for (const ix of this.indexes) {
      const ttl = ix.spec.expireAfterSeconds;
      if (typeof ttl !== 'number' || ix.fields.length !== 1) continue;
      const limit = new Date(now.getTime() - ttl * 1000);
      const sorted = ix.ordered();
      const [s, e] = sorted.span([], { rank: 9, hi: { value: limit, inclusive: true } });
      for (const entry of sorted.scan(s, e)) doomed.add(entry.id);
    }
    let n = 0;
    for (const key of doomed) {
      const doc = this.docs.get(key);
      if (doc !== undefined && this.remove(doc._id)) n++;
    }
    return n;
  }
}

function specText(spec: IndexSpec): string {
  const { name, key, ...rest } = spec;
  return formatDoc({ v: 2, key, name, ...rest });
}
