/**
 * Serializes a command reply, splicing in the kept encoding of each document of a cursor batch
 * (storage/encoded.ts) instead of re-encoding it: a find of 100 stored documents copies their bytes.
 * Everything else in the reply goes through bson's serializer, element by element.
 */
import { type Document, serialize } from 'bson';
import { encodedBson } from '../storage/encoded.js';

const BATCH_KEYS = new Set(['firstBatch', 'nextBatch']);

function isPlain(v: unknown): v is Document {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    (v as { _bsontype?: string })._bsontype === undefined &&
    !(v instanceof Date) &&
    !(v instanceof RegExp) &&
    !(v instanceof Uint8Array)
  );
}

/** The bytes of one element `key: value`, as bson encodes it inside a document. */
function element(key: string, value: unknown): Uint8Array {
  const whole = serialize({ [key]: value });
  return whole.subarray(4, whole.length - 1);
}

function cstring(s: string): Buffer {
  return Buffer.from(`${s}\u0000`, 'utf8');
}

function documentOf(parts: Uint8Array[]): Buffer {
  let size = 5;
  for (const p of parts) size += p.length;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  let at = 4;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  out[at] = 0;
  return out;
}

function batchElement(key: string, docs: Document[]): Buffer {
  const items: Uint8Array[] = [];
  docs.forEach((d, i) => {
    items.push(Buffer.from([0x03]), cstring(String(i)), encodedBson(d));
  });
  const array = documentOf(items);
  return Buffer.concat([Buffer.from([0x04]), cstring(key), array]);
}

function cursorElement(cursor: Document): Buffer {
  const parts: Uint8Array[] = [];
  for (const [k, v] of Object.entries(cursor)) {
    if (BATCH_KEYS.has(k) && Array.isArray(v) && v.every(isPlain)) parts.push(batchElement(k, v));
    else parts.push(element(k, v));
  }
  return Buffer.concat([Buffer.from([0x03]), cstring('cursor'), documentOf(parts)]);
}

/** BSON of `reply`, byte for byte what bson.serialize would give. */
export function serializeReply(reply: Document): Uint8Array {
  const cursor = reply.cursor;
  if (!isPlain(cursor) || !Object.keys(cursor).some((k) => BATCH_KEYS.has(k))) return serialize(reply);
  const parts: Uint8Array[] = [];
  for (const [k, v] of Object.entries(reply)) {
    if (k === 'cursor') parts.push(cursorElement(cursor));
    else parts.push(element(k, v));
  }
  return documentOf(parts);
}
