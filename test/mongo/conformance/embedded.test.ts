/**
 * Behaviour specific to the embedded server (skipped against a real MongoDB), plus the unknown-command answer,
 * which mongod gives too.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { startMongoServer } from '../../../local/mongo/server.js';
import { useTestDatabase } from '../../helpers/mongo.js';
import type { Loose } from './support.js';

describe('embedded server specifics', () => {
  const t = useTestDatabase('emb');

  it('answers an unknown command with code 59 CommandNotFound (as mongod does)', async () => {
    const error = await t.db.command({ nimboNoSuchCommand: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(59);
    expect((error as MongoServerError).codeName).toBe('CommandNotFound');
  });

  it.skipIf(!t.embedded)(
    'refuses a transaction started with startTransaction with code 115 and a "not supported by the embedded server" message',
    async () => {
      const session = t.client.startSession();
      try {
        session.startTransaction();
        const error = await t.db
          .collection<Loose>('txn')
          .insertOne({ a: 1 }, { session })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(MongoServerError);
        expect((error as MongoServerError).code).toBe(115);
        expect((error as MongoServerError).message).toMatch(/not supported by the embedded server/);
        await session.abortTransaction().catch(() => {});
      } finally {
        await session.endSession();
      }
      expect(await t.db.collection<Loose>('txn').countDocuments()).toBe(0);
    },
  );

  it.skipIf(!t.embedded)('refuses session.withTransaction with code 115 and writes nothing', async () => {
    const session = t.client.startSession();
    try {
      const error = await session
        .withTransaction(async () => {
          await t.db.collection<Loose>('txn2').insertOne({ a: 1 }, { session });
          await t.db.collection<Loose>('txn2').insertOne({ a: 2 }, { session });
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(MongoServerError);
      expect((error as MongoServerError).code).toBe(115);
      expect((error as MongoServerError).message).toMatch(/not supported by the embedded server/);
    } finally {
      await session.endSession();
    }
    expect(await t.db.collection<Loose>('txn2').countDocuments()).toBe(0);
  });

  it.skipIf(!t.embedded)('keeps serving plain operations after a refused transaction', async () => {
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await t.db
        .collection<Loose>('txn3')
        .insertOne({ a: 1 }, { session })
        .catch(() => {});
      await session.abortTransaction().catch(() => {});
    } finally {
      await session.endSession();
    }
    await t.db.collection<Loose>('txn3').insertOne({ a: 2 });
    expect(await t.db.collection<Loose>('txn3').countDocuments()).toBe(1);
  });

  describe.skipIf(!t.embedded)(
    'refuses what it does not implement loudly: code 115 and a clear message',
    () => {
      const refused: Array<[string, () => Promise<unknown>]> = [
        [
          '$out',
          () =>
            t.db
              .collection<Loose>('src')
              .aggregate([{ $match: {} }, { $out: 'dst' }])
              .toArray(),
        ],
        [
          '$merge',
          () =>
            t.db
              .collection<Loose>('src')
              .aggregate([{ $merge: { into: 'dst' } }])
              .toArray(),
        ],
        [
          'collation on find',
          () =>
            t.db
              .collection<Loose>('src')
              .find({}, { collation: { locale: 'fr' } })
              .toArray(),
        ],
        [
          '$text queries',
          () =>
            t.db
              .collection<Loose>('src')
              .find({ $text: { $search: 'x' } })
              .toArray(),
        ],
        ['$where', () => t.db.collection<Loose>('src').find({ $where: 'true' }).toArray()],
        ['text indexes', () => t.db.collection<Loose>('src').createIndex({ body: 'text' })],
        [
          'collection validators',
          () => t.db.createCollection('validated', { validator: { a: { $exists: true } } }),
        ],
      ];
      it.each(refused)('%s', async (_label, run) => {
        await t.db.collection<Loose>('src').updateOne({ _id: 1 }, { $set: { body: 'x' } }, { upsert: true });
        const error = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(MongoServerError);
        expect((error as MongoServerError).code).toBe(115);
        expect((error as MongoServerError).message).toMatch(/not supported by the embedded server/);
      });
    },
  );

  it.skipIf(!t.embedded)(
    'the TTL sweeper removes expired documents (and only those) when started with a short ttlSweepMs',
    async () => {
      const server = await startMongoServer({ host: '127.0.0.1', port: 0, ttlSweepMs: 200 });
      const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 });
      try {
        await client.connect();
        const coll = client.db('ttl').collection<Loose>('sessions');
        await coll.createIndex({ createdAt: 1 }, { expireAfterSeconds: 5 });
        const now = Date.now();
        await coll.insertMany([
          { _id: 'expired', createdAt: new Date(now - 60_000) },
          { _id: 'expired-array', createdAt: [new Date(now - 60_000), new Date(now + 3_600_000)] },
          { _id: 'fresh', createdAt: new Date(now) },
          { _id: 'no-date', createdAt: 'yesterday' },
          { _id: 'missing' },
        ]);
        const deadline = Date.now() + 5_000;
        let remaining: unknown[] = [];
        while (Date.now() < deadline) {
          remaining = (await coll.find().sort({ _id: 1 }).toArray()).map((d) => d._id);
          if (!remaining.includes('expired') && !remaining.includes('expired-array')) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(remaining).toEqual(['fresh', 'missing', 'no-date']);
      } finally {
        await client.close();
        await server.close();
      }
    },
  );

  it.skipIf(!t.embedded)('an in-memory server listens on 127.0.0.1 and gives a mongodb:// URI', async () => {
    const server = await startMongoServer({ port: 0 });
    try {
      expect(server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+/);
      const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 });
      try {
        await expect(client.db('admin').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
      } finally {
        await client.close();
      }
    } finally {
      await server.close();
    }
  });
});
