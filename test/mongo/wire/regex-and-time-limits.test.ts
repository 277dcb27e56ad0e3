/**
 * The embedded server matches $regex in linear time (RE2) and stops a query at its maxTimeMS, as mongod
 * does (code 50): a hostile pattern cannot hold the event loop that serves every other request.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMongoServer, startMongoServer } from '../../../local/mongo/server.js';

let server: RunningMongoServer;
let client: MongoClient;

beforeAll(async () => {
  server = await startMongoServer({ host: '127.0.0.1', port: 0 });
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await server?.close();
});

const names = () => client.db('regex_time').collection<{ _id: number; name: string }>('names');

describe('$regex on the embedded server', () => {
  beforeAll(async () => {
    // 128 characters that almost match: the worst case of a backtracking engine for these patterns.
    await names().insertMany([
      { _id: 1, name: `${'a'.repeat(127)}!` },
      { _id: 2, name: 'a'.repeat(128) },
      { _id: 3, name: 'web-1' },
    ]);
  });

  it.each([
    ['(a|a)+$', [2]],
    ['^(a+)+$', [2]],
    ['(a*)*b', [3]],
    ['^(.*a){12}!$', [1]],
  ])(
    'matches the catastrophic pattern %s over 128 characters in well under a second',
    async (pattern, ids) => {
      const started = performance.now();
      const found = await names()
        .find({ name: { $regex: pattern } })
        .sort({ _id: 1 })
        .toArray();
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(found.map((d) => d._id)).toEqual(ids);
    },
  );

  it('keeps RegExp values, $options, $in with regexes and lookaround (which RE2 lacks) working', async () => {
    const ids = async (filter: object) =>
      (await names().find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
    expect(await ids({ name: /^WEB-/i })).toEqual([3]);
    expect(await ids({ name: { $regex: '^WEB', $options: 'i' } })).toEqual([3]);
    expect(await ids({ name: { $in: [/^web/, 'nothing'] } })).toEqual([3]);
    expect(await ids({ name: { $regex: '^a+(?=!)' } })).toEqual([1]);
    expect(await ids({ name: { $not: /a/ } })).toEqual([3]);
  });
});

describe('maxTimeMS on the embedded server', () => {
  beforeAll(async () => {
    const docs = Array.from({ length: 30_000 }, (_, i) => ({
      _id: i,
      name: `machine-${i}-${'x'.repeat(100)}`,
    }));
    await client.db('regex_time').collection<{ _id: number; name: string }>('many').insertMany(docs);
  });

  const many = () => client.db('regex_time').collection<{ _id: number; name: string }>('many');

  it('stops a find, a count and an aggregate that run past maxTimeMS with code 50', async () => {
    const slow = { name: { $regex: 'z$' } };
    const expired = { name: 'MongoServerError', code: 50 };
    await expect(many().find(slow, { maxTimeMS: 1 }).toArray()).rejects.toMatchObject(expired);
    await expect(many().countDocuments(slow, { maxTimeMS: 1 })).rejects.toMatchObject(expired);
    await expect(
      many()
        .aggregate([{ $match: slow }], { maxTimeMS: 1 })
        .toArray(),
    ).rejects.toMatchObject(expired);
  });

  it('answers within the limit, and without one, as before', async () => {
    expect(await many().countDocuments({ name: { $regex: '^machine-1-' } }, { maxTimeMS: 60_000 })).toBe(1);
    expect(await many().countDocuments({ name: { $regex: '^machine-2' } })).toBe(11_111);
  });

  it('refuses a negative maxTimeMS', async () => {
    const err = await many()
      .find({}, { maxTimeMS: -1 })
      .toArray()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(2);
  });
});
