/**
 * Server-side cursors for find / aggregate / listIndexes / listCollections.
 *
 * A cursor holds the rest of its result as an array of documents. Result documents are either fresh
 * copies (projection, aggregate) or stored documents: the command layer never mutates a stored document
 * in place (updates clone, modify and replace), so holding a reference is a stable snapshot.
 *
 * Cursors are NOT closed when their connection closes: the driver's pool may send the getMore on another
 * connection, as with mongod. Idle cursors expire after `idleMs` (mongod's 10 minutes by default).
 */
import { type Document, Long } from 'bson';
import { ErrorCode, MongoCommandError } from './errors.js';
import { encodedBson } from './storage/encoded.js';

/** Room left for the reply envelope ({cursor: {nextBatch, id, ns}, ok}) under the 16 MiB BSON limit. */
const BATCH_BYTES_LIMIT = 16 * 1024 * 1024 - 64 * 1024;
/** mongod's first-batch size when the client gives none. */
export const DEFAULT_FIRST_BATCH = 101;

interface OpenCursor {
  id: Long;
  ns: string;
  docs: Document[];
  pos: number;
  lastUsed: number;
  shape?: BatchShape;
}

/** Applied to each batch as it leaves (a projection): an open cursor keeps references, not copies. */
export type BatchShape = (batch: Document[]) => Document[];

/** Least recently used cursors beyond this are dropped (their getMore answers 43), bounding memory. */
export const MAX_OPEN_CURSORS = 2_000;

export interface BatchResult {
  batch: Document[];
  id: Long;
}

/** Takes up to `batchSize` docs (0 = no count limit) from docs[pos..], keeping the batch under 16 MiB (at least one doc). */
export function takeBatch(docs: Document[], pos: number, batchSize: number): Document[] {
  const out: Document[] = [];
  let bytes = 0;
  const max = batchSize > 0 ? batchSize : Number.POSITIVE_INFINITY;
  for (let i = pos; i < docs.length && out.length < max; i++) {
    const doc = docs[i] as Document;
    // Encoded now, the bytes are what the reply will carry (wire/reply-bson.ts).
    const size = encodedBson(doc).length + 12;
    if (out.length > 0 && bytes + size > BATCH_BYTES_LIMIT) break;
    bytes += size;
    out.push(doc);
  }
  return out;
}

export class CursorRegistry {
  private readonly cursors = new Map<string, OpenCursor>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly idleMs = 10 * 60_000) {
    this.timer = setInterval(() => this.sweep(), Math.min(Math.max(idleMs / 4, 50), 60_000));
    this.timer.unref();
  }

  get size(): number {
    return this.cursors.size;
  }

  /**
   * Returns the first batch and registers a cursor when docs remain. `batchSize` undefined = mongod's
   * default of 101; `singleBatch` returns one batch and never opens a cursor.
   */
  open(
    ns: string,
    docs: Document[],
    batchSize: number | undefined,
    singleBatch = false,
    shape?: BatchShape,
  ): BatchResult {
    const size = batchSize ?? DEFAULT_FIRST_BATCH;
    // Batch sizes are measured before shaping: a projection only shrinks documents, so the cap holds.
    const raw = size === 0 && !singleBatch ? [] : takeBatch(docs, 0, size);
    const batch = shape ? shape(raw) : raw;
    if (singleBatch || raw.length >= docs.length) return { batch, id: Long.ZERO };
    const id = this.newId();
    this.cursors.set(id.toString(), {
      id,
      ns,
      docs,
      pos: raw.length,
      lastUsed: Date.now(),
      ...(shape ? { shape } : {}),
    });
    this.evictBeyondLimit();
    return { batch, id };
  }

  private evictBeyondLimit(): void {
    if (this.cursors.size <= MAX_OPEN_CURSORS) return;
    const oldest = [...this.cursors.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [key] of oldest.slice(0, this.cursors.size - MAX_OPEN_CURSORS)) this.cursors.delete(key);
  }

  getMore(id: Long, ns: string, batchSize: number | undefined): BatchResult {
    const key = id.toString();
    const cursor = this.cursors.get(key);
    if (!cursor) throw new MongoCommandError(ErrorCode.CursorNotFound, `cursor id ${key} not found`);
    if (cursor.ns !== ns) {
      throw new MongoCommandError(
        13,
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
        {},
        'Unauthorized',
      );
    }
    const raw = takeBatch(cursor.docs, cursor.pos, batchSize ?? 0);
    const batch = cursor.shape ? cursor.shape(raw) : raw;
    cursor.pos += raw.length;
    cursor.lastUsed = Date.now();
    if (cursor.pos >= cursor.docs.length) {
      this.cursors.delete(key);
      return { batch, id: Long.ZERO };
    }
    return { batch, id: cursor.id };
  }

  kill(ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) (this.cursors.delete(String(id)) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  /** Drops the cursors of a namespace (drop / dropDatabase / rename), as mongod kills them. */
  killNamespace(match: (ns: string) => boolean): void {
    for (const [key, c] of this.cursors) if (match(c.ns)) this.cursors.delete(key);
  }

  sweep(now = Date.now()): void {
    for (const [key, c] of this.cursors) if (now - c.lastUsed > this.idleMs) this.cursors.delete(key);
  }

  close(): void {
    clearInterval(this.timer);
    this.cursors.clear();
  }

  private newId(): Long {
    // Positive 63-bit ids, never 0, never reused while open.
    for (;;) {
      const hi = Math.floor(Math.random() * 0x7fffffff);
      const lo = Math.floor(Math.random() * 0x100000000) | 0;
      const id = Long.fromBits(lo, hi);
      if (!id.isZero() && !this.cursors.has(id.toString())) return id;
    }
  }
}
