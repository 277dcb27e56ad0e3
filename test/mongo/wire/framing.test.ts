import { deserialize, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../local/mongo/wire/crc32c.js';
import {
  encodeOpMsg,
  encodeOpReply,
  MessageReader,
  OP_MSG,
  OP_REPLY,
  ProtocolError,
  parseMessage,
} from '../../../local/mongo/wire/framing.js';
import { opMsg, opQuery } from './raw-client.js';

function withSequence(body: object, id: string, docs: object[], flags = 0): Buffer {
  const bodyBson = serialize(body);
  const seqDocs = Buffer.concat(docs.map((d) => serialize(d)));
  const idBytes = Buffer.from(`${id}\0`);
  const seqSize = 4 + idBytes.length + seqDocs.length;
  const checksum = flags & 1 ? 4 : 0;
  const out = Buffer.alloc(16 + 4 + 1 + bodyBson.length + 1 + seqSize + checksum);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(7, 4);
  out.writeInt32LE(2013, 12);
  out.writeUInt32LE(flags, 16);
  let p = 20;
  out[p++] = 0;
  out.set(bodyBson, p);
  p += bodyBson.length;
  out[p++] = 1;
  out.writeInt32LE(seqSize, p);
  idBytes.copy(out, p + 4);
  seqDocs.copy(out, p + 4 + idBytes.length);
  if (checksum) out.writeUInt32LE(crc32c(out.subarray(0, out.length - 4)), out.length - 4);
  return out;
}

describe('wire framing', () => {
  it('crc32c matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('reassembles messages split across arbitrary chunks without losing bytes', () => {
    const a = opMsg({ ping: 1, $db: 'admin' }, { requestId: 1 });
    const b = opMsg({ hello: 1, $db: 'admin' }, { requestId: 2 });
    const all = Buffer.concat([a, b]);
    const reader = new MessageReader();
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i += 3) {
      reader.push(all.subarray(i, i + 3));
      for (;;) {
        const len = reader.peekLength();
        if (len === undefined || reader.bufferedBytes < len) break;
        out.push(reader.take(len));
      }
    }
    expect(out.map((m) => m.equals(a) || m.equals(b))).toEqual([true, true]);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('merges kind-1 document sequences into the body', () => {
    const parsed = parseMessage(withSequence({ insert: 'c', $db: 'd' }, 'documents', [{ a: 1 }, { a: 2 }]));
    expect(parsed.kind).toBe('msg');
    expect(parsed.body).toEqual({ insert: 'c', $db: 'd', documents: [{ a: 1 }, { a: 2 }] });
  });

  it('verifies the checksum when the checksumPresent flag is set', () => {
    const good = withSequence({ insert: 'c', $db: 'd' }, 'documents', [{ a: 1 }], 1);
    expect(parseMessage(good).body.documents).toHaveLength(1);
    const bad = Buffer.from(good);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    expect(() => parseMessage(bad)).toThrow(ProtocolError);
  });

  it('reports moreToCome (flag bit 1)', () => {
    const parsed = parseMessage(opMsg({ endSessions: [], $db: 'admin' }, { flags: 2 }));
    expect(parsed.kind === 'msg' && parsed.moreToCome).toBe(true);
  });

  it('unwraps OP_QUERY handshakes, including the $query form', () => {
    const plain = parseMessage(opQuery('admin.$cmd', { ismaster: 1 }));
    expect(plain.kind === 'query' && plain.collection).toBe('admin.$cmd');
    expect(plain.body).toEqual({ ismaster: 1 });
    const wrapped = parseMessage(opQuery('admin.$cmd', { $query: { ismaster: 1 }, $readPreference: {} }));
    expect(wrapped.body).toEqual({ ismaster: 1 });
  });

  it('rejects bad section kinds, bad BSON, unknown opcodes and OP_COMPRESSED', () => {
    const badKind = opMsg({ ping: 1 });
    badKind[20] = 9;
    expect(() => parseMessage(badKind)).toThrow(/section kind/);
    const badBson = opMsg({ ping: 1 });
    badBson.writeInt32LE(1000, 21);
    expect(() => parseMessage(badBson)).toThrow(ProtocolError);
    expect(() => parseMessage(opMsg({ ping: 1 }, { opCode: 2222 }))).toThrow(/opCode 2222/);
    expect(() => parseMessage(opMsg({ ping: 1 }, { opCode: 2012 }))).toThrow(/OP_COMPRESSED/);
  });

  it('encodes OP_MSG and OP_REPLY replies that point at the request', () => {
    const msg = encodeOpMsg({ ok: 1 }, 42);
    expect(msg.readInt32LE(0)).toBe(msg.length);
    expect(msg.readInt32LE(8)).toBe(42);
    expect(msg.readInt32LE(12)).toBe(OP_MSG);
    expect(deserialize(msg.subarray(21))).toEqual({ ok: 1 });
    const reply = encodeOpReply({ ok: 1 }, 43);
    expect(reply.readInt32LE(12)).toBe(OP_REPLY);
    expect(reply.readInt32LE(8)).toBe(43);
    expect(reply.readInt32LE(32)).toBe(1);
    expect(deserialize(reply.subarray(36))).toEqual({ ok: 1 });
  });
});
