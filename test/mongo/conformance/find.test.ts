/**
 * find: filters, sort (BSON order), skip/limit, projection, cursors and batching, counts, distinct.
 */
import { type ClientSession, type Document, Double, Int32, Long, ObjectId } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { asLong, expectCode, ids, type Loose } from './support.js';

const people = [
  {
    _id: 1,
    name: 'alice',
    age: 30,
    tags: ['a', 'b'],
    address: { city: 'Paris', zip: '75001' },
    scores: [80, 95],
    items: [
      { sku: 'x', qty: 1 },
      { sku: 'y', qty: 5 },
    ],
  },
  {
    _id: 2,
    name: 'bob',
    age: 25,
    tags: ['b', 'c'],
    address: { city: 'Lyon' },
    scores: [60, 70],
    items: [{ sku: 'y', qty: 2 }],
  },
  { _id: 3, name: 'Carol', age: 35, tags: [], address: { city: 'Paris' }, scores: [], items: [], nick: null },
  { _id: 4, name: 'dave', age: '40', nick: 'D' },
  { _id: 5, name: 'eve' },
];

describe('find', () => {
  const t = useTestDatabase('find');
  const coll = () => t.db.collection<Loose>('people');

  beforeAll(async () => {
    await coll().insertMany(people.map((p) => structuredClone(p)));
  });

  describe('filters', () => {
    it.each<[string, Document, number[]]>([
      ['equality on a top-level field', { name: 'bob' }, [2]],
      ['$ne (also matches missing fields and other types)', { age: { $ne: 30 } }, [2, 3, 4, 5]],
      [
        '$gt only compares within the same type bracket (the string "40" is not > 25)',
        { age: { $gt: 25 } },
        [1, 3],
      ],
      ['$gte with $lt', { age: { $gte: 25, $lt: 35 } }, [1, 2]],
      ['$lte', { age: { $lte: 25 } }, [2]],
      ['$in', { age: { $in: [25, 35] } }, [2, 3]],
      ['$nin (also matches missing fields)', { age: { $nin: [25, 35] } }, [1, 4, 5]],
      ['$exists false', { age: { $exists: false } }, [5]],
      ['$exists true (an explicit null counts as existing)', { nick: { $exists: true } }, [3, 4]],
      ['null matches both explicit null and a missing field', { nick: null }, [1, 2, 3, 5]],
      ['$ne null only matches present non-null values', { nick: { $ne: null } }, [4]],
      ['a regex literal with the i flag', { name: /^c/i }, [3]],
      ['$regex without options is case sensitive', { name: { $regex: '^a' } }, [1]],
      ['$regex with $options i', { name: { $regex: 'O', $options: 'i' } }, [2, 3]],
      ['$and', { $and: [{ age: { $gte: 25 } }, { tags: 'b' }] }, [1, 2]],
      ['$or', { $or: [{ name: 'alice' }, { age: '40' }] }, [1, 4]],
      ['$nor', { $nor: [{ age: { $exists: false } }, { tags: 'b' }] }, [3, 4]],
      ['$not (matches missing fields and other types too)', { age: { $not: { $gt: 25 } } }, [2, 4, 5]],
      ['a scalar against an array field means "array contains"', { tags: 'b' }, [1, 2]],
      ['an array value means exact array equality', { tags: ['a', 'b'] }, [1]],
      ['exact array equality is order sensitive', { tags: ['b', 'a'] }, []],
      ['$all', { tags: { $all: ['b', 'a'] } }, [1]],
      ['$size', { tags: { $size: 0 } }, [3]],
      ['a dotted path into a subdocument', { 'address.city': 'Paris' }, [1, 3]],
      ['a dotted path through an array of subdocuments', { 'items.sku': 'y' }, [1, 2]],
      ['a range on a dotted path through an array', { 'items.qty': { $gt: 4 } }, [1]],
      ['a numeric path component indexes into the array', { 'scores.1': 95 }, [1]],
      [
        'conditions on dotted array paths may be satisfied by different elements',
        { 'items.sku': 'x', 'items.qty': 5 },
        [1],
      ],
      [
        '$elemMatch requires one element to satisfy every condition',
        { items: { $elemMatch: { sku: 'x', qty: 5 } } },
        [],
      ],
      ['$elemMatch on subdocuments', { items: { $elemMatch: { sku: 'y', qty: { $gte: 5 } } } }, [1]],
      [
        'range conditions on an array without $elemMatch may use different elements',
        { scores: { $gt: 85, $lt: 90 } },
        [1],
      ],
      [
        '$elemMatch on scalars applies both bounds to one element',
        { scores: { $elemMatch: { $gt: 85, $lt: 90 } } },
        [],
      ],
      [
        'whole-subdocument equality is exact (extra fields do not match)',
        { address: { city: 'Paris' } },
        [3],
      ],
      ['$type string', { age: { $type: 'string' } }, [4]],
      ['$type number', { age: { $type: 'number' } }, [1, 2, 3]],
      ['an int64 query value matches an equal int32', { age: Long.fromNumber(30) }, [1]],
      [
        '$expr compares across types in BSON order (a string is greater than any number)',
        { $expr: { $gt: ['$age', 26] } },
        [1, 3, 4],
      ],
      ['an empty filter matches everything', {}, [1, 2, 3, 4, 5]],
      ['$in with a regex and a string', { name: { $in: [/^a/, 'bob'] } }, [1, 2]],
      [
        '$exists on a dotted path through an array of subdocuments',
        { 'items.sku': { $exists: true } },
        [1, 2],
      ],
      ['$exists false on a nested field', { 'address.zip': { $exists: false } }, [2, 3, 4, 5]],
      ['$mod', { age: { $mod: [10, 5] } }, [2, 3]],
      ['null on an array field matches documents without the field', { tags: null }, [4, 5]],
      ['$eq null behaves like null', { nick: { $eq: null } }, [1, 2, 3, 5]],
      ['$size does not match non-arrays', { age: { $size: 1 } }, []],
      ['a regex matches string elements of an array', { tags: /^c/ }, [2]],
      [
        '$and of two conditions on the same field',
        { $and: [{ age: { $gt: 20 } }, { age: { $lt: 32 } }] },
        [1, 2],
      ],
      ['$or inside $and', { $and: [{ $or: [{ tags: 'a' }, { tags: 'c' }] }, { age: { $lt: 30 } }] }, [2]],
      ['$in with null also matches missing fields', { nick: { $in: [null, 'D'] } }, [1, 2, 3, 4, 5]],
      ['$nin with null excludes missing fields', { nick: { $nin: [null] } }, [4]],
      ['$all with a single element behaves like contains', { tags: { $all: ['c'] } }, [2]],
      ['$elemMatch with $in', { items: { $elemMatch: { sku: { $in: ['x', 'z'] } } } }, [1]],
      [
        'a comparison on a subdocument field path that only some documents have',
        { 'address.zip': { $gte: '7' } },
        [1],
      ],
    ])('filters with %s', async (_label, filter, expected) => {
      expect(await ids(coll(), filter)).toEqual(expected);
    });

    it('matches ObjectId and Date values by equality and range', async () => {
      const c = t.db.collection<Loose>('typed');
      const early = new ObjectId('000000000000000000000001');
      const late = new ObjectId('ffffffffffffffffffffffff');
      await c.insertMany([
        { _id: 1, ref: early, at: new Date('2020-01-01T00:00:00Z') },
        { _id: 2, ref: late, at: new Date('2024-01-01T00:00:00Z') },
      ]);
      expect(await ids(c, { ref: early })).toEqual([1]);
      expect(await ids(c, { ref: { $gt: early } })).toEqual([2]);
      expect(await ids(c, { at: { $gte: new Date('2022-01-01T00:00:00Z') } })).toEqual([2]);
    });

    it.each<[string, Document, number[]]>([
      ['objectId', { v: { $type: 'objectId' } }, [1]],
      ['date', { v: { $type: 'date' } }, [2]],
      ['bool', { v: { $type: 'bool' } }, [3]],
      ['null', { v: { $type: 'null' } }, [4]],
      ['object', { v: { $type: 'object' } }, [5]],
      ['array (an array field, not its elements)', { v: { $type: 'array' } }, [6]],
      ['long', { v: { $type: 'long' } }, [7]],
      ['double', { v: { $type: 'double' } }, [8]],
      ['int', { v: { $type: 'int' } }, [9]],
      ['numeric code 7 (objectId)', { v: { $type: 7 } }, [1]],
      ['a list of types', { v: { $type: ['bool', 'null'] } }, [3, 4]],
    ])('$type %s selects only that BSON type', async (_label, filter, expected) => {
      const c = t.db.collection<Loose>('bson_types');
      if ((await c.countDocuments()) === 0) {
        await c.insertMany([
          { _id: 1, v: new ObjectId() },
          { _id: 2, v: new Date() },
          { _id: 3, v: true },
          { _id: 4, v: null },
          { _id: 5, v: { a: 1 } },
          { _id: 6, v: [] },
          { _id: 7, v: Long.fromString('9007199254740993') },
          { _id: 8, v: new Double(1.5) },
          { _id: 9, v: new Int32(3) },
          { _id: 10 },
        ]);
      }
      expect(await ids(c, filter)).toEqual(expected);
    });

    it('findOne returns null when nothing matches', async () => {
      expect(await coll().findOne({ name: 'nobody' })).toBeNull();
    });

    it('find on a collection that does not exist returns no documents', async () => {
      expect(await t.db.collection<Loose>('no_such_coll').find({}).toArray()).toEqual([]);
    });
  });

  describe('sort, skip and limit', () => {
    it('sorts ascending and descending on a numeric field', async () => {
      const filter = { age: { $type: 'number' } };
      expect((await coll().find(filter).sort({ age: 1 }).toArray()).map((d) => d._id)).toEqual([2, 1, 3]);
      expect((await coll().find(filter).sort({ age: -1 }).toArray()).map((d) => d._id)).toEqual([3, 1, 2]);
    });

    it('sorts strings by binary comparison (uppercase before lowercase)', async () => {
      expect((await coll().find().sort({ name: 1 }).toArray()).map((d) => d.name)).toEqual([
        'Carol',
        'alice',
        'bob',
        'dave',
        'eve',
      ]);
    });

    it('sorts on a compound key, each direction applied in turn', async () => {
      const c = t.db.collection<Loose>('compound_sort');
      await c.insertMany([
        { _id: 1, g: 'a', n: 2 },
        { _id: 2, g: 'b', n: 1 },
        { _id: 3, g: 'a', n: 1 },
        { _id: 4, g: 'b', n: 3 },
        { _id: 5, g: 'a', n: 3 },
      ]);
      expect((await c.find().sort({ g: 1, n: -1 }).toArray()).map((d) => d._id)).toEqual([5, 1, 3, 4, 2]);
      expect((await c.find().sort({ g: -1, n: 1 }).toArray()).map((d) => d._id)).toEqual([2, 4, 3, 1, 5]);
    });

    it('sorts mixed types in BSON order: null/missing < numbers < strings < objects < ObjectId < booleans < dates', async () => {
      const c = t.db.collection<Loose>('mixed_sort');
      await c.insertMany([
        { _id: 1, v: 'b' },
        { _id: 2, v: 2 },
        { _id: 3, v: null },
        { _id: 4, v: { x: 1 } },
        { _id: 5, v: true },
        { _id: 6, v: new Date('2020-01-01T00:00:00Z') },
        { _id: 7, v: new ObjectId('000000000000000000000001') },
        { _id: 8, v: 1.5 },
        { _id: 9, v: 'a' },
        { _id: 10 },
        { _id: 11, v: false },
      ]);
      const asc = (await c.find().sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id);
      expect(asc).toEqual([3, 10, 8, 2, 9, 1, 4, 7, 11, 5, 6]);
      const desc = (await c.find().sort({ v: -1, _id: 1 }).toArray()).map((d) => d._id);
      expect(desc).toEqual([6, 5, 11, 7, 4, 1, 9, 2, 8, 3, 10]);
    });

    it('sorts an array field by its smallest element ascending and its largest element descending', async () => {
      const c = t.db.collection<Loose>('array_sort');
      await c.insertMany([
        { _id: 1, v: [3, 10] },
        { _id: 2, v: 5 },
        { _id: 3, v: 1 },
      ]);
      expect((await c.find().sort({ v: 1 }).toArray()).map((d) => d._id)).toEqual([3, 1, 2]);
      expect((await c.find().sort({ v: -1 }).toArray()).map((d) => d._id)).toEqual([1, 2, 3]);
    });

    it('sorts on a field the projection leaves out', async () => {
      const docs = await coll()
        .find({ age: { $type: 'number' } }, { projection: { name: 1, _id: 0 } })
        .sort({ age: -1 })
        .toArray();
      expect(docs).toEqual([{ name: 'Carol' }, { name: 'alice' }, { name: 'bob' }]);
    });

    it('sorts ObjectIds by their creation time (hex order)', async () => {
      const c = t.db.collection<Loose>('oid_sort');
      const a = new ObjectId('650000000000000000000001');
      const b = new ObjectId('660000000000000000000001');
      const z = new ObjectId('6f0000000000000000000001');
      await c.insertMany([{ _id: b }, { _id: z }, { _id: a }]);
      expect((await c.find().sort({ _id: -1 }).toArray()).map((d) => String(d._id))).toEqual([
        String(z),
        String(b),
        String(a),
      ]);
    });

    it('applies sort, then skip, then limit', async () => {
      const docs = await coll().find().sort({ _id: -1 }).skip(1).limit(2).toArray();
      expect(docs.map((d) => d._id)).toEqual([4, 3]);
    });

    it('honours limit together with a smaller batchSize', async () => {
      const docs = await t.db
        .collection<Loose>('people')
        .find({}, { batchSize: 2 })
        .sort({ _id: 1 })
        .limit(3)
        .toArray();
      expect(docs.map((d) => d._id)).toEqual([1, 2, 3]);
    });

    it('sorts on a dotted path, treating documents without it as null', async () => {
      const docs = await coll().find().sort({ 'address.city': 1, _id: 1 }).toArray();
      expect(docs.map((d) => d._id)).toEqual([4, 5, 2, 1, 3]);
    });

    it('treats limit 0 as no limit and a skip past the end as an empty result', async () => {
      expect(await coll().find().limit(0).toArray()).toHaveLength(5);
      expect(await coll().find().skip(10).toArray()).toEqual([]);
    });
  });

  describe('projection', () => {
    it('an inclusion projection returns the listed fields plus _id', async () => {
      expect(await coll().findOne({ _id: 1 }, { projection: { name: 1 } })).toEqual({
        _id: 1,
        name: 'alice',
      });
    });

    it('_id: 1 alone returns only _id, and _id: 0 alone everything else', async () => {
      expect(await coll().findOne({ _id: 1 }, { projection: { _id: 1 } })).toEqual({ _id: 1 });
      const rest = await coll().findOne({ _id: 1 }, { projection: { _id: 0 } });
      expect(rest).not.toHaveProperty('_id');
      expect(rest).toHaveProperty('name', 'alice');
    });

    it('_id: 0 removes _id from an inclusion projection', async () => {
      const doc = await coll().findOne({ _id: 1 }, { projection: { name: 1, _id: 0 } });
      expect(doc).toEqual({ name: 'alice' });
    });

    it('an inclusion projection keeps the stored field order, not the projection order', async () => {
      const doc = await coll().findOne({ _id: 1 }, { projection: { age: 1, name: 1 } });
      expect(Object.keys(doc ?? {})).toEqual(['_id', 'name', 'age']);
    });

    it('an exclusion projection returns every other field', async () => {
      const doc = await coll().findOne({ _id: 2 }, { projection: { items: 0, scores: 0, address: 0 } });
      expect(doc).toEqual({ _id: 2, name: 'bob', age: 25, tags: ['b', 'c'] });
    });

    it('a dotted inclusion projects into subdocuments', async () => {
      const doc = await coll().findOne({ _id: 1 }, { projection: { 'address.city': 1, _id: 0 } });
      expect(doc).toEqual({ address: { city: 'Paris' } });
    });

    it('a dotted inclusion projects into every element of an array of subdocuments', async () => {
      const doc = await coll().findOne({ _id: 1 }, { projection: { 'items.sku': 1, _id: 0 } });
      expect(doc).toEqual({ items: [{ sku: 'x' }, { sku: 'y' }] });
    });

    it('a dotted exclusion removes only the nested field', async () => {
      const doc = await coll().findOne(
        { _id: 1 },
        { projection: { 'address.zip': 0, items: 0, scores: 0, tags: 0 } },
      );
      expect(doc).toEqual({ _id: 1, name: 'alice', age: 30, address: { city: 'Paris' } });
    });

    it('projecting a missing field returns just _id', async () => {
      expect(await coll().findOne({ _id: 5 }, { projection: { age: 1 } })).toEqual({ _id: 5 });
    });

    it('$slice keeps the other fields and trims the array', async () => {
      const doc = await coll().findOne({ _id: 1 }, { projection: { scores: { $slice: -1 } } });
      expect(doc?.scores).toEqual([95]);
      expect(doc?.name).toBe('alice');
      expect(doc?.items).toHaveLength(2);
    });

    it('$elemMatch projection returns only the first matching element', async () => {
      const doc = await coll().findOne({ _id: 1 }, { projection: { items: { $elemMatch: { sku: 'y' } } } });
      expect(doc).toEqual({ _id: 1, items: [{ sku: 'y', qty: 5 }] });
    });

    it('the positional $ projection returns the element matched by the query', async () => {
      const doc = await coll().findOne({ 'items.sku': 'y', _id: 1 }, { projection: { 'items.$': 1 } });
      expect(doc).toEqual({ _id: 1, items: [{ sku: 'y', qty: 5 }] });
    });

    it('rejects mixing inclusion and exclusion with code 31254', async () => {
      await expectCode(
        coll()
          .find({}, { projection: { name: 1, age: 0 } })
          .toArray(),
        31254,
      );
    });

    it('does not alter stored documents: an exclusion projection followed by a plain find still shows every field', async () => {
      await coll()
        .find({}, { projection: { 'items.qty': 0, 'address.zip': 0, tags: 0 } })
        .toArray();
      await coll()
        .find({}, { projection: { 'items.sku': 1 } })
        .toArray();
      const all = await coll().find().sort({ _id: 1 }).toArray();
      expect(all).toEqual(people);
    });
  });

  describe('cursors', () => {
    const withSession = async (body: (s: { session: ClientSession }) => Promise<void>) => {
      const session = t.client.startSession();
      try {
        await body({ session });
      } finally {
        await session.endSession();
      }
    };

    beforeAll(async () => {
      await t.db
        .collection<Loose>('many')
        .insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, v: `v${i}` })));
    });

    it('returns each of 250 documents exactly once when iterated with batchSize 7', async () => {
      const seen: number[] = [];
      for await (const doc of t.db.collection<Loose>('many').find({}, { batchSize: 7 }).sort({ _id: 1 })) {
        seen.push(doc._id as unknown as number);
      }
      expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i));
    });

    it('returns all documents from toArray across several getMore batches (default first batch is 101)', async () => {
      const docs = await t.db.collection<Loose>('many').find().toArray();
      expect(new Set(docs.map((d) => d._id)).size).toBe(250);
    });

    it('can be closed early; the server forgets the cursor', async () => {
      const cursor = t.db.collection<Loose>('many').find({}, { batchSize: 5 });
      const first = await cursor.next();
      expect(first).not.toBeNull();
      await cursor.next();
      const id = asLong(cursor.id);
      expect(id.isZero()).toBe(false);
      await cursor.close();
      expect(cursor.killed).toBe(true);
      // The driver sent killCursors: the id is unknown to the server now.
      await expectCode(t.db.command({ getMore: id, collection: 'many' }), 43);
      // The collection is still fully readable afterwards.
      expect(await t.db.collection<Loose>('many').countDocuments()).toBe(250);
    });

    // Raw cursor commands share one explicit session: mongod only lets the session that created a cursor iterate it.
    it('returns a non-zero int64 cursor id and the namespace when a batch does not exhaust the results', () =>
      withSession(async (s) => {
        const reply = await t.db.command({ find: 'many', filter: {}, batchSize: 2 }, { session: s.session });
        expect(reply.cursor.ns).toBe(`${t.name}.many`);
        expect(reply.cursor.firstBatch).toHaveLength(2);
        const id = asLong(reply.cursor.id);
        expect(id.isZero()).toBe(false);
        const more = await t.db.command(
          { getMore: id, collection: 'many', batchSize: 3 },
          { session: s.session },
        );
        expect(more.cursor.nextBatch).toHaveLength(3);
        expect(more.cursor.ns).toBe(`${t.name}.many`);
        await t.db.command({ killCursors: 'many', cursors: [id] }, { session: s.session });
      }));

    it('returns cursor id 0 when the first batch holds everything', async () => {
      const reply = await t.db.command({ find: 'people', filter: {} });
      expect(asLong(reply.cursor.id).isZero()).toBe(true);
      expect(reply.cursor.firstBatch).toHaveLength(5);
    });

    it('killCursors reports the killed cursor, and a later getMore on it fails with code 43 CursorNotFound', () =>
      withSession(async (s) => {
        const reply = await t.db.command({ find: 'many', filter: {}, batchSize: 2 }, { session: s.session });
        const id = asLong(reply.cursor.id);
        const killed = await t.db.command({ killCursors: 'many', cursors: [id] }, { session: s.session });
        expect(killed.cursorsKilled.map((c: unknown) => asLong(c).toString())).toEqual([id.toString()]);
        await expectCode(t.db.command({ getMore: id, collection: 'many' }, { session: s.session }), 43);
      }));

    it('a getMore on a cursor id that never existed fails with code 43', async () => {
      await expectCode(t.db.command({ getMore: Long.fromString('123456789'), collection: 'many' }), 43);
    });
  });

  describe('counting and distinct', () => {
    it('countDocuments counts matches and honours skip and limit', async () => {
      expect(await coll().countDocuments()).toBe(5);
      expect(await coll().countDocuments({ age: { $gte: 25 } })).toBe(3);
      expect(await coll().countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
      expect(await coll().countDocuments({}, { skip: 4 })).toBe(1);
    });

    it('countDocuments on a collection that does not exist is 0', async () => {
      expect(await t.db.collection<Loose>('missing_for_count').countDocuments()).toBe(0);
    });

    it('estimatedDocumentCount returns the collection size', async () => {
      expect(await coll().estimatedDocumentCount()).toBe(5);
      expect(await t.db.collection<Loose>('missing_for_estimate').estimatedDocumentCount()).toBe(0);
    });

    it('distinct fans out array values and removes duplicates', async () => {
      expect((await coll().distinct('tags')).sort()).toEqual(['a', 'b', 'c']);
    });

    it('distinct follows dotted paths, including through arrays of subdocuments', async () => {
      expect((await coll().distinct('address.city')).sort()).toEqual(['Lyon', 'Paris']);
      expect((await coll().distinct('items.sku')).sort()).toEqual(['x', 'y']);
    });

    it('distinct applies the filter and skips documents without the field', async () => {
      expect((await coll().distinct('tags', { age: { $lt: 30 } })).sort()).toEqual(['b', 'c']);
      expect((await coll().distinct('nick')).map(String).sort()).toEqual(['D', 'null']);
    });

    it('distinct treats numerically equal values of different types as one value', async () => {
      const c = t.db.collection<Loose>('distinct_numbers');
      await c.insertMany([{ n: 1 }, { n: 1.0 }, { n: Long.fromNumber(1) }, { n: 2 }]);
      expect((await c.distinct('n')).map(Number).sort()).toEqual([1, 2]);
    });

    it('distinct on a collection that does not exist returns an empty list', async () => {
      expect(await t.db.collection<Loose>('missing_for_distinct').distinct('x')).toEqual([]);
    });
  });
});
