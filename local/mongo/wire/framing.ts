/**
 * MongoDB wire framing: turns a byte stream into messages and builds reply messages.
 * Only what driver 7.x speaks to a standalone server: OP_MSG, and OP_QUERY/OP_REPLY for the legacy handshake.
 */
import { type Document, deserialize } from 'bson';
import { crc32c } from './crc32c.js';
import { serializeReply } from './reply-bson.js';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const HEADER_SIZE = 16;
export const MAX_MESSAGE_SIZE = 48_000_000;
export const MAX_BSON_SIZE = 16 * 1024 * 1024;

const FLAG_CHECKSUM_PRESENT = 1 << 0;
const FLAG_MORE_TO_COME = 1 << 1;
const FLAG_EXHAUST_ALLOWED = 1 << 16;
const KNOWN_FLAGS = FLAG_CHECKSUM_PRESENT | FLAG_MORE_TO_COME | FLAG_EXHAUST_ALLOWED;

export interface MessageHeader {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** A request that was framed correctly but whose body is unusable; the server answers it with an error. */
export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly code = 2,
  ) {
    super(message);
  }
}

export type ParsedRequest =
  | { kind: 'msg'; header: MessageHeader; body: Document; moreToCome: boolean }
  | { kind: 'query'; header: MessageHeader; collection: string; body: Document };

export function readHeader(buf: Buffer): MessageHeader {
  return {
    length: buf.readInt32LE(0),
    requestId: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  };
}

/**
 * Accumulates socket chunks and yields whole messages. Chunks are kept in a list and copied once,
 * when a message is complete, so a 48 MB message costs O(n) instead of O(n^2) re-concatenation.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The declared length of the next message, or undefined while fewer than 4 bytes are buffered. */
  peekLength(): number | undefined {
    if (this.buffered < 4) return undefined;
    return this.peek(4).readInt32LE(0);
  }

  peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, Math.max(n, 0)).subarray(0, n);
  }

  /** Removes and returns the first n bytes (n must be <= bufferedBytes). */
  take(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const chunk = this.chunks[0] as Buffer;
      const need = n - written;
      if (chunk.length <= need) {
        chunk.copy(out, written);
        written += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, written, 0, need);
        this.chunks[0] = chunk.subarray(need);
        written += need;
      }
    }
    this.buffered -= n;
    return out;
  }
}

function readDocument(buf: Buffer, offset: number, end: number): { doc: Document; next: number } {
  if (offset + 5 > end) throw new ProtocolError('BSON document truncated');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError(`invalid BSON document size ${size}`);
  try {
    return { doc: deserialize(buf.subarray(offset, offset + size)), next: offset + size };
  } catch (err) {
    throw new ProtocolError(`invalid BSON: ${(err as Error).message}`);
  }
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated string in message');
  return { value: buf.toString('utf8', offset, zero), next: zero + 1 };
}

/** Parses one complete message (header included). Throws ProtocolError for bad contents. */
export function parseMessage(msg: Buffer): ParsedRequest {
  const header = readHeader(msg);
  switch (header.opCode) {
    case OP_MSG:
      return parseOpMsg(msg, header);
    case OP_QUERY:
      return parseOpQuery(msg, header);
    case OP_COMPRESSED:
      throw new ProtocolError('OP_COMPRESSED is not supported: the server advertises no compressors');
    default:
      throw new ProtocolError(`unsupported opCode ${header.opCode}`);
  }
}

function parseOpMsg(msg: Buffer, header: MessageHeader): ParsedRequest {
  if (msg.length < HEADER_SIZE + 5) throw new ProtocolError('OP_MSG too short');
  const flags = msg.readUInt32LE(HEADER_SIZE);
  if ((flags & 0xffff & ~KNOWN_FLAGS) !== 0)
    throw new ProtocolError(`unknown required OP_MSG flag bits ${flags}`);
  let end = msg.length;
  if (flags & FLAG_CHECKSUM_PRESENT) {
    end -= 4;
    if (end < HEADER_SIZE + 4) throw new ProtocolError('OP_MSG too short for its checksum');
    if (crc32c(msg.subarray(0, end)) !== msg.readUInt32LE(end))
      throw new ProtocolError('OP_MSG checksum mismatch');
  }
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  let offset = HEADER_SIZE + 4;
  while (offset < end) {
    const kind = msg[offset++];
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG has more than one body section');
      const r = readDocument(msg, offset, end);
      body = r.doc;
      offset = r.next;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError('OP_MSG document sequence truncated');
      const size = msg.readInt32LE(offset);
      const seqEnd = offset + size;
      if (size < 5 || seqEnd > end) throw new ProtocolError('invalid OP_MSG document sequence size');
      const id = readCString(msg, offset + 4, seqEnd);
      const docs: Document[] = [];
      let p = id.next;
      while (p < seqEnd) {
        const r = readDocument(msg, p, seqEnd);
        docs.push(r.doc);
        p = r.next;
      }
      sequences.push([id.value, docs]);
      offset = seqEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG has no body section');
  for (const [name, docs] of sequences) {
    if (name in body)
      throw new ProtocolError(`duplicate field '${name}' in OP_MSG body and document sequence`);
    body[name] = docs;
  }
  return { kind: 'msg', header, body, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0 };
}

function parseOpQuery(msg: Buffer, header: MessageHeader): ParsedRequest {
  const end = msg.length;
  let offset = HEADER_SIZE + 4; // flags
  const ns = readCString(msg, offset, end);
  offset = ns.next + 8; // numberToSkip, numberToReturn
  const { doc } = readDocument(msg, offset, end);
  // Drivers wrap the command as {$query: {...}, $readPreference} when they add read preferences.
  const body = doc.$query && typeof doc.$query === 'object' ? (doc.$query as Document) : doc;
  return { kind: 'query', header, collection: ns.value, body };
}

let nextRequestId = 1;
function writeHeader(buf: Buffer, responseTo: number, opCode: number): void {
  buf.writeInt32LE(buf.length, 0);
  buf.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  buf.writeInt32LE(responseTo, 8);
  buf.writeInt32LE(opCode, 12);
}

export function encodeOpMsg(doc: Document, responseTo: number): Buffer {
  const bson = serializeReply(doc);
  const out = Buffer.allocUnsafe(HEADER_SIZE + 4 + 1 + bson.length);
  writeHeader(out, responseTo, OP_MSG);
  out.writeUInt32LE(0, HEADER_SIZE);
  out[HEADER_SIZE + 4] = 0;
  out.set(bson, HEADER_SIZE + 5);
  return out;
}

export function encodeOpReply(doc: Document, responseTo: number): Buffer {
  const bson = serializeReply(doc);
  const out = Buffer.allocUnsafe(HEADER_SIZE + 20 + bson.length);
  writeHeader(out, responseTo, OP_REPLY);
  out.writeInt32LE(8, HEADER_SIZE); // AwaitCapable, as mongod sets it
  out.writeBigInt64LE(0n, HEADER_SIZE + 4);
  out.writeInt32LE(0, HEADER_SIZE + 12);
  out.writeInt32LE(1, HEADER_SIZE + 16);
  out.set(bson, HEADER_SIZE + 20);
  return out;
}
