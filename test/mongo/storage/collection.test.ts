import { Decimal128, Long, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../../local/mongo/storage/index.js';

async function users() {
  const engine = await openStorage({});
  const c = engine.ensureCollection('app', 'users');
  return { engine, c };
}

function errorOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected an error');
}

describe('collection basics', () => {
  it('keeps documents in insertion order and finds them by _id across numeric widths', async () => {
    const { c } = await users();
    c.insert({ _id: 2, n: 'b' });
    c.insert({ _id: 1, n: 'a' });
    expect([...c.all()].map((d) => d._id)).toEqual([2, 1]);
    expect(c.findById(1)?.n).toBe('a');
    expect(c.findById(1.0)?.n).toBe('a');
    expect(c.count()).toBe(2);
  });

  it('keeps a replaced document at its natural-order position', async () => {
    const { c } = await users();
    for (const id of [1, 2, 3]) c.insert({ _id: id, v: 0 });
    c.replace({ _id: 2, v: 1 });
    expect([...c.all()].map((d) => [d._id, d.v])).toEqual([
      [1, 0],
      [2, 1],
      [3, 0],
    ]);
  });

  it('rejects a duplicate _id with code 11000 on index _id_', async () => {
    const { c } = await users();
    const id = new ObjectId('65f000000000000000000001');
    c.insert({ _id: id });
    expect(errorOf(() => c.insert({ _id: id })).message).toBe(
      "E11000 duplicate key error collection: app.users index: _id_ dup key: { _id: ObjectId('65f000000000000000000001') }",
    );
  });

  it('tracks an approximate BSON data size through inserts, replaces and removes', async () => {
    const { c } = await users();
    expect(c.dataSize()).toBe(0);
    c.insert({ _id: 1, s: 'x'.repeat(100) });
    const one = c.dataSize();
    expect(one).toBeGreaterThan(100);
    c.replace({ _id: 1, s: 'x'.repeat(1000) });
    expect(c.dataSize()).toBeGreaterThan(1000);
    c.remove(1);
    expect(c.dataSize()).toBe(0);
  });

  it('creates, lists and drops collections and databases', async () => {
    const { engine } = await users();
    engine.createCollection('app', 'orders', { validator: {} });
    expect(errorOf(() => engine.createCollection('app', 'orders')).code).toBe(48);
    expect(
      engine
        .listCollections('app')
        .map((c) => c.name)
        .sort(),
    ).toEqual(['orders', 'users']);
    expect(engine.listCollections('app').find((c) => c.name === 'orders')?.options).toEqual({
      validator: {},
    });
    expect(engine.listDatabases()).toEqual(['app']);
    expect(engine.dropCollection('app', 'orders')).toBe(true);
    expect(engine.dropCollection('app', 'orders')).toBe(false);
    engine.dropDatabase('app');
    expect(engine.listDatabases()).toEqual([]);
  });

  it('renames a collection keeping its uuid, documents and indexes; errors like mongod', async () => {
    const { engine, c } = await users();
    c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true });
    c.insert({ _id: 1, email: 'a@x' });
    const uuid = c.info().uuid;
    engine.ensureCollection('app', 'taken');
    expect(errorOf(() => engine.renameCollection('app', 'nope', 'app', 'x', false)).code).toBe(26);
    expect(errorOf(() => engine.renameCollection('app', 'users', 'app', 'taken', false)).code).toBe(48);
    engine.renameCollection('app', 'users', 'other', 'people', false);
    const moved = engine.getCollection('other', 'people')!;
    expect(moved.info().uuid).toEqual(uuid);
    expect(moved.findById(1)?.email).toBe('a@x');
    expect(moved.listIndexes().map((i) => i.name)).toEqual(['_id_', 'email_1']);
    expect(engine.getCollection('app', 'users')).toBeUndefined();
    expect(errorOf(() => moved.insert({ _id: 2, email: 'a@x' })).message).toContain(
      'collection: other.people',
    );
  });
});

describe('unique indexes', () => {
  it('rejects a unique violation with mongod’s message and leaves the collection intact', async () => {
    const { c } = await users();
    c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true });
    c.createIndex({ name: 'age_1', key: { age: 1 } });
    c.insert({ _id: 1, email: 'a@x', age: 30 });
    const err = errorOf(() => c.insert({ _id: 2, email: 'a@x', age: 40 }));
    expect(err).toMatchObject({
      code: 11000,
      message: 'E11000 duplicate key error collection: app.users index: email_1 dup key: { email: "a@x" }',
      extra: { keyPattern: { email: 1 }, keyValue: { email: 'a@x' } },
    });
    expect(c.count()).toBe(1);
    expect(c.findById(2)).toBeUndefined();
    expect([...c.candidates({ age: 40 })]).toEqual([]);
  });

  it('keeps the old document when a replace would violate a unique index', async () => {
    const { c } = await users();
    c.createIndex({ name: 'age_1', key: { age: 1 } });
    c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true });
    c.insert({ _id: 1, email: 'a@x', age: 1 });
    c.insert({ _id: 2, email: 'b@x', age: 2 });
    expect(errorOf(() => c.replace({ _id: 2, email: 'a@x', age: 99 })).code).toBe(11000);
    expect(c.findById(2)).toEqual({ _id: 2, email: 'b@x', age: 2 });
    expect([...c.candidates({ age: 99 })]).toEqual([]);
    expect([...c.candidates({ age: 2 })].map((d) => d._id)).toEqual([2]);
    c.replace({ _id: 2, email: 'b@x', age: 3 }); // its own key is not a duplicate
    expect([...c.candidates({ age: 3 })].map((d) => d._id)).toEqual([2]);
  });

  it('treats a missing field as null: two documents without it collide unless the index is sparse', async () => {
    const { c } = await users();
    c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true });
    c.insert({ _id: 1 });
    expect(errorOf(() => c.insert({ _id: 2 })).message).toContain('dup key: { email: null }');
    expect(errorOf(() => c.insert({ _id: 3, email: null })).code).toBe(11000);

    const { c: s } = await users();
    s.createIndex({ name: 'email_1', key: { email: 1 }, unique: true, sparse: true });
    s.insert({ _id: 1 });
    s.insert({ _id: 2 });
    s.insert({ _id: 3, email: null });
    expect(errorOf(() => s.insert({ _id: 4, email: null })).code).toBe(11000);
  });

  it('treats numerically equal Long, Decimal128 and double keys as duplicates', async () => {
    const { c } = await users();
    c.createIndex({ name: 'n_1', key: { n: 1 }, unique: true });
    c.insert({ _id: 1, n: 5 });
    c.insert({ _id: 2, n: Decimal128.fromString('1.50') });
    c.insert({ _id: 3, n: 2 ** 62 });
    expect(errorOf(() => c.insert({ _id: 4, n: Long.fromNumber(5) })).code).toBe(11000);
    expect(errorOf(() => c.insert({ _id: 5, n: Decimal128.fromString('5.00') })).code).toBe(11000);
    expect(errorOf(() => c.insert({ _id: 6, n: Decimal128.fromString('1.5') })).code).toBe(11000);
    expect(errorOf(() => c.insert({ _id: 7, n: Long.fromString('4611686018427387904') })).code).toBe(11000);
    c.insert({ _id: 8, n: Long.fromString('4611686018427387905') });
  });

  it('formats compound duplicate keys in key order', async () => {
    const { c } = await users();
    c.createIndex({ name: 'a_1_b_-1', key: { a: 1, b: -1 }, unique: true });
    c.insert({ _id: 1, a: 1, b: 'x' });
    c.insert({ _id: 2, a: 1, b: 'y' });
    c.insert({ _id: 3, a: 2, b: 'x' });
    const err = errorOf(() => c.insert({ _id: 4, b: 'x', a: 1.0 }));
    expect(err.message).toBe(
      'E11000 duplicate key error collection: app.users index: a_1_b_-1 dup key: { a: 1, b: "x" }',
    );
    expect(err.extra).toEqual({ keyPattern: { a: 1, b: -1 }, keyValue: { a: 1, b: 'x' } });
  });

  it('checks every element of a multikey document, but an array may repeat its own value', async () => {
    const { c } = await users();
    c.createIndex({ name: 'tags_1', key: { tags: 1 }, unique: true });
    c.insert({ _id: 1, tags: ['a', 'b', 'a'] });
    const err = errorOf(() => c.insert({ _id: 2, tags: ['c', 'b'] }));
    expect(err.extra).toMatchObject({ keyValue: { tags: 'b' } });
    c.insert({ _id: 3, tags: ['c'] });
    expect(c.count()).toBe(2);
  });

  it('only enforces uniqueness among documents matching a partialFilterExpression', async () => {
    const { c } = await users();
    c.createIndex({
      name: 'email_1',
      key: { email: 1 },
      unique: true,
      partialFilterExpression: { active: true },
    });
    c.insert({ _id: 1, email: 'a@x', active: false });
    c.insert({ _id: 2, email: 'a@x', active: true });
    expect(errorOf(() => c.insert({ _id: 3, email: 'a@x', active: true })).code).toBe(11000);
    c.insert({ _id: 4, email: 'a@x' });
    expect(c.count()).toBe(3);
  });

  it('refuses to build a unique index over duplicate data and creates nothing', async () => {
    const { c } = await users();
    c.insert({ _id: 1, email: 'a@x' });
    c.insert({ _id: 2, email: 'a@x' });
    const err = errorOf(() => c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true }));
    expect(err.code).toBe(11000);
    expect(err.message).toContain('index: email_1 dup key: { email: "a@x" }');
    expect(c.listIndexes().map((i) => i.name)).toEqual(['_id_']);
  });
});

describe('index maintenance', () => {
  it('indexes each array element and walks dotted paths through arrays of subdocuments', async () => {
    const { c } = await users();
    c.createIndex({ name: 'tags.k_1', key: { 'tags.k': 1 } });
    c.insert({ _id: 1, tags: [{ k: 'red' }, { k: 'blue' }] });
    c.insert({ _id: 2, tags: [{ k: 'blue' }, { x: 1 }] });
    c.insert({ _id: 3, tags: { k: 'red' } });
    const ids = (f: object) => [...c.candidates(f)].map((d) => d._id).sort();
    expect(ids({ 'tags.k': 'red' })).toEqual([1, 3]);
    expect(ids({ 'tags.k': 'blue' })).toEqual([1, 2]);
    expect(ids({ 'tags.k': null })).toEqual([2]);
  });

  it('rejects a document with two parallel arrays in a compound index with code 171', async () => {
    const { c } = await users();
    c.createIndex({ name: 'a_1_b_1', key: { a: 1, b: 1 } });
    c.insert({ _id: 1, a: [1, 2], b: 1 });
    c.insert({ _id: 2, a: 1, b: [1, 2] });
    const err = errorOf(() => c.insert({ _id: 3, a: [1], b: [2] }));
    expect(err.code).toBe(171);
    expect(err.message).toBe('cannot index parallel arrays [b] [a]');
    expect(c.count()).toBe(2);
    // Two paths through the SAME array are not parallel.
    c.createIndex({ name: 'x.p_1_x.q_1', key: { 'x.p': 1, 'x.q': 1 } });
    c.insert({ _id: 4, x: [{ p: 1, q: 2 }] });
  });

  it('skips documents missing every field of a sparse compound index', async () => {
    const { c } = await users();
    c.createIndex({ name: 'a_1_b_1', key: { a: 1, b: 1 }, unique: true, sparse: true });
    c.insert({ _id: 1 });
    c.insert({ _id: 2 });
    c.insert({ _id: 3, b: 1 });
    expect(errorOf(() => c.insert({ _id: 4, b: 1 })).message).toContain('dup key: { a: null, b: 1 }');
  });

  it('answers createIndex like mongod: same name with another key/unique/sparse/partial is 86', async () => {
    const { c } = await users();
    expect(c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true })).toBe('created');
    expect(c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true })).toBe('exists');
    expect(c.createIndex({ name: '_id_', key: { _id: 1 } })).toBe('exists');
    expect(errorOf(() => c.createIndex({ name: 'email_1', key: { other: 1 } })).code).toBe(86);
    expect(errorOf(() => c.createIndex({ name: 'email_1', key: { email: -1 }, unique: true })).code).toBe(86);
    expect(errorOf(() => c.createIndex({ name: 'email_1', key: { email: 1 } })).code).toBe(86);
    const sparse = { name: 'email_1', key: { email: 1 as const }, unique: true, sparse: true };
    expect(errorOf(() => c.createIndex(sparse)).code).toBe(86);
    expect(errorOf(() => c.createIndex({ name: 'mail', key: { email: 1 }, unique: true })).code).toBe(85);
    expect(c.listIndexes()).toEqual([
      { name: '_id_', key: { _id: 1 } },
      { name: 'email_1', key: { email: 1 }, unique: true },
    ]);
  });

  it('answers createIndex like mongod: an equivalent index (only TTL differs, or another name) is 85', async () => {
    const { c } = await users();
    c.createIndex({ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 60 });
    const sameName = errorOf(() => c.createIndex({ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 30 }));
    expect(sameName.code).toBe(85);
    expect(sameName.message).toBe(
      'An equivalent index already exists with the same name but different options. Requested index: { v: 2, key: { at: 1 }, name: "at_1", expireAfterSeconds: 30 }, existing index: { v: 2, key: { at: 1 }, name: "at_1", expireAfterSeconds: 60 }',
    );
    const otherName = errorOf(() => c.createIndex({ name: 'when', key: { at: 1 }, expireAfterSeconds: 60 }));
    expect(otherName).toMatchObject({
      code: 85,
      message: 'Index already exists with a different name: at_1',
    });
    expect(errorOf(() => c.createIndex({ name: 'when', key: { at: 1 } })).code).toBe(85);
  });

  it('allows a second index on the same key when unique/sparse/partial differ, as mongod does', async () => {
    const { c } = await users();
    c.createIndex({ name: 'a_1', key: { a: 1 } });
    expect(c.createIndex({ name: 'a_unique', key: { a: 1 }, unique: true })).toBe('created');
    expect(errorOf(() => c.dropIndex({ a: 1 })).code).toBe(272);
    c.dropIndex('a_1');
    c.dropIndex({ a: 1 });
    expect(c.listIndexes().map((i) => i.name)).toEqual(['_id_']);
  });

  it('drops indexes by name or key; _id_ gives 72 and an unknown index 27', async () => {
    const { c } = await users();
    c.createIndex({ name: 'a_1', key: { a: 1 }, unique: true });
    c.createIndex({ name: 'b_1', key: { b: 1 } });
    c.createIndex({ name: 'c_1', key: { c: 1 } });
    expect(errorOf(() => c.dropIndex('_id_')).code).toBe(72);
    expect(errorOf(() => c.dropIndex({ _id: 1 })).code).toBe(72);
    expect(errorOf(() => c.dropIndex('zzz')).code).toBe(27);
    c.dropIndex('a_1');
    c.dropIndex({ b: 1 });
    c.insert({ _id: 1, a: 1 });
    c.insert({ _id: 2, a: 1 }); // no longer unique
    c.dropAllIndexes();
    expect(c.listIndexes().map((i) => i.name)).toEqual(['_id_']);
  });
});

describe('TTL', () => {
  it('removes documents whose date (or earliest date in an array) plus expireAfterSeconds has passed', async () => {
    const { c } = await users();
    c.createIndex({ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 60 });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    c.insert({ _id: 1, at: new Date(t0) });
    c.insert({ _id: 2, at: new Date(t0 + 120_000) });
    c.insert({ _id: 3, at: [new Date(t0 + 600_000), new Date(t0 - 1000)] });
    c.insert({ _id: 4, at: 'not a date' });
    c.insert({ _id: 5, at: t0 - 1e9 });
    c.insert({ _id: 6 });
    expect(c.expire(new Date(t0 + 59_999))).toBe(1); // only #3, via its earliest date
    expect(c.expire(new Date(t0 + 60_000))).toBe(1); // #1 exactly at its expiry
    expect(c.expire(new Date(t0 + 10_000_000))).toBe(1); // #2
    expect([...c.all()].map((d) => d._id)).toEqual([4, 5, 6]);
  });

  it('ignores indexes without expireAfterSeconds', async () => {
    const { c } = await users();
    c.createIndex({ name: 'at_1', key: { at: 1 } });
    c.insert({ _id: 1, at: new Date(0) });
    expect(c.expire(new Date())).toBe(0);
  });
});
