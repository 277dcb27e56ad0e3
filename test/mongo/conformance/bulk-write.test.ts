/**
 * Collection-level bulkWrite (the driver splits it into insert/update/delete commands) and its result counts.
 */
import { MongoBulkWriteError, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { freshName, type Loose } from './support.js';

describe('bulkWrite', () => {
  const t = useTestDatabase('bulk');
  const fresh = () => t.db.collection<Loose>(freshName('bulk'));

  it('runs mixed operations in order and reports every count', async () => {
    const coll = fresh();
    await coll.insertMany([
      { _id: 1, g: 'a', n: 0 },
      { _id: 2, g: 'a', n: 0 },
      { _id: 3, g: 'b', n: 0 },
      { _id: 4, g: 'c', n: 0 },
    ]);
    const res = await coll.bulkWrite([
      { insertOne: { document: { _id: 10, g: 'new' } } },
      { insertOne: { document: { g: 'generated' } } },
      { updateOne: { filter: { _id: 1 }, update: { $inc: { n: 1 } } } },
      { updateMany: { filter: { g: 'a' }, update: { $set: { touched: true } } } },
      { updateOne: { filter: { _id: 3 }, update: { $set: { n: 0 } } } },
      { replaceOne: { filter: { _id: 4 }, replacement: { g: 'c', replaced: true } } },
      { updateOne: { filter: { _id: 'u' }, update: { $set: { n: 5 } }, upsert: true } },
      { replaceOne: { filter: { _id: 'r' }, replacement: { n: 6 }, upsert: true } },
      { deleteOne: { filter: { _id: 10 } } },
      { deleteMany: { filter: { g: 'generated' } } },
    ]);
    expect(res.insertedCount).toBe(2);
    expect(res.insertedIds[0]).toBe(10);
    expect(res.insertedIds[1]).toBeInstanceOf(ObjectId);
    // updateOne _id 1 (1), updateMany g:a (2), updateOne _id 3 (1, no-op), replaceOne _id 4 (1).
    expect(res.matchedCount).toBe(5);
    expect(res.modifiedCount).toBe(4);
    expect(res.upsertedCount).toBe(2);
    expect(res.upsertedIds).toEqual({ 6: 'u', 7: 'r' });
    expect(res.deletedCount).toBe(2);
    expect(res.isOk()).toBe(true);
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, g: 'a', n: 1, touched: true },
      { _id: 2, g: 'a', n: 0, touched: true },
      { _id: 3, g: 'b', n: 0 },
      { _id: 4, g: 'c', replaced: true },
      { _id: 'r', n: 6 },
      { _id: 'u', n: 5 },
    ]);
  });

  it('ordered bulkWrite stops at the first error and reports what succeeded', async () => {
    const coll = fresh();
    await coll.insertOne({ _id: 1 });
    const error = await coll
      .bulkWrite([
        { insertOne: { document: { _id: 2 } } },
        { insertOne: { document: { _id: 1 } } },
        { insertOne: { document: { _id: 3 } } },
        { deleteOne: { filter: { _id: 2 } } },
      ])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.code).toBe(11000);
    expect(bulk.result.insertedCount).toBe(1);
    expect(bulk.result.deletedCount).toBe(0);
    expect((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2]);
  });

  it('unordered bulkWrite carries on after an error', async () => {
    const coll = fresh();
    await coll.insertOne({ _id: 1 });
    const error = await coll
      .bulkWrite(
        [
          { insertOne: { document: { _id: 1 } } },
          { insertOne: { document: { _id: 2 } } },
          { updateOne: { filter: { _id: 2 }, update: { $set: { ok: true } } } },
        ],
        { ordered: false },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.result.insertedCount).toBe(1);
    const writeErrors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
    expect(writeErrors.map((w) => w.index)).toEqual([0]);
    expect(await coll.findOne({ _id: 2 })).toEqual({ _id: 2, ok: true });
  });

  it('upserts 2,000 documents on a unique key, half of them updates', async () => {
    const coll = fresh();
    await coll.createIndex({ key: 1 }, { unique: true });
    await coll.insertMany(Array.from({ length: 1_000 }, (_, i) => ({ key: `k${i}`, v: 0 })));
    const ops = Array.from({ length: 2_000 }, (_, i) => ({
      updateOne: { filter: { key: `k${i}` }, update: { $set: { v: 1 } }, upsert: true },
    }));
    const res = await coll.bulkWrite(ops, { ordered: false });
    expect(res.matchedCount).toBe(1_000);
    expect(res.modifiedCount).toBe(1_000);
    expect(res.upsertedCount).toBe(1_000);
    expect(await coll.countDocuments({ v: 1 })).toBe(2_000);
  });
});
