/** Abuse the server through raw sockets; after each abuse a normal driver client must still work. */
import { Long } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMongoServer, startMongoServer } from '../../../local/mongo/server.js';
import { opMsg, opQuery, RawConnection } from './raw-client.js';

let server: RunningMongoServer;
let client: MongoClient;
let round = 0;

beforeAll(async () => {
  server = await startMongoServer({ host: '127.0.0.1', port: 0 });
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await server?.close();
});

async function driverStillWorks(): Promise<void> {
  const coll = client.db('wire_robust').collection<{ _id: number; round: number }>('c');
  round++;
  await coll.insertOne({ _id: round, round });
  expect(await coll.findOne({ _id: round })).toEqual({ _id: round, round });
}

async function withRaw<T>(fn: (raw: RawConnection) => Promise<T>): Promise<T> {
  const raw = await RawConnection.open(server.port);
  try {
    return await fn(raw);
  } finally {
    raw.close();
  }
}

describe('wire robustness', () => {
  it('binds to loopback and gives a mongodb:// uri', () => {
    expect(server.uri).toBe(`mongodb://127.0.0.1:${server.port}`);
  });

  it('answers OP_MSG hello on a raw socket with the handshake fields', async () => {
    const reply = await withRaw(async (raw) => {
      raw.send(opMsg({ hello: 1, $db: 'admin' }, { requestId: 77 }));
      return raw.next();
    });
    expect(reply?.opCode).toBe(2013);
    expect(reply?.responseTo).toBe(77);
    const doc = reply?.doc ?? {};
    expect(doc).toMatchObject({
      helloOk: true,
      isWritablePrimary: true,
      maxBsonObjectSize: 16777216,
      maxMessageSizeBytes: 48000000,
      maxWriteBatchSize: 100000,
      logicalSessionTimeoutMinutes: 30,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
      ok: 1,
    });
    expect(doc.localTime).toBeInstanceOf(Date);
    expect(typeof doc.connectionId).toBe('number');
    for (const absent of ['topologyVersion', 'setName', 'compression', 'hosts', 'ismaster'])
      expect(doc).not.toHaveProperty(absent);
  });

  it('answers the legacy OP_QUERY ismaster with OP_REPLY', async () => {
    const reply = await withRaw(async (raw) => {
      raw.send(opQuery('admin.$cmd', { ismaster: 1, helloOk: true }, 5));
      return raw.next();
    });
    expect(reply?.opCode).toBe(1);
    expect(reply?.responseTo).toBe(5);
    expect(reply?.doc).toMatchObject({ ismaster: true, helloOk: true, maxWireVersion: 21, ok: 1 });
  });

  it('closes a connection whose length field is 5, and keeps serving others', async () => {
    const closed = await withRaw(async (raw) => {
      const bytes = Buffer.alloc(16);
      bytes.writeInt32LE(5, 0);
      raw.send(bytes);
      return raw.waitClosed();
    });
    expect(closed).toBe(true);
    await driverStillWorks();
  });

  it('rejects a 100 MB length field with an error reply and closes', async () => {
    const { reply, closed } = await withRaw(async (raw) => {
      const header = Buffer.alloc(16);
      header.writeInt32LE(100 * 1024 * 1024, 0);
      header.writeInt32LE(9, 4);
      header.writeInt32LE(2013, 12);
      raw.send(header);
      return { reply: await raw.next(), closed: await raw.waitClosed() };
    });
    expect(reply?.doc.ok).toBe(0);
    expect(reply?.responseTo).toBe(9);
    expect(closed).toBe(true);
    await driverStillWorks();
  });

  it('answers garbage BSON with an error and keeps the connection usable', async () => {
    const replies = await withRaw(async (raw) => {
      const bad = opMsg({ ping: 1, $db: 'admin' }, { requestId: 3 });
      bad.writeInt32LE(0x7fff, 21); // BSON length beyond the message
      bad.fill(0xee, 26);
      raw.send(bad);
      const first = await raw.next();
      raw.send(opMsg({ ping: 1, $db: 'admin' }, { requestId: 4 }));
      return [first, await raw.next()];
    });
    expect(replies[0]?.doc).toMatchObject({ ok: 0 });
    expect(replies[1]?.doc).toMatchObject({ ok: 1 });
    await driverStillWorks();
  });

  it('answers an unknown opcode with an error', async () => {
    const reply = await withRaw(async (raw) => {
      raw.send(opMsg({ ping: 1, $db: 'admin' }, { opCode: 9999, requestId: 11 }));
      return raw.next();
    });
    expect(reply?.doc).toMatchObject({ ok: 0 });
    expect(reply?.responseTo).toBe(11);
    await driverStillWorks();
  });

  it('survives a truncated message followed by close', async () => {
    await withRaw(async (raw) => {
      const msg = opMsg({ insert: 'c', documents: [{ a: 1 }], $db: 'wire_robust' });
      raw.send(msg.subarray(0, msg.length - 7));
      await new Promise((r) => setTimeout(r, 20));
    });
    await driverStillWorks();
  });

  it('sends no reply for moreToCome, but still applies the write', async () => {
    const reply = await withRaw(async (raw) => {
      raw.send(
        opMsg(
          { insert: 'silent', documents: [{ _id: 1 }], writeConcern: { w: 0 }, $db: 'wire_robust' },
          { flags: 2, requestId: 21 },
        ),
      );
      raw.send(opMsg({ ping: 1, $db: 'admin' }, { requestId: 22 }));
      return raw.next();
    });
    expect(reply?.responseTo).toBe(22); // the first reply is the ping's
    expect(await client.db('wire_robust').collection('silent').countDocuments()).toBe(1);
  });

  it('answers unknown commands with 59 CommandNotFound and transactions with 115', async () => {
    const [unknown, txn, bulk] = await withRaw(async (raw) => {
      raw.send(opMsg({ frobnicate: 1, $db: 'admin' }, { requestId: 1 }));
      const a = await raw.next();
      raw.send(
        opMsg(
          {
            insert: 'c',
            documents: [{ x: 1 }],
            txnNumber: Long.fromNumber(1),
            startTransaction: true,
            autocommit: false,
            $db: 'wire_robust',
          },
          { requestId: 2 },
        ),
      );
      const b = await raw.next();
      raw.send(opMsg({ bulkWrite: 1, ops: [], nsInfo: [], $db: 'admin' }, { requestId: 3 }));
      return [a, b, await raw.next()];
    });
    expect(unknown?.doc).toMatchObject({
      ok: 0,
      code: 59,
      codeName: 'CommandNotFound',
      errmsg: "no such command: 'frobnicate'",
    });
    expect(txn?.doc).toMatchObject({ ok: 0, code: 115, codeName: 'CommandNotSupported' });
    expect(bulk?.doc).toMatchObject({ ok: 0, code: 115 });
  });

  it('reports unknown commands and transactions through the driver with the same codes', async () => {
    await expect(client.db('admin').command({ frobnicate: 1 })).rejects.toMatchObject({ code: 59 });
    const session = client.startSession();
    try {
      session.startTransaction();
      await expect(
        client.db('wire_robust').collection('t').insertOne({ a: 1 }, { session }),
      ).rejects.toMatchObject({ code: 115 });
    } finally {
      await session.abortTransaction().catch(() => {});
      await session.endSession();
    }
  });

  it('caps reply batches near 16 MiB and still returns every document', async () => {
    const coll = client.db('wire_robust').collection<{ _id: number; pad: string }>('big');
    const pad = 'x'.repeat(1024 * 1024);
    await coll.insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, pad })));
    const docs = await coll.find({}, { batchSize: 1000 }).toArray();
    expect(docs).toHaveLength(40);
  });
});
