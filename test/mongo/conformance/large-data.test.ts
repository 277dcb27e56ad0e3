/**
 * Large documents and large results: the 16 MB document limit and batches capped at 16 MB across getMore.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { type Loose, serverError } from './support.js';

const MB = 1024 * 1024;

describe('large data', () => {
  const t = useTestDatabase('big');

  it('round-trips a 15 MB document', { timeout: 60_000 }, async () => {
    const coll = t.db.collection<Loose>('one_big');
    const payload = 'abcdefghij'.repeat((15 * MB) / 10);
    await coll.insertOne({ _id: 'big', payload, tail: 'end' });
    const doc = await coll.findOne({ _id: 'big' });
    expect(doc?.payload.length).toBe(payload.length);
    expect(doc?.payload === payload).toBe(true);
    expect(doc?.tail).toBe('end');
  });

  it('returns 30 documents of 1 MB each, in full, over several batches', { timeout: 60_000 }, async () => {
    const coll = t.db.collection<Loose>('thirty');
    const docs = Array.from({ length: 30 }, (_, i) => ({ _id: i, blob: String(i % 10).repeat(MB) }));
    await coll.insertMany(docs);
    const back = await coll.find().sort({ _id: 1 }).toArray();
    expect(back.map((d) => d._id)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const d of back) expect(d.blob).toBe(String(Number(d._id) % 10).repeat(MB));
    // The same through aggregate.
    const agg = await coll.aggregate([{ $match: {} }]).toArray();
    expect(agg).toHaveLength(30);
  });

  it('accepts an insertMany larger than one 48 MB message (the driver splits it) and reads it all back', {
    timeout: 120_000,
  }, async () => {
    const coll = t.db.collection<Loose>('sixty');
    const res = await coll.insertMany(
      Array.from({ length: 60 }, (_, i) => ({ _id: i, blob: 'z'.repeat(MB) })),
    );
    expect(res.insertedCount).toBe(60);
    let count = 0;
    let bytes = 0;
    for await (const d of coll.find()) {
      count++;
      bytes += (d.blob as string).length;
    }
    expect(count).toBe(60);
    expect(bytes).toBe(60 * MB);
    await coll.drop();
  });

  it('rejects a document over 16 MB', { timeout: 60_000 }, async () => {
    const coll = t.db.collection<Loose>('too_big');
    await expect(coll.insertOne({ _id: 'huge', payload: 'x'.repeat(16 * MB + 1) })).rejects.toThrow();
    expect(await coll.countDocuments({ _id: 'huge' })).toBe(0);
  });

  it('rejects an update that would grow a document past 16 MB (code 17419 on 7.0)', {
    timeout: 60_000,
  }, async () => {
    const coll = t.db.collection<Loose>('grow');
    await coll.insertOne({ _id: 1, a: 'a'.repeat(9 * MB) });
    const error = await serverError(coll.updateOne({ _id: 1 }, { $set: { b: 'b'.repeat(9 * MB) } }));
    // mongod 7.0 raises 17419; newer servers raise 10334 BSONObjectTooLarge with the same message.
    expect([17419, 10334]).toContain(error.code);
    expect(error.message).toMatch(/Resulting document after update is larger than 16777216/);
    const doc = await coll.findOne({ _id: 1 }, { projection: { b: 1 } });
    expect(doc).toEqual({ _id: 1 });
  });
});
