/**
 * findOneAndUpdate / findOneAndReplace / findOneAndDelete (the findAndModify command).
 */
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { expectCode, freshName, type Loose } from './support.js';

describe('findAndModify', () => {
  const t = useTestDatabase('fam');

  async function seeded() {
    const coll = t.db.collection<Loose>(freshName('fam'));
    await coll.insertMany([
      { _id: 1, g: 'a', n: 1 },
      { _id: 2, g: 'a', n: 3 },
      { _id: 3, g: 'a', n: 2 },
      { _id: 4, g: 'b', n: 9 },
    ]);
    return coll;
  }

  describe('findOneAndUpdate', () => {
    it('returns the document as it was before the update by default', async () => {
      const coll = await seeded();
      const before = await coll.findOneAndUpdate({ _id: 1 }, { $inc: { n: 10 } });
      expect(before).toEqual({ _id: 1, g: 'a', n: 1 });
      expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, g: 'a', n: 11 });
    });

    it('returns the updated document with returnDocument "after"', async () => {
      const coll = await seeded();
      const after = await coll.findOneAndUpdate(
        { _id: 1 },
        { $set: { x: true } },
        { returnDocument: 'after' },
      );
      expect(after).toEqual({ _id: 1, g: 'a', n: 1, x: true });
    });

    it('returns null and changes nothing when no document matches', async () => {
      const coll = await seeded();
      expect(await coll.findOneAndUpdate({ g: 'zzz' }, { $set: { x: 1 } })).toBeNull();
      expect(await coll.countDocuments({ x: 1 })).toBe(0);
    });

    it('updates the first document in sort order', async () => {
      const coll = await seeded();
      const doc = await coll.findOneAndUpdate(
        { g: 'a' },
        { $set: { picked: true } },
        { sort: { n: -1 }, returnDocument: 'after' },
      );
      expect(doc?._id).toBe(2);
      expect(await coll.countDocuments({ picked: true })).toBe(1);
      const asc = await coll.findOneAndUpdate({ g: 'a' }, { $set: { low: true } }, { sort: { n: 1 } });
      expect(asc?._id).toBe(1);
    });

    it('applies a projection to the returned document', async () => {
      const coll = await seeded();
      const doc = await coll.findOneAndUpdate(
        { _id: 4 },
        { $inc: { n: 1 } },
        { projection: { _id: 0, n: 1 }, returnDocument: 'after' },
      );
      expect(doc).toEqual({ n: 10 });
    });

    it('upserts and returns the new document with returnDocument "after"', async () => {
      const coll = await seeded();
      const doc = await coll.findOneAndUpdate(
        { g: 'new' },
        { $set: { n: 0 }, $setOnInsert: { created: true } },
        { upsert: true, returnDocument: 'after' },
      );
      expect(doc).toEqual({ _id: expect.any(ObjectId), g: 'new', n: 0, created: true });
      expect(await coll.countDocuments({ g: 'new' })).toBe(1);
    });

    it('upserts and returns null with returnDocument "before"', async () => {
      const coll = await seeded();
      const doc = await coll.findOneAndUpdate({ _id: 'fresh' }, { $set: { n: 0 } }, { upsert: true });
      expect(doc).toBeNull();
      expect(await coll.findOne({ _id: 'fresh' })).toEqual({ _id: 'fresh', n: 0 });
    });

    it('with includeResultMetadata returns value, ok and lastErrorObject for an update', async () => {
      const coll = await seeded();
      const res = await coll.findOneAndUpdate(
        { _id: 1 },
        { $set: { x: 1 } },
        { includeResultMetadata: true, returnDocument: 'after' },
      );
      expect(res.ok).toBe(1);
      expect(res.value).toEqual({ _id: 1, g: 'a', n: 1, x: 1 });
      expect(res.lastErrorObject).toEqual({ n: 1, updatedExisting: true });
    });

    it('with includeResultMetadata reports upserted and updatedExisting false for an upsert', async () => {
      const coll = await seeded();
      const res = await coll.findOneAndUpdate(
        { _id: 'u1' },
        { $set: { x: 1 } },
        { includeResultMetadata: true, upsert: true, returnDocument: 'after' },
      );
      expect(res.value).toEqual({ _id: 'u1', x: 1 });
      expect(res.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 'u1' });
    });

    it('with includeResultMetadata reports n 0 when nothing matches', async () => {
      const coll = await seeded();
      const res = await coll.findOneAndUpdate(
        { _id: 'none' },
        { $set: { x: 1 } },
        { includeResultMetadata: true },
      );
      expect(res.value).toBeNull();
      expect(res.lastErrorObject).toEqual({ n: 0, updatedExisting: false });
    });

    it('fails with code 11000 when the update would duplicate a unique key', async () => {
      const coll = await seeded();
      await coll.createIndex({ n: 1 }, { unique: true });
      await expectCode(coll.findOneAndUpdate({ _id: 1 }, { $set: { n: 9 } }), 11000);
    });

    it('fails with code 14 on $inc of a string', async () => {
      const coll = await seeded();
      await coll.insertOne({ _id: 's', n: 'str' });
      await expectCode(coll.findOneAndUpdate({ _id: 's' }, { $inc: { n: 1 } }), 14);
    });
  });

  it('projections on findOneAndUpdate/Delete never alter the stored documents', async () => {
    const coll = t.db.collection<Loose>(freshName('fam_proj'));
    await coll.insertMany([
      { _id: 1, sub: { a: 1, b: 2 }, list: [{ x: 1, y: 2 }] },
      { _id: 2, sub: { a: 1, b: 2 }, list: [{ x: 1, y: 2 }] },
    ]);
    await coll.findOneAndUpdate({ _id: 1 }, { $set: { n: 1 } }, { projection: { 'sub.b': 0, 'list.y': 0 } });
    await coll.findOneAndUpdate(
      { _id: 1 },
      { $set: { n: 2 } },
      { projection: { 'sub.a': 1, 'list.x': 1 }, returnDocument: 'after' },
    );
    await coll.findOneAndDelete({ _id: 99 }, { projection: { sub: 0 } });
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, sub: { a: 1, b: 2 }, list: [{ x: 1, y: 2 }], n: 2 },
      { _id: 2, sub: { a: 1, b: 2 }, list: [{ x: 1, y: 2 }] },
    ]);
  });

  describe('findOneAndReplace', () => {
    it('replaces the document and returns the old one by default', async () => {
      const coll = await seeded();
      const before = await coll.findOneAndReplace({ _id: 4 }, { fresh: true });
      expect(before).toEqual({ _id: 4, g: 'b', n: 9 });
      expect(await coll.findOne({ _id: 4 })).toEqual({ _id: 4, fresh: true });
    });

    it('returns the replacement with returnDocument "after" and picks by sort', async () => {
      const coll = await seeded();
      const after = await coll.findOneAndReplace(
        { g: 'a' },
        { g: 'a', replaced: true },
        { sort: { n: 1 }, returnDocument: 'after' },
      );
      expect(after).toEqual({ _id: 1, g: 'a', replaced: true });
    });

    it('upserts a replacement', async () => {
      const coll = await seeded();
      const doc = await coll.findOneAndReplace(
        { _id: 'r' },
        { v: 1 },
        { upsert: true, returnDocument: 'after' },
      );
      expect(doc).toEqual({ _id: 'r', v: 1 });
    });
  });

  describe('findOneAndDelete', () => {
    it('deletes and returns the matched document', async () => {
      const coll = await seeded();
      expect(await coll.findOneAndDelete({ _id: 4 })).toEqual({ _id: 4, g: 'b', n: 9 });
      expect(await coll.findOne({ _id: 4 })).toBeNull();
    });

    it('deletes the first document in sort order', async () => {
      const coll = await seeded();
      const doc = await coll.findOneAndDelete({ g: 'a' }, { sort: { n: -1 } });
      expect(doc?._id).toBe(2);
      expect((await coll.find({ g: 'a' }).toArray()).map((d) => d._id).sort()).toEqual([1, 3]);
    });

    it('returns null when nothing matches', async () => {
      const coll = await seeded();
      expect(await coll.findOneAndDelete({ g: 'none' })).toBeNull();
      expect(await coll.countDocuments()).toBe(4);
    });

    it('with includeResultMetadata reports lastErrorObject n', async () => {
      const coll = await seeded();
      const res = await coll.findOneAndDelete(
        { _id: 1 },
        { includeResultMetadata: true, projection: { n: 1 } },
      );
      expect(res.ok).toBe(1);
      expect(res.value).toEqual({ _id: 1, n: 1 });
      expect(res.lastErrorObject).toEqual({ n: 1 });
    });
  });
});
