/**
 * The query and write shapes Nimbo itself relies on (inventory upserts, tag filters, keyset pages),
 * asserted as mongod answers them, so the embedded server cannot drift where it matters most.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';

describe('patterns Nimbo relies on', () => {
  const t = useTestDatabase('patterns');

  it('lets an upsert that inserts set _id with $setOnInsert, and keeps it on later updates', async () => {
    const c = t.db.collection<{ _id: string; org: string; ext: string; n: number }>('upsert_id');
    const filter = { org: 'o1', ext: 'i-1' };
    const first = await c.updateOne(
      filter,
      { $set: { n: 1 }, $setOnInsert: { _id: 'mch_1' } },
      { upsert: true },
    );
    expect(first.upsertedId).toBe('mch_1');
    const second = await c.updateOne(
      filter,
      { $set: { n: 2 }, $setOnInsert: { _id: 'mch_other' } },
      { upsert: true },
    );
    expect(second).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await c.find().toArray()).toEqual([{ _id: 'mch_1', org: 'o1', ext: 'i-1', n: 2 }]);
  });

  it('does the same inside bulkWrite', async () => {
    const c = t.db.collection<{ _id: string; org: string; ext: string; n: number }>('upsert_id_bulk');
    const ops = ['a', 'b'].map((ext) => ({
      updateOne: {
        filter: { org: 'o1', ext },
        update: { $set: { n: 1 }, $setOnInsert: { _id: `id-${ext}` } },
        upsert: true,
      },
    }));
    const res = await c.bulkWrite(ops, { ordered: false });
    expect(res.upsertedCount).toBe(2);
    expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['id-a', 'id-b']);
  });

  it('accepts a compound index over two fields of the same array of subdocuments', async () => {
    const c = t.db.collection('tags');
    await c.createIndex({ org: 1, 'tags.k': 1, 'tags.v': 1 });
    await c.insertOne({
      org: 'o',
      tags: [
        { k: 'env', v: 'prod' },
        { k: 'team', v: 'core' },
      ],
    });
    const hits = await c.find({ org: 'o', tags: { $elemMatch: { k: 'env', v: 'prod' } } }).toArray();
    expect(hits).toHaveLength(1);
    expect(await c.countDocuments({ org: 'o', tags: { $elemMatch: { k: 'env', v: 'core' } } })).toBe(0);
  });

  it('keys a compound index over one array element by element, so a unique index refuses only true pairs', async () => {
    const c = t.db.collection('pairs');
    await c.createIndex({ 'attrs.k': 1, 'attrs.v': 1 }, { unique: true });
    await c.insertOne({
      _id: 1,
      attrs: [
        { k: 'a', v: 1 },
        { k: 'b', v: 2 },
      ],
    } as never);
    await c.insertOne({ _id: 2, attrs: [{ k: 'a', v: 2 }] } as never);
    await expect(c.insertOne({ _id: 3, attrs: [{ k: 'b', v: 2 }] } as never)).rejects.toMatchObject({
      code: 11000,
    });
    // Without $elemMatch, the two conditions may be met by different elements: both documents match.
    const cross = await c.find({ 'attrs.k': 'a', 'attrs.v': 2 }).sort({ _id: 1 }).toArray();
    expect(cross.map((d) => d._id)).toEqual([1, 2]);
    const same = await c.find({ attrs: { $elemMatch: { k: 'a', v: 2 } } }).toArray();
    expect(same.map((d) => d._id)).toEqual([2]);
  });

  it('answers $elemMatch and cross-element filters alike with and without the tag index', async () => {
    const indexed = t.db.collection('tags_indexed');
    const plain = t.db.collection('tags_plain');
    await indexed.createIndex({ org: 1, 'tags.k': 1, 'tags.v': 1 });
    const docs = [
      {
        _id: 1,
        org: 'o',
        tags: [
          { k: 'a', v: 1 },
          { k: 'b', v: 2 },
        ],
      },
      { _id: 2, org: 'o', tags: [{ k: 'a', v: 2 }] },
      { _id: 3, org: 'o', tags: [{ k: 'b', v: 1 }] },
      { _id: 4, org: 'o' },
      { _id: 5, org: 'o', tags: [] },
      { _id: 6, org: 'p', tags: [{ k: 'a', v: 2 }] },
      { _id: 7, org: 'o', tags: [{ k: 'a' }, { v: 2 }] },
    ];
    await indexed.insertMany(docs as never[]);
    await plain.insertMany(docs as never[]);
    const filters = [
      { org: 'o', tags: { $elemMatch: { k: 'a', v: 2 } } },
      { org: 'o', tags: { $elemMatch: { k: 'a' } } },
      { org: 'o', tags: { $elemMatch: { k: 'b', v: { $eq: 1 } } } },
      { org: 'o', 'tags.k': 'a', 'tags.v': 2 },
      { org: 'o', tags: { $elemMatch: { k: 'a' } }, 'tags.v': 2 },
      { org: 'o', tags: { $elemMatch: { k: 'a', v: null } } },
      { tags: { $elemMatch: { k: 'a', v: 2 } } },
    ];
    const expected = [[2], [1, 2, 7], [3], [1, 2, 7], [1, 2, 7], [7], [2, 6]];
    for (const [i, filter] of filters.entries()) {
      const a = (await indexed.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
      const b = (await plain.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
      expect({ filter, ids: a }).toEqual({ filter, ids: b });
      expect({ filter, ids: a }).toEqual({ filter, ids: expected[i] });
    }
  });

  it('pages with a keyset filter on (field, _id) including nulls', async () => {
    const c = t.db.collection<{ _id: string; name: string | null }>('keyset');
    await c.insertMany([
      { _id: 'a', name: null },
      { _id: 'b', name: 'x' },
      { _id: 'c', name: 'x' },
      { _id: 'd', name: 'y' },
    ]);
    const after = await c
      .find({ $or: [{ name: { $gt: 'x' } }, { name: 'x', _id: { $gt: 'b' } }] })
      .sort({ name: 1, _id: 1 })
      .toArray();
    expect(after.map((d) => d._id)).toEqual(['c', 'd']);
    const nullsFirst = await c.find().sort({ name: 1, _id: 1 }).toArray();
    expect(nullsFirst.map((d) => d._id)).toEqual(['a', 'b', 'c', 'd']);
  });
});
