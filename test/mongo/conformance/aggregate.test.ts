/**
 * aggregate: the common stages and accumulators, $lookup, $facet, cursors, and the guarantee that pipelines
 * never alter the stored documents.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { expectCode, type Loose } from './support.js';

const sales = [
  { _id: 1, item: 'a', qty: 2, price: 10, tags: ['x', 'y'], store: 's1', meta: { src: 'web' } },
  { _id: 2, item: 'b', qty: 1, price: 20, tags: ['x'], store: 's1', meta: { src: 'app' } },
  { _id: 3, item: 'a', qty: 5, price: 10, tags: [], store: 's2', meta: { src: 'web' } },
  { _id: 4, item: 'c', qty: 3, price: 5, store: 's2', meta: { src: 'web' } },
  { _id: 5, item: 'b', qty: 4, price: 20, tags: null, store: 's1', meta: { src: 'app' } },
];

describe('aggregate', () => {
  const t = useTestDatabase('agg');
  const coll = () => t.db.collection<Loose>('sales');

  beforeAll(async () => {
    await coll().insertMany(sales.map((s) => structuredClone(s)));
    await t.db.collection<Loose>('catalog').insertMany([
      { _id: 'a', label: 'Apple', cat: 'fruit' },
      { _id: 'b', label: 'Bread', cat: 'bakery' },
    ]);
  });

  it('$match filters like find', async () => {
    const docs = await coll()
      .aggregate([{ $match: { qty: { $gte: 3 } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(docs.map((d) => d._id)).toEqual([3, 4, 5]);
  });

  it('$group computes $sum, $avg, $min, $max, $push and $addToSet per key', async () => {
    const docs = await coll()
      .aggregate([
        { $sort: { _id: 1 } },
        {
          $group: {
            _id: '$item',
            total: { $sum: '$qty' },
            count: { $sum: 1 },
            avgPrice: { $avg: '$price' },
            minQty: { $min: '$qty' },
            maxQty: { $max: '$qty' },
            qtys: { $push: '$qty' },
            stores: { $addToSet: '$store' },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    for (const d of docs) d.stores.sort();
    expect(docs).toEqual([
      {
        _id: 'a',
        total: 7,
        count: 2,
        avgPrice: 10,
        minQty: 2,
        maxQty: 5,
        qtys: [2, 5],
        stores: ['s1', 's2'],
      },
      { _id: 'b', total: 5, count: 2, avgPrice: 20, minQty: 1, maxQty: 4, qtys: [1, 4], stores: ['s1'] },
      { _id: 'c', total: 3, count: 1, avgPrice: 5, minQty: 3, maxQty: 3, qtys: [3], stores: ['s2'] },
    ]);
  });

  it('$group with _id null aggregates the whole input, with expressions inside accumulators', async () => {
    const docs = await coll()
      .aggregate([
        { $group: { _id: null, revenue: { $sum: { $multiply: ['$qty', '$price'] } }, n: { $sum: 1 } } },
      ])
      .toArray();
    expect(docs).toEqual([{ _id: null, revenue: 185, n: 5 }]);
  });

  it('$group on a compound key', async () => {
    const docs = await coll()
      .aggregate([
        { $group: { _id: { item: '$item', store: '$store' }, n: { $sum: 1 } } },
        { $sort: { '_id.item': 1, '_id.store': 1 } },
      ])
      .toArray();
    expect(docs).toEqual([
      { _id: { item: 'a', store: 's1' }, n: 1 },
      { _id: { item: 'a', store: 's2' }, n: 1 },
      { _id: { item: 'b', store: 's1' }, n: 2 },
      { _id: { item: 'c', store: 's2' }, n: 1 },
    ]);
  });

  it('$first and $last follow the preceding $sort', async () => {
    const docs = await coll()
      .aggregate([
        { $sort: { qty: 1 } },
        { $group: { _id: '$item', first: { $first: '$qty' }, last: { $last: '$qty' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(docs).toEqual([
      { _id: 'a', first: 2, last: 5 },
      { _id: 'b', first: 1, last: 4 },
      { _id: 'c', first: 3, last: 3 },
    ]);
  });

  it('$sum ignores missing and non-numeric values and $avg of no numbers is null', async () => {
    const docs = await coll()
      .aggregate([
        { $group: { _id: null, s: { $sum: '$nope' }, a: { $avg: '$nope' }, t: { $sum: '$item' } } },
      ])
      .toArray();
    expect(docs).toEqual([{ _id: null, s: 0, a: null, t: 0 }]);
  });

  it('$sort, $skip and $limit page through the results', async () => {
    const docs = await coll()
      .aggregate([{ $sort: { qty: -1 } }, { $skip: 1 }, { $limit: 2 }])
      .toArray();
    expect(docs.map((d) => d._id)).toEqual([5, 4]);
  });

  it('$project includes fields, computes new ones and can drop _id', async () => {
    const docs = await coll()
      .aggregate([
        { $match: { _id: { $in: [1, 4] } } },
        { $sort: { _id: 1 } },
        { $project: { _id: 0, item: 1, total: { $multiply: ['$qty', '$price'] }, src: '$meta.src' } },
      ])
      .toArray();
    expect(docs).toEqual([
      { item: 'a', total: 20, src: 'web' },
      { item: 'c', total: 15, src: 'web' },
    ]);
  });

  it('$addFields adds top-level and nested fields and keeps the rest', async () => {
    const docs = await coll()
      .aggregate([
        { $match: { _id: 2 } },
        { $addFields: { total: { $multiply: ['$qty', '$price'] }, 'meta.checked': true } },
      ])
      .toArray();
    expect(docs).toEqual([
      {
        _id: 2,
        item: 'b',
        qty: 1,
        price: 20,
        tags: ['x'],
        store: 's1',
        meta: { src: 'app', checked: true },
        total: 20,
      },
    ]);
  });

  it('$unwind emits one document per array element and drops missing, null and empty arrays', async () => {
    const docs = await coll()
      .aggregate([{ $unwind: '$tags' }, { $project: { tags: 1 } }, { $sort: { _id: 1, tags: 1 } }])
      .toArray();
    expect(docs).toEqual([
      { _id: 1, tags: 'x' },
      { _id: 1, tags: 'y' },
      { _id: 2, tags: 'x' },
    ]);
  });

  it('$unwind with preserveNullAndEmptyArrays and includeArrayIndex keeps every document', async () => {
    const docs = await coll()
      .aggregate([
        { $unwind: { path: '$tags', preserveNullAndEmptyArrays: true, includeArrayIndex: 'idx' } },
        { $project: { tags: 1, idx: 1 } },
        { $sort: { _id: 1, idx: 1 } },
      ])
      .toArray();
    expect(docs).toEqual([
      { _id: 1, tags: 'x', idx: 0 },
      { _id: 1, tags: 'y', idx: 1 },
      { _id: 2, tags: 'x', idx: 0 },
      // An empty array leaves the field out, a missing field stays missing, a null stays null.
      { _id: 3, idx: null },
      { _id: 4, idx: null },
      { _id: 5, tags: null, idx: null },
    ]);
  });

  it('$unwind treats a non-array value as a one-element array', async () => {
    const c = t.db.collection<Loose>('unwind_scalar');
    await c.insertOne({ _id: 1, v: 'solo' });
    expect(await c.aggregate([{ $unwind: '$v' }]).toArray()).toEqual([{ _id: 1, v: 'solo' }]);
  });

  it('$lookup with localField/foreignField joins matching documents into an array (empty when none)', async () => {
    const docs = await coll()
      .aggregate([
        { $match: { _id: { $in: [1, 4] } } },
        { $sort: { _id: 1 } },
        { $lookup: { from: 'catalog', localField: 'item', foreignField: '_id', as: 'product' } },
        { $project: { item: 1, product: 1 } },
      ])
      .toArray();
    expect(docs).toEqual([
      { _id: 1, item: 'a', product: [{ _id: 'a', label: 'Apple', cat: 'fruit' }] },
      { _id: 4, item: 'c', product: [] },
    ]);
  });

  it('$lookup with an array localField matches any of its elements', async () => {
    const orders = t.db.collection<Loose>('orders_multi');
    await orders.insertOne({ _id: 'o1', items: ['a', 'b', 'zzz'] });
    const [doc] = await orders
      .aggregate([{ $lookup: { from: 'catalog', localField: 'items', foreignField: '_id', as: 'products' } }])
      .toArray();
    expect((doc!.products as Loose[]).map((p) => p._id).sort()).toEqual(['a', 'b']);
  });

  it('$lookup with let and a pipeline', async () => {
    const docs = await coll()
      .aggregate([
        { $match: { _id: 2 } },
        {
          $lookup: {
            from: 'catalog',
            let: { it: '$item' },
            pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$it'] } } }, { $project: { _id: 0, label: 1 } }],
            as: 'product',
          },
        },
        { $project: { product: 1 } },
      ])
      .toArray();
    expect(docs).toEqual([{ _id: 2, product: [{ label: 'Bread' }] }]);
  });

  it('$lookup from a collection that does not exist yields empty arrays', async () => {
    const docs = await coll()
      .aggregate([
        { $match: { _id: 1 } },
        { $lookup: { from: 'nowhere', localField: 'item', foreignField: 'x', as: 'j' } },
        { $project: { j: 1 } },
      ])
      .toArray();
    expect(docs).toEqual([{ _id: 1, j: [] }]);
  });

  it('$count returns one document with the count, and no document at all for an empty input', async () => {
    expect(
      await coll()
        .aggregate([{ $match: { store: 's1' } }, { $count: 'n' }])
        .toArray(),
    ).toEqual([{ n: 3 }]);
    expect(
      await coll()
        .aggregate([{ $match: { store: 'none' } }, { $count: 'n' }])
        .toArray(),
    ).toEqual([]);
  });

  it('$facet runs several sub-pipelines over the same input', async () => {
    const docs = await coll()
      .aggregate([
        {
          $facet: {
            byStore: [{ $group: { _id: '$store', n: { $sum: 1 } } }, { $sort: { _id: 1 } }],
            top: [{ $sort: { qty: -1 } }, { $limit: 1 }, { $project: { _id: 1 } }],
            none: [{ $match: { qty: 1000 } }],
          },
        },
      ])
      .toArray();
    expect(docs).toEqual([
      {
        byStore: [
          { _id: 's1', n: 3 },
          { _id: 's2', n: 2 },
        ],
        top: [{ _id: 3 }],
        none: [],
      },
    ]);
  });

  it('$replaceRoot promotes a subdocument', async () => {
    const docs = await coll()
      .aggregate([{ $match: { _id: 2 } }, { $replaceRoot: { newRoot: '$meta' } }])
      .toArray();
    expect(docs).toEqual([{ src: 'app' }]);
  });

  it('$match with $expr compares two fields of the same document', async () => {
    const docs = await coll()
      .aggregate([
        { $match: { $expr: { $gt: ['$price', { $multiply: ['$qty', 4] }] } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(docs.map((d) => d._id)).toEqual([1, 2, 5]);
  });

  it('evaluates the common expression operators', async () => {
    const c = t.db.collection<Loose>('expr_ops');
    await c.insertOne({
      _id: 1,
      first: 'ada',
      last: 'lovelace',
      nick: null,
      n: 7,
      list: [3, 1, 2],
      at: new Date('2024-03-05T10:20:30Z'),
    });
    const [doc] = await c
      .aggregate([
        {
          $project: {
            _id: 0,
            full: { $concat: ['$first', ' ', '$last'] },
            upper: { $toUpper: '$first' },
            nick: { $ifNull: ['$nick', 'none'] },
            parity: { $cond: [{ $eq: [{ $mod: ['$n', 2] }, 0] }, 'even', 'odd'] },
            size: { $size: '$list' },
            second: { $arrayElemAt: ['$list', 1] },
            day: { $dateToString: { format: '%Y-%m-%d', date: '$at' } },
            sum: { $sum: '$list' },
            max: { $max: '$list' },
            inList: { $in: [2, '$list'] },
            sub: { $substrBytes: ['$last', 0, 4] },
            half: { $divide: ['$n', 2] },
            rounded: { $round: [{ $divide: ['$n', 3] }, 2] },
            year: { $year: '$at' },
            month: { $month: '$at' },
            dom: { $dayOfMonth: '$at' },
            hour: { $hour: '$at' },
          },
        },
      ])
      .toArray();
    expect(doc).toEqual({
      full: 'ada lovelace',
      upper: 'ADA',
      nick: 'none',
      parity: 'odd',
      size: 3,
      second: 1,
      day: '2024-03-05',
      sum: 6,
      max: 3,
      inList: true,
      sub: 'love',
      half: 3.5,
      rounded: 2.33,
      year: 2024,
      month: 3,
      dom: 5,
      hour: 10,
    });
  });

  it('$group with the $count accumulator and $sortByCount', async () => {
    const counted = await coll()
      .aggregate([{ $group: { _id: '$store', n: { $count: {} } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(counted).toEqual([
      { _id: 's1', n: 3 },
      { _id: 's2', n: 2 },
    ]);
    const byCount = await coll()
      .aggregate([{ $sortByCount: '$store' }])
      .toArray();
    expect(byCount).toEqual([
      { _id: 's1', count: 3 },
      { _id: 's2', count: 2 },
    ]);
  });

  it('$project exclusion and $unset remove fields', async () => {
    const docs = await coll()
      .aggregate([{ $match: { _id: 4 } }, { $project: { meta: 0, price: 0 } }, { $unset: 'store' }])
      .toArray();
    expect(docs).toEqual([{ _id: 4, item: 'c', qty: 3 }]);
  });

  it('$set is an alias of $addFields', async () => {
    const docs = await coll()
      .aggregate([
        { $match: { _id: 4 } },
        { $set: { double: { $multiply: ['$qty', 2] } } },
        { $project: { double: 1 } },
      ])
      .toArray();
    expect(docs).toEqual([{ _id: 4, double: 6 }]);
  });

  it('$group on an array field groups by the whole array', async () => {
    const docs = await coll()
      .aggregate([
        { $match: { _id: { $in: [1, 2] } } },
        { $group: { _id: '$tags', n: { $sum: 1 } } },
        { $sort: { n: 1 } },
      ])
      .toArray();
    expect(docs.map((d) => d._id).sort()).toEqual([['x'], ['x', 'y']]);
  });

  it('rejects an unknown stage with code 40324', async () => {
    await expectCode(
      coll()
        .aggregate([{ $nimboStage: {} }])
        .toArray(),
      40324,
    );
  });

  it('never alters the stored documents ($unwind + $project + $addFields + $group $push of $$ROOT)', async () => {
    await coll()
      .aggregate([{ $unwind: '$tags' }, { $project: { tags: 0, 'meta.src': 0 } }, { $addFields: { qty: 0 } }])
      .toArray();
    await coll()
      .aggregate([
        { $group: { _id: null, all: { $push: '$$ROOT' } } },
        { $unwind: '$all' },
        { $project: { 'all.meta': 0 } },
      ])
      .toArray();
    await coll()
      .aggregate([
        { $lookup: { from: 'catalog', localField: 'item', foreignField: '_id', as: 'p' } },
        { $unwind: '$p' },
        { $project: { 'p.label': 0 } },
      ])
      .toArray();
    expect(await coll().find().sort({ _id: 1 }).toArray()).toEqual(sales);
    expect(await t.db.collection<Loose>('catalog').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', label: 'Apple', cat: 'fruit' },
      { _id: 'b', label: 'Bread', cat: 'bakery' },
    ]);
  });

  it('returns every result once when iterated with a small batchSize', async () => {
    const c = t.db.collection<Loose>('agg_batches');
    await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, even: i % 2 === 0 })));
    const seen: unknown[] = [];
    for await (const d of c.aggregate([{ $match: {} }, { $sort: { _id: 1 } }], { batchSize: 5 }))
      seen.push(d._id);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('aggregate over a collection that does not exist returns no documents', async () => {
    expect(
      await t.db
        .collection<Loose>('agg_missing')
        .aggregate([{ $match: {} }])
        .toArray(),
    ).toEqual([]);
  });

  it('countDocuments-style pipelines ($match, $group with $sum 1) count correctly', async () => {
    const docs = await coll()
      .aggregate([{ $match: { item: 'b' } }, { $group: { _id: 1, n: { $sum: 1 } } }])
      .toArray();
    expect(docs).toEqual([{ _id: 1, n: 2 }]);
  });
});
