/**
 * updateOne / updateMany / replaceOne: result counts, every update operator, positional forms, upsert seeding,
 * and the errors mongod raises where a lenient engine would silently do nothing.
 */
import { ObjectId, Timestamp } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { expectCode, freshName, type Loose } from './support.js';

describe('update', () => {
  const t = useTestDatabase('upd');

  /** A new collection holding one document `{_id: 1, ...fields}`; applies `update` and returns the stored result. */
  async function applied(
    fields: Loose,
    update: Loose,
    options: { arrayFilters?: Loose[] } = {},
  ): Promise<Loose | null> {
    const coll = t.db.collection<Loose>(freshName('op'));
    await coll.insertOne({ _id: 1, ...fields });
    await coll.updateOne({ _id: 1 }, update, options);
    return coll.findOne({ _id: 1 });
  }

  describe('results', () => {
    it('updateOne reports matchedCount 1, modifiedCount 1 and no upsert', async () => {
      const coll = t.db.collection<Loose>('res_one');
      await coll.insertMany([
        { _id: 1, a: 1 },
        { _id: 2, a: 1 },
      ]);
      const res = await coll.updateOne({ a: 1 }, { $set: { b: 2 } });
      expect(res).toEqual({
        acknowledged: true,
        matchedCount: 1,
        modifiedCount: 1,
        upsertedCount: 0,
        upsertedId: null,
      });
      expect(await coll.countDocuments({ b: 2 })).toBe(1);
    });

    it('a $set to the current value matches but counts 0 modified', async () => {
      const coll = t.db.collection<Loose>('res_noop');
      await coll.insertOne({ _id: 1, a: 1 });
      const res = await coll.updateOne({ _id: 1 }, { $set: { a: 1 } });
      expect(res.matchedCount).toBe(1);
      expect(res.modifiedCount).toBe(0);
    });

    it('updateMany counts every match but only the documents that changed as modified', async () => {
      const coll = t.db.collection<Loose>('res_many');
      await coll.insertMany([
        { _id: 1, g: 'x', v: 0 },
        { _id: 2, g: 'x', v: 5 },
        { _id: 3, g: 'x', v: 0 },
        { _id: 4, g: 'y', v: 0 },
      ]);
      const res = await coll.updateMany({ g: 'x' }, { $set: { v: 5 } });
      expect(res).toMatchObject({ matchedCount: 3, modifiedCount: 2, upsertedCount: 0, upsertedId: null });
      expect(await coll.countDocuments({ v: 5 })).toBe(3);
    });

    it('an update that matches nothing reports zero counts', async () => {
      const res = await t.db.collection<Loose>('res_none').updateOne({ _id: 'nope' }, { $set: { a: 1 } });
      expect(res).toEqual({
        acknowledged: true,
        matchedCount: 0,
        modifiedCount: 0,
        upsertedCount: 0,
        upsertedId: null,
      });
    });

    it('replaceOne swaps the whole document but keeps _id first', async () => {
      const coll = t.db.collection<Loose>('res_replace');
      await coll.insertOne({ _id: 1, a: 1, b: 2 });
      const res = await coll.replaceOne({ _id: 1 }, { c: 3, d: 4 });
      expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
      const doc = await coll.findOne({ _id: 1 });
      expect(doc).toEqual({ _id: 1, c: 3, d: 4 });
      expect(Object.keys(doc ?? {})).toEqual(['_id', 'c', 'd']);
    });

    it('replaceOne with an identical document counts 0 modified', async () => {
      const coll = t.db.collection<Loose>('res_replace_same');
      await coll.insertOne({ _id: 1, a: 1 });
      const res = await coll.replaceOne({ _id: 1 }, { a: 1 });
      expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    });

    it('new fields added by $set are appended after the existing ones', async () => {
      const doc = await applied({ b: 1 }, { $set: { a: 2 } });
      expect(Object.keys(doc ?? {})).toEqual(['_id', 'b', 'a']);
    });
  });

  describe('field operators', () => {
    it('$set creates intermediate subdocuments along a dotted path', async () => {
      expect(await applied({}, { $set: { 'a.b.c': 1 } })).toEqual({ _id: 1, a: { b: { c: 1 } } });
    });

    it('$set on a numeric path component sets that array element', async () => {
      expect(await applied({ arr: [1, 2, 3] }, { $set: { 'arr.1': 'x' } })).toEqual({
        _id: 1,
        arr: [1, 'x', 3],
      });
    });

    it('$set past the end of an array pads the gap with nulls', async () => {
      expect(await applied({ arr: [1, 2] }, { $set: { 'arr.4': 'x' } })).toEqual({
        _id: 1,
        arr: [1, 2, null, null, 'x'],
      });
    });

    it('$unset on an array element sets it to null instead of removing it', async () => {
      expect(await applied({ arr: [1, 2, 3] }, { $unset: { 'arr.1': '' } })).toEqual({
        _id: 1,
        arr: [1, null, 3],
      });
    });

    it('$set on a field of an array element by index', async () => {
      expect(await applied({ items: [{ q: 1 }, { q: 2 }] }, { $set: { 'items.1.q': 9 } })).toEqual({
        _id: 1,
        items: [{ q: 1 }, { q: 9 }],
      });
    });

    it('$set of an equal nested document counts 0 modified', async () => {
      const coll = t.db.collection<Loose>('set_same_nested');
      await coll.insertOne({ _id: 1, sub: { a: 1, b: [1, 2] } });
      const res = await coll.updateOne({ _id: 1 }, { $set: { sub: { a: 1, b: [1, 2] } } });
      expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    });

    it('$rename of a missing field is a no-op', async () => {
      expect(await applied({ a: 1 }, { $rename: { nope: 'b' } })).toEqual({ _id: 1, a: 1 });
    });

    it('$unset removes a field and a nested field', async () => {
      expect(await applied({ a: 1, b: { c: 1, d: 2 } }, { $unset: { a: '', 'b.c': '' } })).toEqual({
        _id: 1,
        b: { d: 2 },
      });
    });

    it('$unset of a missing field matches but modifies nothing', async () => {
      const coll = t.db.collection<Loose>('unset_missing');
      await coll.insertOne({ _id: 1, a: 1 });
      const res = await coll.updateOne({ _id: 1 }, { $unset: { zz: '' } });
      expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    });

    it('$inc adds to numbers, creates missing fields and accepts negative and fractional steps', async () => {
      expect(await applied({ n: 5, f: 1.5 }, { $inc: { n: -2, f: 0.25, fresh: 3, 'sub.k': 1 } })).toEqual({
        _id: 1,
        n: 3,
        f: 1.75,
        fresh: 3,
        sub: { k: 1 },
      });
    });

    it('$mul multiplies and sets a missing field to 0', async () => {
      expect(await applied({ price: 2.5 }, { $mul: { price: 4, missing: 7 } })).toEqual({
        _id: 1,
        price: 10,
        missing: 0,
      });
    });

    it('$min and $max only replace when the new value is lower or higher', async () => {
      expect(await applied({ lo: 5, hi: 5 }, { $min: { lo: 3, hi: 9 } })).toEqual({ _id: 1, lo: 3, hi: 5 });
      expect(await applied({ lo: 5, hi: 5 }, { $max: { lo: 3, hi: 9 } })).toEqual({ _id: 1, lo: 5, hi: 9 });
      const early = new Date('2020-01-01T00:00:00Z');
      const late = new Date('2030-01-01T00:00:00Z');
      expect(await applied({ at: late }, { $min: { at: early } })).toEqual({ _id: 1, at: early });
    });

    it('$rename moves a field, including into and out of subdocuments', async () => {
      expect(await applied({ a: 1, n: { x: 2 }, keep: true }, { $rename: { a: 'b', 'n.x': 'y' } })).toEqual({
        _id: 1,
        n: {},
        keep: true,
        b: 1,
        y: 2,
      });
    });

    it('$currentDate sets a Date by default and a Timestamp with {$type: "timestamp"}', async () => {
      const before = Date.now();
      const doc = await applied(
        {},
        { $currentDate: { at: true, ts: { $type: 'timestamp' }, d: { $type: 'date' } } },
      );
      expect(doc?.at).toBeInstanceOf(Date);
      expect(doc?.d).toBeInstanceOf(Date);
      expect((doc!.at as Date).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect((doc!.at as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      expect(doc?.ts).toBeInstanceOf(Timestamp);
    });

    it('$setOnInsert does nothing when the update matches an existing document', async () => {
      expect(await applied({ a: 1 }, { $set: { b: 2 }, $setOnInsert: { created: true } })).toEqual({
        _id: 1,
        a: 1,
        b: 2,
      });
    });
  });

  describe('array operators', () => {
    it('$push appends one value', async () => {
      expect(await applied({ arr: [1] }, { $push: { arr: 2 } })).toEqual({ _id: 1, arr: [1, 2] });
    });

    it('$push creates the array when the field is missing', async () => {
      expect(await applied({}, { $push: { arr: 'a' } })).toEqual({ _id: 1, arr: ['a'] });
    });

    it('$push with $each appends several values (an array value without $each is pushed as one element)', async () => {
      expect(await applied({ arr: [1] }, { $push: { arr: { $each: [2, 3] } } })).toEqual({
        _id: 1,
        arr: [1, 2, 3],
      });
      expect(await applied({ arr: [1] }, { $push: { arr: [2, 3] } })).toEqual({ _id: 1, arr: [1, [2, 3]] });
    });

    it('$push with $each, $sort and $slice keeps the top entries', async () => {
      const doc = await applied(
        { top: [{ s: 5 }, { s: 9 }] },
        { $push: { top: { $each: [{ s: 7 }, { s: 1 }, { s: 10 }], $sort: { s: -1 }, $slice: 3 } } },
      );
      expect(doc).toEqual({ _id: 1, top: [{ s: 10 }, { s: 9 }, { s: 7 }] });
    });

    it('$push with $sort on scalar elements and a negative $slice keeps the last ones', async () => {
      const doc = await applied({ arr: [5, 1] }, { $push: { arr: { $each: [3, 4], $sort: 1, $slice: -2 } } });
      expect(doc).toEqual({ _id: 1, arr: [4, 5] });
    });

    it('$push with $position inserts at that index', async () => {
      expect(
        await applied({ arr: ['a', 'd'] }, { $push: { arr: { $each: ['b', 'c'], $position: 1 } } }),
      ).toEqual({
        _id: 1,
        arr: ['a', 'b', 'c', 'd'],
      });
      expect(await applied({ arr: ['b'] }, { $push: { arr: { $each: ['a'], $position: 0 } } })).toEqual({
        _id: 1,
        arr: ['a', 'b'],
      });
    });

    it('$pull removes every equal value', async () => {
      expect(await applied({ arr: [1, 2, 1, 3] }, { $pull: { arr: 1 } })).toEqual({ _id: 1, arr: [2, 3] });
    });

    it('$pull with a condition removes every element that satisfies it', async () => {
      expect(await applied({ arr: [3, 6, 9, 2] }, { $pull: { arr: { $gte: 6 } } })).toEqual({
        _id: 1,
        arr: [3, 2],
      });
    });

    it('$pull with a subdocument removes elements that match those fields (other fields may differ)', async () => {
      const doc = await applied(
        {
          items: [
            { sku: 'x', qty: 1 },
            { sku: 'y', qty: 2 },
            { sku: 'x', qty: 3 },
          ],
        },
        { $pull: { items: { sku: 'x' } } },
      );
      expect(doc).toEqual({ _id: 1, items: [{ sku: 'y', qty: 2 }] });
    });

    it('$pullAll removes every listed value', async () => {
      expect(await applied({ arr: [1, 2, 3, 1, 4] }, { $pullAll: { arr: [1, 4] } })).toEqual({
        _id: 1,
        arr: [2, 3],
      });
    });

    it('$addToSet appends only a value not already present', async () => {
      const coll = t.db.collection<Loose>('add_to_set');
      await coll.insertOne({ _id: 1, tags: ['a'] });
      const same = await coll.updateOne({ _id: 1 }, { $addToSet: { tags: 'a' } });
      expect(same).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
      await coll.updateOne({ _id: 1 }, { $addToSet: { tags: 'b' } });
      expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, tags: ['a', 'b'] });
    });

    it('$addToSet with $each adds each new value once', async () => {
      expect(
        await applied({ tags: ['a'] }, { $addToSet: { tags: { $each: ['a', 'b', 'b', 'c'] } } }),
      ).toEqual({
        _id: 1,
        tags: ['a', 'b', 'c'],
      });
    });

    it('$pull on a missing field is a no-op', async () => {
      expect(await applied({ a: 1 }, { $pull: { arr: 1 } })).toEqual({ _id: 1, a: 1 });
    });

    it('$push with $slice 0 empties the array', async () => {
      expect(await applied({ arr: [1, 2] }, { $push: { arr: { $each: [3], $slice: 0 } } })).toEqual({
        _id: 1,
        arr: [],
      });
    });

    it('$addToSet compares subdocuments by value and field order', async () => {
      expect(
        await applied(
          { s: [{ a: 1, b: 2 }] },
          {
            $addToSet: {
              s: {
                $each: [
                  { a: 1, b: 2 },
                  { b: 2, a: 1 },
                ],
              },
            },
          },
        ),
      ).toEqual({
        _id: 1,
        s: [
          { a: 1, b: 2 },
          { b: 2, a: 1 },
        ],
      });
    });

    it('$pop 1 removes the last element and $pop -1 the first', async () => {
      expect(await applied({ arr: [1, 2, 3] }, { $pop: { arr: 1 } })).toEqual({ _id: 1, arr: [1, 2] });
      expect(await applied({ arr: [1, 2, 3] }, { $pop: { arr: -1 } })).toEqual({ _id: 1, arr: [2, 3] });
    });
  });

  describe('positional updates', () => {
    it('the positional $ updates the first element matched by the query', async () => {
      const coll = t.db.collection<Loose>('pos_dollar');
      await coll.insertOne({
        _id: 1,
        items: [
          { sku: 'x', qty: 1 },
          { sku: 'y', qty: 2 },
          { sku: 'y', qty: 3 },
        ],
      });
      await coll.updateOne({ _id: 1, 'items.sku': 'y' }, { $set: { 'items.$.qty': 9 } });
      expect((await coll.findOne({ _id: 1 }))?.items).toEqual([
        { sku: 'x', qty: 1 },
        { sku: 'y', qty: 9 },
        { sku: 'y', qty: 3 },
      ]);
    });

    it('the positional $ on a scalar array replaces the matched value', async () => {
      const coll = t.db.collection<Loose>('pos_scalar');
      await coll.insertOne({ _id: 1, grades: [80, 85, 90] });
      await coll.updateOne({ _id: 1, grades: 85 }, { $set: { 'grades.$': 86 } });
      expect((await coll.findOne({ _id: 1 }))?.grades).toEqual([80, 86, 90]);
    });

    it('$[] updates every element', async () => {
      expect(await applied({ scores: [1, 2, 3] }, { $inc: { 'scores.$[]': 10 } })).toEqual({
        _id: 1,
        scores: [11, 12, 13],
      });
    });

    it('$[id] with arrayFilters updates only the elements the filter selects', async () => {
      const doc = await applied(
        {
          grades: [
            { score: 50, passed: false },
            { score: 70, passed: false },
            { score: 90, passed: false },
          ],
        },
        { $set: { 'grades.$[g].passed': true } },
        { arrayFilters: [{ 'g.score': { $gte: 60 } }] },
      );
      expect(doc?.grades).toEqual([
        { score: 50, passed: false },
        { score: 70, passed: true },
        { score: 90, passed: true },
      ]);
    });

    it('$[id] with a scalar arrayFilter', async () => {
      const doc = await applied(
        { v: [1, 5, 10] },
        { $mul: { 'v.$[big]': 2 } },
        { arrayFilters: [{ big: { $gt: 4 } }] },
      );
      expect(doc).toEqual({ _id: 1, v: [1, 10, 20] });
    });

    it('the positional $ follows an $elemMatch in the query', async () => {
      const coll = t.db.collection<Loose>('pos_elemmatch');
      await coll.insertOne({
        _id: 1,
        items: [
          { sku: 'y', qty: 1 },
          { sku: 'y', qty: 5 },
        ],
      });
      await coll.updateOne(
        { _id: 1, items: { $elemMatch: { sku: 'y', qty: { $gt: 2 } } } },
        { $set: { 'items.$.hit': true } },
      );
      expect((await coll.findOne({ _id: 1 }))?.items).toEqual([
        { sku: 'y', qty: 1 },
        { sku: 'y', qty: 5, hit: true },
      ]);
    });

    it('$[] reaches a field of every element of an array of subdocuments', async () => {
      const doc = await applied({ items: [{ q: 1 }, { q: 2 }] }, { $inc: { 'items.$[].q': 5 } });
      expect(doc).toEqual({ _id: 1, items: [{ q: 6 }, { q: 7 }] });
    });

    it('nested arrayFilters select elements at two levels', async () => {
      const doc = await applied(
        {
          groups: [
            { name: 'a', members: [{ n: 1 }, { n: 2 }] },
            { name: 'b', members: [{ n: 1 }, { n: 3 }] },
          ],
        },
        { $set: { 'groups.$[g].members.$[m].flag': true } },
        { arrayFilters: [{ 'g.name': 'b' }, { 'm.n': { $gte: 2 } }] },
      );
      expect(doc?.groups).toEqual([
        { name: 'a', members: [{ n: 1 }, { n: 2 }] },
        { name: 'b', members: [{ n: 1 }, { n: 3, flag: true }] },
      ]);
    });

    it('updateMany with arrayFilters updates every matched document', async () => {
      const coll = t.db.collection<Loose>('af_many');
      await coll.insertMany([
        { _id: 1, v: [1, 5] },
        { _id: 2, v: [6, 2] },
      ]);
      const res = await coll.updateMany({}, { $set: { 'v.$[x]': 0 } }, { arrayFilters: [{ x: { $gt: 4 } }] });
      expect(res).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
      expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, v: [1, 0] },
        { _id: 2, v: [0, 2] },
      ]);
    });

    it('the positional $ without the array in the query fails with code 2', async () => {
      const coll = t.db.collection<Loose>('pos_missing');
      await coll.insertOne({ _id: 1, items: [{ a: 1 }] });
      await expectCode(coll.updateOne({ _id: 1 }, { $set: { 'items.$.a': 2 } }), 2);
    });
  });

  describe('pipeline updates', () => {
    it('an aggregation pipeline update computes fields from the document', async () => {
      const coll = t.db.collection<Loose>('pipeline');
      await coll.insertOne({ _id: 1, a: 2, b: 3, drop: true });
      await coll.updateOne({ _id: 1 }, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'drop' }]);
      expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 2, b: 3, sum: 5 });
    });
  });

  describe('upsert', () => {
    it('inserts when nothing matches and reports upsertedId, upsertedCount and zero matched', async () => {
      const coll = t.db.collection<Loose>('ups_basic');
      const res = await coll.updateOne({ email: 'a@x.io' }, { $set: { n: 1 } }, { upsert: true });
      expect(res.matchedCount).toBe(0);
      expect(res.modifiedCount).toBe(0);
      expect(res.upsertedCount).toBe(1);
      expect(res.upsertedId).toBeInstanceOf(ObjectId);
      const doc = await coll.findOne({ _id: res.upsertedId as ObjectId });
      expect(doc).toEqual({ _id: res.upsertedId, email: 'a@x.io', n: 1 });
      expect(Object.keys(doc ?? {})[0]).toBe('_id');
    });

    it('uses the _id from the filter when there is one', async () => {
      const coll = t.db.collection<Loose>('ups_id');
      const res = await coll.updateOne({ _id: 'given' }, { $set: { n: 1 } }, { upsert: true });
      expect(res.upsertedId).toBe('given');
      expect(await coll.findOne({ _id: 'given' })).toEqual({ _id: 'given', n: 1 });
    });

    it('updates instead of inserting when the filter matches', async () => {
      const coll = t.db.collection<Loose>('ups_match');
      await coll.insertOne({ _id: 1, k: 'a', n: 0 });
      const res = await coll.updateOne({ k: 'a' }, { $inc: { n: 1 } }, { upsert: true });
      expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
      expect(await coll.countDocuments()).toBe(1);
    });

    it('applies $setOnInsert only when it inserts', async () => {
      const coll = t.db.collection<Loose>('ups_soi');
      const update = { $set: { seen: 1 }, $setOnInsert: { created: 'first' } };
      await coll.updateOne({ k: 'a' }, update, { upsert: true });
      await coll.updateOne(
        { k: 'a' },
        { $set: { seen: 2 }, $setOnInsert: { created: 'second' } },
        { upsert: true },
      );
      const docs = await coll.find({}, { projection: { _id: 0 } }).toArray();
      expect(docs).toEqual([{ k: 'a', seen: 2, created: 'first' }]);
    });

    it('seeds the new document from equality fields of the filter, including $eq, $and and dotted paths', async () => {
      const coll = t.db.collection<Loose>('ups_seed');
      const res = await coll.updateOne(
        { 'profile.email': 'x@y.io', n: { $gt: 5 }, kind: { $eq: 'user' }, $and: [{ org: 'o1' }] },
        { $set: { z: 1 } },
        { upsert: true },
      );
      const doc = await coll.findOne({ _id: res.upsertedId as ObjectId }, { projection: { _id: 0 } });
      expect(doc).toEqual({ profile: { email: 'x@y.io' }, kind: 'user', org: 'o1', z: 1 });
    });

    it('upserts with updateMany too (inserting a single document)', async () => {
      const coll = t.db.collection<Loose>('ups_many');
      const res = await coll.updateMany({ g: 'new' }, { $set: { v: 1 } }, { upsert: true });
      expect(res.upsertedCount).toBe(1);
      expect(await coll.countDocuments({ g: 'new', v: 1 })).toBe(1);
    });

    it('replaceOne with upsert inserts the replacement with the filter _id', async () => {
      const coll = t.db.collection<Loose>('ups_replace');
      const res = await coll.replaceOne({ _id: 'r1' }, { x: 1 }, { upsert: true });
      expect(res).toMatchObject({ matchedCount: 0, upsertedCount: 1, upsertedId: 'r1' });
      expect(await coll.findOne({ _id: 'r1' })).toEqual({ _id: 'r1', x: 1 });
    });

    it('concurrent upserts of the same unique key all succeed and leave one document', async () => {
      const coll = t.db.collection<Loose>('ups_race');
      await coll.createIndex({ key: 1 }, { unique: true });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          coll.updateOne({ key: 'same' }, { $inc: { hits: 1 }, $set: { last: i } }, { upsert: true }),
        ),
      );
      expect(results.reduce((n, r) => n + r.upsertedCount, 0)).toBe(1);
      expect(results.reduce((n, r) => n + r.matchedCount, 0)).toBe(19);
      expect(await coll.countDocuments()).toBe(1);
      expect((await coll.findOne({ key: 'same' }))?.hits).toBe(20);
    });

    it('upsert with a $inc on a missing field starts from zero', async () => {
      const coll = t.db.collection<Loose>('ups_inc');
      await coll.updateOne({ day: '2024-01-01' }, { $inc: { hits: 1 } }, { upsert: true });
      await coll.updateOne({ day: '2024-01-01' }, { $inc: { hits: 1 } }, { upsert: true });
      expect(await coll.find({}, { projection: { _id: 0 } }).toArray()).toEqual([
        { day: '2024-01-01', hits: 2 },
      ]);
    });
  });

  describe('errors mongod raises', () => {
    it('$inc on a string field fails with code 14 TypeMismatch and leaves the document unchanged', async () => {
      const coll = t.db.collection<Loose>('err_inc');
      await coll.insertOne({ _id: 1, n: 'five' });
      const error = await expectCode(coll.updateOne({ _id: 1 }, { $inc: { n: 1 } }), 14);
      expect(error.message).toMatch(
        /Cannot apply \$inc to a value of non-numeric type\. \{_id: 1\} has the field 'n' of non-numeric type string/,
      );
      expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, n: 'five' });
    });

    it('$inc with a non-numeric argument fails with code 14', async () => {
      const coll = t.db.collection<Loose>('err_inc_arg');
      await coll.insertOne({ _id: 1, n: 1 });
      await expectCode(coll.updateOne({ _id: 1 }, { $inc: { n: 'x' } } as Loose), 14);
    });

    it('$inc on a null field fails with code 14', async () => {
      const coll = t.db.collection<Loose>('err_inc_null');
      await coll.insertOne({ _id: 1, n: null });
      await expectCode(coll.updateOne({ _id: 1 }, { $inc: { n: 1 } }), 14);
    });

    it('an update error in updateMany stops at the failing document (earlier ones stay updated)', async () => {
      const coll = t.db.collection<Loose>('err_many');
      await coll.insertMany([
        { _id: 1, n: 1 },
        { _id: 2, n: 'two' },
        { _id: 3, n: 3 },
      ]);
      await expectCode(coll.updateMany({}, { $inc: { n: 10 } }), 14);
      expect((await coll.findOne({ _id: 1 }))?.n).toBe(11);
      expect((await coll.findOne({ _id: 2 }))?.n).toBe('two');
    });

    it('$pull on a present non-array field fails with code 2', async () => {
      const coll = t.db.collection<Loose>('err_pull');
      await coll.insertOne({ _id: 1, a: 5 });
      await expectCode(coll.updateOne({ _id: 1 }, { $pull: { a: 1 } } as Loose), 2);
    });

    it('$pop on a present non-array field fails with code 14 and leaves the document unchanged', async () => {
      const coll = t.db.collection<Loose>('err_pop');
      await coll.insertOne({ _id: 1, a: 5 });
      await expectCode(coll.updateOne({ _id: 1 }, { $pop: { a: 1 } } as Loose), 14);
      expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 5 });
    });

    it('$pop and $pull on a missing field or an empty array are no-ops, not errors', async () => {
      expect(await applied({ b: 1 }, { $pop: { a: 1 } })).toEqual({ _id: 1, b: 1 });
      expect(await applied({ a: [] }, { $pop: { a: 1 } })).toEqual({ _id: 1, a: [] });
      expect(await applied({ a: [] }, { $pull: { a: 1 } })).toEqual({ _id: 1, a: [] });
    });

    it('$rename of a field onto itself fails with code 2', async () => {
      const coll = t.db.collection<Loose>('err_rename_self');
      await coll.insertOne({ _id: 1, a: 1 });
      await expectCode(coll.updateOne({ _id: 1 }, { $rename: { a: 'a' } }), 2);
    });

    it('$mul on a string field fails with code 14', async () => {
      const coll = t.db.collection<Loose>('err_mul');
      await coll.insertOne({ _id: 1, n: 'x' });
      await expectCode(coll.updateOne({ _id: 1 }, { $mul: { n: 2 } }), 14);
    });

    it('$push on a non-array field fails with code 2 BadValue', async () => {
      const coll = t.db.collection<Loose>('err_push');
      await coll.insertOne({ _id: 1, arr: 'scalar' });
      const error = await expectCode(coll.updateOne({ _id: 1 }, { $push: { arr: 1 } } as Loose), 2);
      expect(error.message).toMatch(
        /The field 'arr' must be an array but is of type string in document \{_id: 1\}/,
      );
      expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, arr: 'scalar' });
    });

    it('$addToSet on a non-array field fails with code 2', async () => {
      const coll = t.db.collection<Loose>('err_addtoset');
      await coll.insertOne({ _id: 1, arr: 5 });
      await expectCode(coll.updateOne({ _id: 1 }, { $addToSet: { arr: 1 } }), 2);
    });

    it('changing _id with $set fails with code 66 ImmutableField', async () => {
      const coll = t.db.collection<Loose>('err_id');
      await coll.insertOne({ _id: 1, a: 1 });
      const error = await expectCode(coll.updateOne({ _id: 1 }, { $set: { _id: 2 } }), 66);
      expect(error.message).toMatch(
        /Performing an update on the path '_id' would modify the immutable field '_id'/,
      );
      expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1 });
    });

    it('replaceOne with a different _id fails with code 66', async () => {
      const coll = t.db.collection<Loose>('err_replace_id');
      await coll.insertOne({ _id: 1, a: 1 });
      await expectCode(coll.replaceOne({ _id: 1 }, { _id: 2, a: 2 }), 66);
    });

    it('two operators on the same path fail with code 40 ConflictingUpdateOperators', async () => {
      const coll = t.db.collection<Loose>('err_conflict');
      await coll.insertOne({ _id: 1, a: 1 });
      const error = await expectCode(coll.updateOne({ _id: 1 }, { $set: { a: 5 }, $inc: { a: 1 } }), 40);
      expect(error.message).toMatch(/Updating the path 'a' would create a conflict at 'a'/);
    });

    it('a path and its own prefix in one update fail with code 40', async () => {
      const coll = t.db.collection<Loose>('err_prefix');
      await coll.insertOne({ _id: 1, a: { b: 1 } });
      await expectCode(coll.updateOne({ _id: 1 }, { $set: { a: {}, 'a.b': 2 } }), 40);
    });

    it('setting a field inside a scalar fails with code 28 PathNotViable', async () => {
      const coll = t.db.collection<Loose>('err_path');
      await coll.insertOne({ _id: 1, a: 5 });
      await expectCode(coll.updateOne({ _id: 1 }, { $set: { 'a.b': 1 } }), 28);
    });

    it('an unknown update operator fails with code 9 FailedToParse', async () => {
      const coll = t.db.collection<Loose>('err_unknown_op');
      await coll.insertOne({ _id: 1 });
      await expectCode(coll.updateOne({ _id: 1 }, { $frobnicate: { a: 1 } } as Loose), 9);
    });

    it('an update that would duplicate a unique key fails with code 11000 and changes nothing', async () => {
      const coll = t.db.collection<Loose>('err_dup');
      await coll.createIndex({ email: 1 }, { unique: true });
      await coll.insertMany([
        { _id: 1, email: 'a@x.io' },
        { _id: 2, email: 'b@x.io' },
      ]);
      const error = await expectCode(coll.updateOne({ _id: 2 }, { $set: { email: 'a@x.io' } }), 11000);
      expect(error.keyValue).toEqual({ email: 'a@x.io' });
      expect(await coll.findOne({ _id: 2 })).toEqual({ _id: 2, email: 'b@x.io' });
    });

    it('an upsert that would duplicate a unique key fails with code 11000', async () => {
      const coll = t.db.collection<Loose>('err_dup_upsert');
      await coll.createIndex({ email: 1 }, { unique: true });
      await coll.insertOne({ _id: 1, email: 'a@x.io', n: 1 });
      await expectCode(coll.updateOne({ n: 2 }, { $set: { email: 'a@x.io' } }, { upsert: true }), 11000);
      expect(await coll.countDocuments()).toBe(1);
    });
  });
});
