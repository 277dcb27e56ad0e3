/**
 * Collections and databases: create, drop, list, rename, dropDatabase, listDatabases.
 */
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueDbName, useTestDatabase } from '../../helpers/mongo.js';
import { expectCode, type Loose, serverError } from './support.js';

describe('collections and databases', () => {
  const t = useTestDatabase('coll');
  const extraDbs: string[] = [];
  afterAll(async () => {
    for (const name of extraDbs)
      await t.client
        .db(name)
        .dropDatabase()
        .catch(() => {});
  });

  const names = async () =>
    (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();

  describe('createCollection', () => {
    it('creates an empty collection that listCollections reports', async () => {
      const coll = await t.db.createCollection('created');
      expect(coll.collectionName).toBe('created');
      expect(await names()).toContain('created');
      expect(await coll.countDocuments()).toBe(0);
    });

    it('succeeds again for an existing collection with identical options (create is idempotent since 7.0)', async () => {
      await t.db.createCollection('twice');
      await expect(t.db.createCollection('twice')).resolves.toBeDefined();
    });

    it('fails with code 48 NamespaceExists when the collection exists with different options', async () => {
      await t.db.collection<Loose>('implicit_then_create').insertOne({ a: 1 });
      const error = await serverError(
        t.db.createCollection('implicit_then_create', { validator: { a: { $exists: true } } }),
      );
      // The embedded server does not implement validators and may answer 115 CommandNotSupported instead.
      expect(t.embedded ? [48, 115] : [48]).toContain(error.code);
    });
  });

  describe('listCollections', () => {
    it('with nameOnly returns name and type', async () => {
      await t.db.collection<Loose>('listed').insertOne({ a: 1 });
      const entry = (await t.db.listCollections({ name: 'listed' }, { nameOnly: true }).toArray())[0];
      expect(entry).toEqual({ name: 'listed', type: 'collection' });
    });

    it('without nameOnly returns options, info (readOnly false, uuid) and the _id index', async () => {
      await t.db.collection<Loose>('listed_full').insertOne({ a: 1 });
      const [entry] = await t.db.listCollections({ name: 'listed_full' }).toArray();
      expect(entry).toMatchObject({
        name: 'listed_full',
        type: 'collection',
        options: {},
        info: { readOnly: false },
        idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
      });
      expect((entry as { info?: { uuid?: unknown } }).info?.uuid).toBeDefined();
    });

    it('applies a filter on name, including $in and regex', async () => {
      await t.db.collection<Loose>('flt_a').insertOne({});
      await t.db.collection<Loose>('flt_b').insertOne({});
      await t.db.collection<Loose>('other_c').insertOne({});
      const inList = await t.db
        .listCollections({ name: { $in: ['flt_a', 'other_c'] } }, { nameOnly: true })
        .toArray();
      expect(inList.map((c) => c.name).sort()).toEqual(['flt_a', 'other_c']);
      const byRegex = await t.db.listCollections({ name: /^flt_/ }, { nameOnly: true }).toArray();
      expect(byRegex.map((c) => c.name).sort()).toEqual(['flt_a', 'flt_b']);
    });

    it('db.collections() returns Collection objects for every collection', async () => {
      await t.db.collection<Loose>('via_collections').insertOne({});
      const colls = await t.db.collections();
      expect(colls.map((c) => c.collectionName)).toContain('via_collections');
    });
  });

  describe('drop', () => {
    it('drop removes the collection, its documents and its indexes, and resolves true', async () => {
      const coll = t.db.collection<Loose>('to_drop');
      await coll.insertMany([{ a: 1 }, { a: 2 }]);
      await coll.createIndex({ a: 1 }, { unique: true });
      await expect(coll.drop()).resolves.toBe(true);
      expect(await names()).not.toContain('to_drop');
      expect(await coll.countDocuments()).toBe(0);
      // Recreated implicitly, without the old unique index.
      await coll.insertMany([{ a: 1 }, { a: 1 }]);
      expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_']);
    });

    it('dropping a collection that does not exist resolves without error (true on 7.0)', async () => {
      await expect(t.db.collection<Loose>('never_existed').drop()).resolves.toBe(true);
    });

    it('db.dropCollection does the same', async () => {
      await t.db.collection<Loose>('drop_via_db').insertOne({});
      await expect(t.db.dropCollection('drop_via_db')).resolves.toBe(true);
      expect(await names()).not.toContain('drop_via_db');
    });
  });

  describe('renameCollection', () => {
    it('moves documents and indexes to the new name; the old name disappears', async () => {
      const src = t.db.collection<Loose>('rn_src');
      await src.insertMany([
        { _id: 1, k: 'a' },
        { _id: 2, k: 'b' },
      ]);
      await src.createIndex({ k: 1 }, { unique: true });
      const renamed = await src.rename('rn_dst');
      expect(renamed.collectionName).toBe('rn_dst');
      expect(await renamed.find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, k: 'a' },
        { _id: 2, k: 'b' },
      ]);
      expect(await renamed.indexExists('k_1')).toBe(true);
      await expectCode(renamed.insertOne({ k: 'a' }), 11000);
      const list = await names();
      expect(list).toContain('rn_dst');
      expect(list).not.toContain('rn_src');
    });

    it('fails with code 48 NamespaceExists when the target exists', async () => {
      await t.db.collection<Loose>('rn_a').insertOne({ from: 'a' });
      await t.db.collection<Loose>('rn_b').insertOne({ from: 'b' });
      await expectCode(t.db.collection<Loose>('rn_a').rename('rn_b'), 48);
      expect(await t.db.collection<Loose>('rn_b').findOne({}, { projection: { _id: 0 } })).toEqual({
        from: 'b',
      });
    });

    it('replaces an existing target with dropTarget: true', async () => {
      await t.db.collection<Loose>('rn_c').insertOne({ from: 'c' });
      await t.db.collection<Loose>('rn_d').insertOne({ from: 'd' });
      await t.db.collection<Loose>('rn_c').rename('rn_d', { dropTarget: true });
      expect(
        await t.db
          .collection<Loose>('rn_d')
          .find({}, { projection: { _id: 0 } })
          .toArray(),
      ).toEqual([{ from: 'c' }]);
      expect(await names()).not.toContain('rn_c');
    });

    it('moves a collection to another database with the admin renameCollection command', async () => {
      const other = uniqueDbName('rn');
      extraDbs.push(other);
      await t.db.collection<Loose>('rn_cross').insertMany([{ _id: 1 }, { _id: 2 }]);
      await t.client.db('admin').command({ renameCollection: `${t.name}.rn_cross`, to: `${other}.moved` });
      expect(await t.client.db(other).collection<Loose>('moved').countDocuments()).toBe(2);
      expect(await names()).not.toContain('rn_cross');
    });

    it('fails with code 26 NamespaceNotFound when the source does not exist', async () => {
      await expectCode(t.db.collection<Loose>('rn_missing').rename('rn_whatever'), 26);
    });
  });

  describe('databases', () => {
    it('listDatabases includes a database once it holds a collection, with sizeOnDisk and empty', async () => {
      await t.db.collection<Loose>('marker').insertOne({ a: 1 });
      const res = await t.client.db('admin').admin().listDatabases();
      const entry = res.databases.find((d) => d.name === t.name);
      expect(entry).toBeDefined();
      expect(typeof entry?.sizeOnDisk).toBe('number');
      expect(entry?.empty).toBe(false);
      expect(typeof res.totalSize).toBe('number');
    });

    it('listDatabases with nameOnly returns just the names', async () => {
      await t.db.collection<Loose>('marker').insertOne({ a: 2 });
      const res = await t.client.db('admin').admin().listDatabases({ nameOnly: true });
      expect(res.databases.map((d) => d.name)).toContain(t.name);
    });

    it('dropDatabase removes every collection of that database and it leaves listDatabases', async () => {
      const name = uniqueDbName('drop');
      extraDbs.push(name);
      const other = t.client.db(name);
      await other.collection<Loose>('x').insertOne({ a: 1 });
      await other.collection<Loose>('y').createIndex({ b: 1 });
      await expect(other.dropDatabase()).resolves.toBe(true);
      expect(await other.listCollections().toArray()).toEqual([]);
      const res = await t.client.db('admin').admin().listDatabases({ nameOnly: true });
      expect(res.databases.map((d) => d.name)).not.toContain(name);
    });

    it('dropping a database that does not exist succeeds', async () => {
      await expect(t.client.db(uniqueDbName('ghost')).dropDatabase()).resolves.toBe(true);
    });

    it('keeps databases separate: the same collection name in two databases holds different data', async () => {
      const name = uniqueDbName('sep');
      extraDbs.push(name);
      await t.db.collection<Loose>('shared_name').insertOne({ _id: 1, db: 'first' });
      await t.client.db(name).collection<Loose>('shared_name').insertOne({ _id: 1, db: 'second' });
      expect(await t.db.collection<Loose>('shared_name').findOne({ _id: 1 })).toEqual({
        _id: 1,
        db: 'first',
      });
      expect(await t.client.db(name).collection<Loose>('shared_name').findOne({ _id: 1 })).toEqual({
        _id: 1,
        db: 'second',
      });
    });

    it('a second client sees the writes of the first immediately', async () => {
      const other = new MongoClient(t.uri, { serverSelectionTimeoutMS: 5_000 });
      try {
        await t.db.collection<Loose>('visibility').insertOne({ _id: 'v', n: 1 });
        expect(await other.db(t.name).collection<Loose>('visibility').findOne({ _id: 'v' })).toEqual({
          _id: 'v',
          n: 1,
        });
      } finally {
        await other.close();
      }
    });
  });
});
