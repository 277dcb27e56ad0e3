/**
 * insertOne / insertMany: ids, duplicate keys, ordered vs unordered batches, stored field order, BSON round trips.
 */
import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  MongoBulkWriteError,
  MongoServerError,
  ObjectId,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { expectCode, type Loose } from './support.js';

describe('insert', () => {
  const t = useTestDatabase('ins');

  it('insertOne generates an ObjectId _id when none is given and the stored doc carries it', async () => {
    const coll = t.db.collection<Loose>('gen');
    const res = await coll.insertOne({ a: 1 });
    expect(res.acknowledged).toBe(true);
    expect(res.insertedId).toBeInstanceOf(ObjectId);
    const stored = await coll.findOne({ a: 1 });
    expect(stored?._id).toEqual(res.insertedId);
  });

  it('insertOne keeps a provided _id of any non-array type (number, string, ObjectId, subdocument)', async () => {
    const coll = t.db.collection<Loose>('provided');
    const oid = new ObjectId();
    await coll.insertOne({ _id: 7, k: 'num' });
    await coll.insertOne({ _id: 'abc', k: 'str' });
    await coll.insertOne({ _id: oid, k: 'oid' });
    await coll.insertOne({ _id: { tenant: 't1', n: 2 }, k: 'doc' });
    expect(await coll.findOne({ _id: 7 })).toEqual({ _id: 7, k: 'num' });
    expect(await coll.findOne({ _id: 'abc' })).toEqual({ _id: 'abc', k: 'str' });
    expect(await coll.findOne({ _id: oid })).toEqual({ _id: oid, k: 'oid' });
    expect(await coll.findOne({ _id: { tenant: 't1', n: 2 } })).toEqual({
      _id: { tenant: 't1', n: 2 },
      k: 'doc',
    });
    // Subdocument equality is field-order sensitive.
    expect(await coll.findOne({ _id: { n: 2, tenant: 't1' } })).toBeNull();
  });

  it('a null _id is replaced by a generated ObjectId (the driver does it before sending)', async () => {
    const coll = t.db.collection<Loose>('nullid');
    const res = await coll.insertOne({ _id: null, a: 1 });
    expect(res.insertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ _id: null })).toBeNull();
    expect(await coll.findOne({ a: 1 })).toEqual({ _id: res.insertedId, a: 1 });
  });

  it('rejects an array _id with code 2 BadValue', async () => {
    await expectCode(t.db.collection<Loose>('arrid').insertOne({ _id: [1, 2] as never }), 2);
    expect(await t.db.collection<Loose>('arrid').countDocuments()).toBe(0);
  });

  it('insertMany returns insertedCount and insertedIds keyed by position', async () => {
    const coll = t.db.collection<Loose>('many');
    const res = await coll.insertMany([{ _id: 'a' }, { _id: 'b' }, { x: 1 }]);
    expect(res.insertedCount).toBe(3);
    expect(res.insertedIds[0]).toBe('a');
    expect(res.insertedIds[1]).toBe('b');
    expect(res.insertedIds[2]).toBeInstanceOf(ObjectId);
    expect(await coll.countDocuments()).toBe(3);
  });

  it('rejects a second document with the same _id with code 11000 and the E11000 message, keyPattern and keyValue', async () => {
    const coll = t.db.collection<Loose>('dup');
    await coll.insertOne({ _id: 1, v: 'first' });
    const error = await expectCode(coll.insertOne({ _id: 1, v: 'second' }), 11000);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error.message).toBe(
      `E11000 duplicate key error collection: ${t.name}.dup index: _id_ dup key: { _id: 1 }`,
    );
    expect(error.keyPattern).toEqual({ _id: 1 });
    expect(error.keyValue).toEqual({ _id: 1 });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, v: 'first' });
  });

  it('formats a string _id in the E11000 message with double quotes', async () => {
    const coll = t.db.collection<Loose>('dupstr');
    await coll.insertOne({ _id: 'k1' });
    const error = await expectCode(coll.insertOne({ _id: 'k1' }), 11000);
    expect(error.message).toBe(
      `E11000 duplicate key error collection: ${t.name}.dupstr index: _id_ dup key: { _id: "k1" }`,
    );
  });

  it('treats numerically equal _ids of different BSON types (int32, int64, double) as duplicates', async () => {
    const coll = t.db.collection<Loose>('numid');
    await coll.insertOne({ _id: new Int32(5) as never });
    await expectCode(coll.insertOne({ _id: Long.fromNumber(5) as never }), 11000);
    await expectCode(coll.insertOne({ _id: new Double(5) as never }), 11000);
    expect(await coll.countDocuments()).toBe(1);
  });

  it('ordered insertMany stops at the first duplicate: MongoBulkWriteError with insertedCount and the failing index', async () => {
    const coll = t.db.collection<Loose>('ordered');
    const docs = [{ _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }];
    const error = await coll.insertMany(docs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk).toBeInstanceOf(MongoServerError);
    expect(bulk.code).toBe(11000);
    expect(bulk.insertedCount).toBe(2);
    const writeErrors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
    expect(writeErrors.map((w) => [w.index, w.code])).toEqual([[2, 11000]]);
    expect((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2]);
  });

  it('unordered insertMany inserts every other document and reports each duplicate', async () => {
    const coll = t.db.collection<Loose>('unordered');
    const docs = [{ _id: 1 }, { _id: 2 }, { _id: 1 }, { _id: 3 }, { _id: 2 }];
    const error = await coll.insertMany(docs, { ordered: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.insertedCount).toBe(3);
    const writeErrors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
    expect(writeErrors.map((w) => [w.index, w.code])).toEqual([
      [2, 11000],
      [4, 11000],
    ]);
    expect((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2, 3]);
  });

  it('stores _id as the first field, whatever position it had in the inserted document', async () => {
    const coll = t.db.collection<Loose>('order');
    await coll.insertOne({ b: 1, _id: 'x', a: 2 });
    await coll.insertOne({ z: 1, y: 2 });
    const x = await coll.findOne({ _id: 'x' });
    expect(Object.keys(x ?? {})).toEqual(['_id', 'b', 'a']);
    const generated = await coll.findOne({ z: 1 });
    expect(Object.keys(generated ?? {})).toEqual(['_id', 'z', 'y']);
  });

  it('keeps the field order of nested documents', async () => {
    const coll = t.db.collection<Loose>('nestedorder');
    await coll.insertOne({ _id: 1, sub: { c: 1, a: 2, b: 3 } });
    const doc = await coll.findOne({ _id: 1 });
    expect(Object.keys(doc?.sub ?? {})).toEqual(['c', 'a', 'b']);
  });

  it('round-trips the common BSON types', async () => {
    const coll = t.db.collection<Loose>('types');
    const oid = new ObjectId();
    const when = new Date('2024-05-06T07:08:09.123Z');
    const bin = new Binary(Buffer.from([1, 2, 3, 250]));
    const dec = Decimal128.fromString('12.3400');
    await coll.insertOne({
      _id: 1,
      str: 'héllo',
      int: 42,
      dbl: 1.5,
      long: Long.fromNumber(9_007_199_254_740_000),
      dec,
      bool: false,
      nil: null,
      date: when,
      oid,
      bin,
      arr: [1, 'two', { three: 3 }, [4]],
      obj: { nested: { deep: true } },
      regex: /ab+c/i,
    });
    const doc = await coll.findOne({ _id: 1 });
    expect(doc).toEqual({
      _id: 1,
      str: 'héllo',
      int: 42,
      dbl: 1.5,
      long: 9_007_199_254_740_000,
      dec,
      bool: false,
      nil: null,
      date: when,
      oid,
      bin: expect.any(Binary),
      arr: [1, 'two', { three: 3 }, [4]],
      obj: { nested: { deep: true } },
      regex: expect.anything(),
    });
    expect(Buffer.from((doc!.bin as Binary).buffer)).toEqual(Buffer.from([1, 2, 3, 250]));
    expect((doc!.dec as Decimal128).toString()).toBe('12.3400');
    expect(String(doc?.regex)).toBe('/ab+c/i');
  });

  it('creates the collection implicitly on first insert', async () => {
    await t.db.collection<Loose>('implicit').insertOne({ a: 1 });
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toContain('implicit');
  });
});
