/**
 * deleteOne / deleteMany.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { freshName, type Loose } from './support.js';

describe('delete', () => {
  const t = useTestDatabase('del');

  async function seeded() {
    const coll = t.db.collection<Loose>(freshName('del'));
    await coll.insertMany([
      { _id: 1, g: 'a', sub: { k: 1 } },
      { _id: 2, g: 'a', sub: { k: 2 } },
      { _id: 3, g: 'a', sub: { k: 2 } },
      { _id: 4, g: 'b' },
    ]);
    return coll;
  }

  it('deleteOne removes exactly one matching document and reports deletedCount 1', async () => {
    const coll = await seeded();
    const res = await coll.deleteOne({ g: 'a' });
    expect(res).toEqual({ acknowledged: true, deletedCount: 1 });
    expect(await coll.countDocuments({ g: 'a' })).toBe(2);
  });

  it('deleteMany removes every match and reports how many', async () => {
    const coll = await seeded();
    expect(await coll.deleteMany({ g: 'a' })).toEqual({ acknowledged: true, deletedCount: 3 });
    expect((await coll.find().toArray()).map((d) => d._id)).toEqual([4]);
  });

  it('deletes through a dotted filter', async () => {
    const coll = await seeded();
    expect((await coll.deleteMany({ 'sub.k': 2 })).deletedCount).toBe(2);
    expect((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 4]);
  });

  it('reports 0 when nothing matches', async () => {
    const coll = await seeded();
    expect((await coll.deleteOne({ g: 'zzz' })).deletedCount).toBe(0);
    expect((await coll.deleteMany({ g: 'zzz' })).deletedCount).toBe(0);
    expect(await coll.countDocuments()).toBe(4);
  });

  it('deleteMany with an empty filter empties the collection but keeps it (and its indexes)', async () => {
    const coll = await seeded();
    await coll.createIndex({ g: 1 });
    expect((await coll.deleteMany({})).deletedCount).toBe(4);
    expect(await coll.countDocuments()).toBe(0);
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toContain(coll.collectionName);
    expect(await coll.indexExists('g_1')).toBe(true);
  });

  it('deleting from a collection that does not exist reports 0', async () => {
    expect((await t.db.collection<Loose>('never_created').deleteMany({})).deletedCount).toBe(0);
  });

  it('a deleted _id can be inserted again', async () => {
    const coll = await seeded();
    await coll.deleteOne({ _id: 1 });
    await coll.insertOne({ _id: 1, again: true });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, again: true });
  });
});
