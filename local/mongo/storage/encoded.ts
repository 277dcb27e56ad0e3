/**
 * Encoded BSON kept beside the documents it encodes. A stored document is never changed in place
 * (updates build a new document and replace it: types.ts), so its encoding, made the first time it is
 * sent, serves every later reply that carries it: a read then costs a copy of bytes, not a walk of
 * the object. Kept in a WeakMap, so an encoding lives exactly as long as its document.
 */
import { type Document, serialize } from 'bson';

const encodings = new WeakMap<Document, Uint8Array>();

/** `doc` as BSON, encoded once. The caller must treat `doc` as immutable from now on. */
export function encodedBson(doc: Document): Uint8Array {
  let bytes = encodings.get(doc);
  if (bytes === undefined) {
    bytes = serialize(doc);
    encodings.set(doc, bytes);
  }
  return bytes;
}

/** Records bytes already known to encode `doc` exactly (e.g. the insert's own wire bytes). */
export function rememberEncoding(doc: Document, bytes: Uint8Array): void {
  encodings.set(doc, bytes);
}

/** The encoded size if known, without encoding. */
export function knownEncodedSize(doc: Document): number | undefined {
  return encodings.get(doc)?.length;
}
