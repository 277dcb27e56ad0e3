/**
 * Indexes: creation options and how listIndexes shows them, conflicts, unique/sparse/partial/compound/multikey
 * semantics, the E11000 error shape, dropping, and errors on missing collections.
 */
import { Long, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { expectCode, freshName, ids, type Loose } from './support.js';

describe('indexes', () => {
  const t = useTestDatabase('idx');
  const fresh = (base = 'ix') => t.db.collection<Loose>(freshName(base));

  describe('creation and listing', () => {
    it('a new collection lists only the _id_ index', async () => {
      const coll = fresh();
      await coll.insertOne({ a: 1 });
      expect(await coll.listIndexes().toArray()).toEqual([{ v: 2, key: { _id: 1 }, name: '_id_' }]);
    });

    it('createIndex returns the default name field_direction and listIndexes shows unique: true', async () => {
      const coll = fresh();
      expect(await coll.createIndex({ email: 1 }, { unique: true })).toBe('email_1');
      const list = await coll.listIndexes().toArray();
      expect(list).toEqual([
        { v: 2, key: { _id: 1 }, name: '_id_' },
        { v: 2, key: { email: 1 }, name: 'email_1', unique: true },
      ]);
    });

    it('names compound indexes by joining every field and direction, keeping key order', async () => {
      const coll = fresh();
      expect(await coll.createIndex({ org: 1, createdAt: -1 })).toBe('org_1_createdAt_-1');
      const spec = (await coll.listIndexes().toArray()).find((i) => i.name === 'org_1_createdAt_-1');
      expect(Object.keys(spec?.key ?? {})).toEqual(['org', 'createdAt']);
      expect(spec?.key).toEqual({ org: 1, createdAt: -1 });
    });

    it('accepts a custom name', async () => {
      const coll = fresh();
      expect(await coll.createIndex({ a: 1 }, { name: 'by_a' })).toBe('by_a');
      expect(await coll.indexExists('by_a')).toBe(true);
    });

    it('createIndexes creates several at once and returns their names', async () => {
      const coll = fresh();
      const names = await coll.createIndexes([{ key: { a: 1 } }, { key: { b: -1 }, name: 'b_desc' }]);
      expect(names).toEqual(['a_1', 'b_desc']);
    });

    it('shows sparse, partialFilterExpression and expireAfterSeconds in listIndexes', async () => {
      const coll = fresh();
      await coll.createIndex({ s: 1 }, { sparse: true });
      await coll.createIndex({ p: 1 }, { partialFilterExpression: { active: true } });
      await coll.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });
      const byName = Object.fromEntries((await coll.listIndexes().toArray()).map((i) => [i.name, i]));
      expect(byName.s_1).toEqual({ v: 2, key: { s: 1 }, name: 's_1', sparse: true });
      expect(byName.p_1).toEqual({
        v: 2,
        key: { p: 1 },
        name: 'p_1',
        partialFilterExpression: { active: true },
      });
      expect(byName.createdAt_1).toEqual({
        v: 2,
        key: { createdAt: 1 },
        name: 'createdAt_1',
        expireAfterSeconds: 3600,
      });
    });

    it('creating the same index again is a no-op that returns the same name', async () => {
      const coll = fresh();
      await coll.createIndex({ email: 1 }, { unique: true });
      expect(await coll.createIndex({ email: 1 }, { unique: true })).toBe('email_1');
      expect(await coll.listIndexes().toArray()).toHaveLength(2);
    });

    it('creating an index creates the collection', async () => {
      const coll = fresh('implicit_by_index');
      await coll.createIndex({ a: 1 });
      const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      expect(names).toContain(coll.collectionName);
    });

    it('indexes(), indexExists() and indexInformation() agree with listIndexes', async () => {
      const coll = fresh();
      await coll.createIndex({ a: 1, b: -1 });
      expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_', 'a_1_b_-1']);
      expect(await coll.indexExists('a_1_b_-1')).toBe(true);
      expect(await coll.indexExists(['_id_', 'a_1_b_-1'])).toBe(true);
      expect(await coll.indexExists('nope_1')).toBe(false);
      expect(await coll.indexInformation()).toEqual({
        _id_: [['_id', 1]],
        'a_1_b_-1': [
          ['a', 1],
          ['b', -1],
        ],
      });
    });
  });

  describe('conflicts', () => {
    it('same name with different keys fails with code 86 IndexKeySpecsConflict', async () => {
      const coll = fresh();
      await coll.createIndex({ a: 1 }, { name: 'shared' });
      await expectCode(coll.createIndex({ b: 1 }, { name: 'shared' }), 86);
    });

    it('same default name with different options (unique added) fails with code 86', async () => {
      const coll = fresh();
      await coll.createIndex({ a: 1 });
      await expectCode(coll.createIndex({ a: 1 }, { unique: true }), 86);
    });

    it('same keys and options under a different name fail with code 85 IndexOptionsConflict', async () => {
      const coll = fresh();
      await coll.createIndex({ a: 1 });
      await expectCode(coll.createIndex({ a: 1 }, { name: 'other_name' }), 85);
    });

    it('building a unique index over duplicate data fails with code 11000 and leaves no index behind', async () => {
      const coll = fresh();
      await coll.insertMany([{ email: 'a@x.io' }, { email: 'a@x.io' }]);
      await expectCode(coll.createIndex({ email: 1 }, { unique: true }), 11000);
      expect(await coll.indexExists('email_1')).toBe(false);
      // Inserting more duplicates still works since no index exists.
      await coll.insertOne({ email: 'a@x.io' });
      expect(await coll.countDocuments()).toBe(3);
    });
  });

  describe('unique semantics', () => {
    it('rejects a second document with the same unique key with code 11000, mongod message, keyPattern and keyValue', async () => {
      const coll = t.db.collection<Loose>('users');
      await coll.createIndex({ email: 1 }, { unique: true });
      await coll.insertOne({ email: 'a@x.io' });
      const error = await expectCode(coll.insertOne({ email: 'a@x.io' }), 11000);
      expect(error.message).toBe(
        `E11000 duplicate key error collection: ${t.name}.users index: email_1 dup key: { email: "a@x.io" }`,
      );
      expect(error.keyPattern).toEqual({ email: 1 });
      expect(error.keyValue).toEqual({ email: 'a@x.io' });
    });

    it('compound unique rejects only when every key field matches, and reports all of them', async () => {
      const coll = t.db.collection<Loose>('members');
      await coll.createIndex({ org: 1, email: 1 }, { unique: true });
      await coll.insertMany([
        { org: 'o1', email: 'a@x.io' },
        { org: 'o2', email: 'a@x.io' },
        { org: 'o1', email: 'b@x.io' },
      ]);
      const error = await expectCode(coll.insertOne({ org: 'o1', email: 'a@x.io' }), 11000);
      expect(error.message).toBe(
        `E11000 duplicate key error collection: ${t.name}.members index: org_1_email_1 dup key: { org: "o1", email: "a@x.io" }`,
      );
      expect(error.keyPattern).toEqual({ org: 1, email: 1 });
      expect(error.keyValue).toEqual({ org: 'o1', email: 'a@x.io' });
    });

    it('reports a dotted key path in the E11000 message, keyPattern and keyValue', async () => {
      const coll = t.db.collection<Loose>('profiles');
      await coll.createIndex({ 'profile.email': 1 }, { unique: true });
      await coll.insertOne({ profile: { email: 'p@x.io' } });
      const error = await expectCode(coll.insertOne({ profile: { email: 'p@x.io' } }), 11000);
      expect(error.message).toBe(
        `E11000 duplicate key error collection: ${t.name}.profiles index: profile.email_1 dup key: { profile.email: "p@x.io" }`,
      );
      expect(error.keyPattern).toEqual({ 'profile.email': 1 });
      expect(error.keyValue).toEqual({ 'profile.email': 'p@x.io' });
    });

    it("formats an ObjectId key as ObjectId('...') in the E11000 message", async () => {
      const coll = t.db.collection<Loose>('refs');
      const ref = new ObjectId('65a1b2c3d4e5f60718293a4b');
      await coll.createIndex({ ref: 1 }, { unique: true });
      await coll.insertOne({ ref });
      const error = await expectCode(coll.insertOne({ ref }), 11000);
      expect(error.message).toBe(
        `E11000 duplicate key error collection: ${t.name}.refs index: ref_1 dup key: { ref: ObjectId('65a1b2c3d4e5f60718293a4b') }`,
      );
      expect(error.keyValue).toEqual({ ref });
    });

    it('a non-sparse unique index treats a missing field as null: the second document without it is a duplicate', async () => {
      const coll = t.db.collection<Loose>('nulls');
      await coll.createIndex({ email: 1 }, { unique: true });
      await coll.insertOne({ name: 'first' });
      const error = await expectCode(coll.insertOne({ name: 'second' }), 11000);
      expect(error.message).toBe(
        `E11000 duplicate key error collection: ${t.name}.nulls index: email_1 dup key: { email: null }`,
      );
      expect(error.keyValue).toEqual({ email: null });
      await expectCode(coll.insertOne({ email: null }), 11000);
    });

    it('a sparse unique index allows many documents without the field but still rejects duplicates', async () => {
      const coll = fresh();
      await coll.createIndex({ email: 1 }, { unique: true, sparse: true });
      await coll.insertMany([{ n: 1 }, { n: 2 }, { n: 3 }, { email: 'a@x.io' }]);
      await expectCode(coll.insertOne({ email: 'a@x.io' }), 11000);
      expect(await coll.countDocuments()).toBe(4);
    });

    it('a partial unique index only enforces uniqueness inside the partial filter', async () => {
      const coll = fresh();
      await coll.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } });
      await coll.insertMany([
        { email: 'a@x.io', active: false },
        { email: 'a@x.io', active: false },
        { email: 'a@x.io', active: true },
      ]);
      await expectCode(coll.insertOne({ email: 'a@x.io', active: true }), 11000);
      // Moving a document into the filter is checked too.
      await expectCode(coll.updateOne({ active: false }, { $set: { active: true } }), 11000);
      expect(await coll.countDocuments({ active: true })).toBe(1);
    });

    it('a compound unique index treats missing fields as null in the key and the E11000 message', async () => {
      const coll = t.db.collection<Loose>('compound_nulls');
      await coll.createIndex({ a: 1, b: 1 }, { unique: true });
      await coll.insertOne({ a: 1 });
      const error = await expectCode(coll.insertOne({ a: 1 }), 11000);
      expect(error.message).toBe(
        `E11000 duplicate key error collection: ${t.name}.compound_nulls index: a_1_b_1 dup key: { a: 1, b: null }`,
      );
      expect(error.keyValue).toEqual({ a: 1, b: null });
      await coll.insertOne({ a: 1, b: 2 });
    });

    it('a unique index on a field inside an array of subdocuments rejects a value used by another document', async () => {
      const coll = fresh();
      await coll.createIndex({ 'items.sku': 1 }, { unique: true });
      await coll.insertOne({ items: [{ sku: 'a' }, { sku: 'b' }] });
      await expectCode(coll.insertOne({ items: [{ sku: 'c' }, { sku: 'b' }] }), 11000);
      await coll.insertOne({ items: [{ sku: 'c' }] });
      expect(await coll.countDocuments()).toBe(2);
    });

    it('"unique when present" with partialFilterExpression {$exists: true}: missing is free, explicit null is indexed', async () => {
      const coll = fresh();
      await coll.createIndex(
        { email: 1 },
        { unique: true, partialFilterExpression: { email: { $exists: true } } },
      );
      await coll.insertMany([{ n: 1 }, { n: 2 }, { email: 'a@x.io' }, { email: null }]);
      await expectCode(coll.insertOne({ email: 'a@x.io' }), 11000);
      await expectCode(coll.insertOne({ email: null }), 11000);
      await coll.insertOne({ n: 3 });
      expect(await coll.countDocuments()).toBe(5);
    });

    it('"unique when a string" with partialFilterExpression {$type: "string"}: nulls never collide', async () => {
      const coll = fresh();
      await coll.createIndex(
        { email: 1 },
        { unique: true, partialFilterExpression: { email: { $type: 'string' } } },
      );
      await coll.insertMany([{ email: null }, { email: null }, {}, { email: 'a@x.io' }]);
      await expectCode(coll.insertOne({ email: 'a@x.io' }), 11000);
      expect(await coll.countDocuments()).toBe(4);
    });

    it('treats numerically equal keys of different types as duplicates', async () => {
      const coll = fresh();
      await coll.createIndex({ n: 1 }, { unique: true });
      await coll.insertOne({ n: 1 });
      await expectCode(coll.insertOne({ n: Long.fromNumber(1) }), 11000);
      await expectCode(coll.insertOne({ n: 1.0 }), 11000);
    });

    it('a unique index on an array field rejects a value already present in another document', async () => {
      const coll = fresh();
      await coll.createIndex({ tags: 1 }, { unique: true });
      await coll.insertOne({ tags: ['a', 'b'] });
      // Repeating a value inside one document is fine.
      await coll.insertOne({ tags: ['c', 'c'] });
      await expectCode(coll.insertOne({ tags: ['x', 'b'] }), 11000);
    });

    it('a unique index allows reusing a value once the document holding it was deleted or changed', async () => {
      const coll = fresh();
      await coll.createIndex({ k: 1 }, { unique: true });
      await coll.insertOne({ _id: 1, k: 'a' });
      await coll.insertOne({ _id: 2, k: 'b' });
      await coll.deleteOne({ _id: 1 });
      await coll.insertOne({ _id: 3, k: 'a' });
      await coll.updateOne({ _id: 2 }, { $set: { k: 'c' } });
      await coll.insertOne({ _id: 4, k: 'b' });
      expect(await coll.countDocuments()).toBe(3);
    });

    it('a failed insert in an unordered batch leaves no partial index entries behind', async () => {
      const coll = fresh();
      await coll.createIndex({ a: 1 }, { unique: true });
      await coll.createIndex({ b: 1 }, { unique: true });
      await coll.insertOne({ a: 1, b: 1 });
      // a is new but b collides: the document must not be indexed under a=2.
      await expectCode(coll.insertOne({ a: 2, b: 1 }), 11000);
      await coll.insertOne({ a: 2, b: 2 });
      expect(await coll.countDocuments({ a: 2 })).toBe(1);
    });
  });

  describe('queries through indexes', () => {
    it('returns the same results through an index as without one (equality, $in, ranges, arrays, mixed types)', async () => {
      const plain = fresh('plain');
      const indexed = fresh('indexed');
      const docs = [
        { _id: 1, n: 5 },
        { _id: 2, n: [5, 9] },
        { _id: 3, n: '5' },
        { _id: 4, n: 7.5 },
        { _id: 5 },
        { _id: 6, n: null },
        { _id: 7, n: Long.fromNumber(6) },
        { _id: 8, n: { x: 1 } },
        { _id: 9, n: -3 },
      ];
      await plain.insertMany(docs.map((d) => ({ ...d })));
      await indexed.insertMany(docs.map((d) => ({ ...d })));
      await indexed.createIndex({ n: 1 });
      const filters = [
        { n: 5 },
        { n: { $in: [5, 7.5] } },
        { n: { $gte: 5, $lt: 8 } },
        { n: { $gt: 6 } },
        { n: { $lte: 0 } },
        { n: null },
        { n: { $exists: false } },
        { n: '5' },
        { n: { x: 1 } },
        { $and: [{ n: { $gte: 5 } }, { n: { $lte: 9 } }] },
      ];
      for (const filter of filters) {
        expect({ filter, ids: await ids(indexed, filter) }).toEqual({
          filter,
          ids: await ids(plain, filter),
        });
      }
      expect(await ids(indexed, { n: 5 })).toEqual([1, 2]);
      expect(await ids(indexed, { n: { $gte: 5, $lt: 8 } })).toEqual([1, 2, 4, 7]);
      expect(await ids(indexed, { n: null })).toEqual([5, 6]);
    });

    it('agrees with an unindexed twin on 500 mixed-type documents for filters with sort, skip and limit', async () => {
      const plain = fresh('twin_plain');
      const indexed = fresh('twin_indexed');
      let seed = 42;
      const rand = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const value = () => {
        const r = rand();
        if (r < 0.5) return Math.floor(rand() * 50);
        if (r < 0.6) return Math.floor(rand() * 50) + 0.5;
        if (r < 0.7) return `s${Math.floor(rand() * 20)}`;
        if (r < 0.78) return null;
        if (r < 0.86) return undefined;
        if (r < 0.94) return [Math.floor(rand() * 50), Math.floor(rand() * 50)];
        return { k: Math.floor(rand() * 3) };
      };
      const docs = Array.from({ length: 500 }, (_, i) => {
        const d: Loose = { _id: i, g: ['a', 'b', 'c'][i % 3] };
        const a = value();
        const b = value();
        if (a !== undefined) d.a = a;
        if (b !== undefined) d.b = b;
        return d;
      });
      await plain.insertMany(docs.map((d) => structuredClone(d)));
      await indexed.insertMany(docs.map((d) => structuredClone(d)));
      await indexed.createIndex({ a: 1 });
      await indexed.createIndex({ g: 1, b: -1 });
      const queries: Array<{ filter: Loose; sort: Loose; skip?: number; limit?: number }> = [
        { filter: { a: 7 }, sort: { _id: 1 } },
        { filter: { a: { $gte: 10, $lt: 20 } }, sort: { a: 1, _id: 1 } },
        { filter: { a: { $gt: 40 } }, sort: { a: -1, _id: 1 }, limit: 7 },
        { filter: { a: { $in: [3, 's4', null] } }, sort: { _id: -1 } },
        { filter: { a: { $lte: 5 } }, sort: { a: 1, _id: -1 }, skip: 3, limit: 10 },
        { filter: { a: null }, sort: { _id: 1 } },
        { filter: { a: { $exists: false } }, sort: { _id: 1 } },
        { filter: { a: { $type: 'string' } }, sort: { a: 1, _id: 1 } },
        { filter: { g: 'b' }, sort: { b: -1, _id: 1 }, limit: 15 },
        { filter: { g: 'c', b: { $gt: 25 } }, sort: { b: 1, _id: 1 } },
        { filter: { g: { $in: ['a', 'c'] }, b: { $lt: 10 } }, sort: { _id: 1 } },
        { filter: { $or: [{ a: 1 }, { g: 'a', b: 2 }] }, sort: { _id: 1 } },
        { filter: { a: { $ne: 7 } }, sort: { _id: 1 }, limit: 50 },
        { filter: { 'a.k': 1 }, sort: { _id: 1 } },
      ];
      for (const q of queries) {
        const run = (c: typeof plain) =>
          c
            .find(q.filter)
            .sort(q.sort)
            .skip(q.skip ?? 0)
            .limit(q.limit ?? 0)
            .toArray()
            .then((r) => r.map((d) => d._id));
        expect({ q, ids: await run(indexed) }).toEqual({ q, ids: await run(plain) });
      }
    });

    it('keeps secondary indexes in step through 400 random writes (indexed and unindexed twins agree)', async () => {
      const plain = fresh('churn_plain');
      const indexed = fresh('churn_indexed');
      await indexed.createIndex({ a: 1 });
      await indexed.createIndex({ tags: 1 });
      await indexed.createIndex({ g: 1, a: -1 });
      let seed = 7;
      const rand = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return Math.floor((seed / 2 ** 31) * n);
      };
      for (let step = 0; step < 400; step++) {
        const id = rand(60);
        const op = rand(7);
        const apply = async (c: typeof plain) => {
          if (op === 0)
            await c.insertOne({ _id: 1000 + step, a: rand(20), g: `g${rand(3)}`, tags: [`t${rand(5)}`] });
          else if (op === 1) await c.updateOne({ _id: id }, { $set: { a: rand(20) } }, { upsert: true });
          else if (op === 2) await c.updateMany({ a: { $lt: 5 } }, { $inc: { a: 1 } });
          else if (op === 3) await c.deleteOne({ _id: id });
          else if (op === 4)
            await c.replaceOne({ _id: id }, { g: `g${rand(3)}`, tags: [`t${rand(5)}`, `t${rand(5)}`] });
          else if (op === 5) await c.updateOne({ _id: id }, { $addToSet: { tags: `t${rand(5)}` } });
          else await c.updateOne({ _id: id }, { $unset: { a: '' } });
        };
        const before = seed;
        await apply(plain);
        seed = before; // replay the same random draws on the twin
        await apply(indexed);
      }
      const all = (c: typeof plain) => c.find().sort({ _id: 1 }).toArray();
      expect(await all(indexed)).toEqual(await all(plain));
      const filters: Loose[] = [
        { a: 3 },
        { a: { $gte: 10 } },
        { a: { $exists: false } },
        { a: null },
        { tags: 't2' },
        { tags: { $in: ['t0', 't4'] } },
        { g: 'g1' },
        { g: 'g2', a: { $lt: 8 } },
      ];
      for (const filter of filters) {
        expect({ filter, ids: await ids(indexed, filter) }).toEqual({
          filter,
          ids: await ids(plain, filter),
        });
      }
    });

    it('uses compound index prefixes correctly, including sort on indexed fields', async () => {
      const coll = fresh();
      await coll.createIndex({ g: 1, n: -1 });
      await coll.insertMany([
        { _id: 1, g: 'a', n: 1 },
        { _id: 2, g: 'a', n: 3 },
        { _id: 3, g: 'b', n: 2 },
        { _id: 4, g: 'a', n: 2 },
      ]);
      expect((await coll.find({ g: 'a' }).sort({ n: -1 }).toArray()).map((d) => d._id)).toEqual([2, 4, 1]);
      expect(
        (
          await coll
            .find({ g: 'a', n: { $lt: 3 } })
            .sort({ n: 1 })
            .toArray()
        ).map((d) => d._id),
      ).toEqual([1, 4]);
    });

    it('finds a document by an indexed field after it was updated to a new value', async () => {
      const coll = fresh();
      await coll.createIndex({ k: 1 });
      await coll.insertOne({ _id: 1, k: 'old' });
      await coll.updateOne({ _id: 1 }, { $set: { k: 'new' } });
      expect(await coll.findOne({ k: 'old' })).toBeNull();
      expect(await coll.findOne({ k: 'new' })).toEqual({ _id: 1, k: 'new' });
    });
  });

  describe('dropping', () => {
    it('dropIndex by name removes only that index', async () => {
      const coll = fresh();
      await coll.createIndex({ a: 1 });
      await coll.createIndex({ b: 1 });
      await coll.dropIndex('a_1');
      expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_', 'b_1']);
    });

    it("dropIndex('*') and dropIndexes() remove every index except _id_", async () => {
      const coll = fresh();
      await coll.createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }]);
      await coll.dropIndex('*');
      expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_']);
      await coll.createIndex({ c: 1 });
      expect(await coll.dropIndexes()).toBe(true);
      expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_']);
    });

    it('dropping a unique index lifts the constraint', async () => {
      const coll = fresh();
      await coll.createIndex({ k: 1 }, { unique: true });
      await coll.insertOne({ k: 1 });
      await coll.dropIndex('k_1');
      await coll.insertOne({ k: 1 });
      expect(await coll.countDocuments({ k: 1 })).toBe(2);
    });

    it('dropIndex of an unknown name fails with code 27 IndexNotFound', async () => {
      const coll = fresh();
      await coll.insertOne({ a: 1 });
      await expectCode(coll.dropIndex('nope_1'), 27);
    });

    it('dropIndex of _id_ fails with code 72 InvalidOptions', async () => {
      const coll = fresh();
      await coll.insertOne({ a: 1 });
      await expectCode(coll.dropIndex('_id_'), 72);
    });

    it('dropIndex on a collection that does not exist fails with code 26 NamespaceNotFound', async () => {
      await expectCode(t.db.collection<Loose>('no_coll_drop').dropIndex('a_1'), 26);
    });
  });

  describe('missing collections', () => {
    it('listIndexes on a collection that does not exist fails with code 26 NamespaceNotFound', async () => {
      await expectCode(t.db.collection<Loose>('no_coll').listIndexes().toArray(), 26);
    });

    it('indexExists on a collection that does not exist fails with code 26 too', async () => {
      await expectCode(t.db.collection<Loose>('no_coll2').indexExists('a_1'), 26);
    });
  });
});
