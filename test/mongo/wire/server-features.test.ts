/** Server features that need their own server: idle cursor expiry, TTL sweeps, the CLI, error codes. */
import { spawn } from 'node:child_process';
import { type Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMongoServer, startMongoServer } from '../../../local/mongo/server.js';

let server: RunningMongoServer;
let client: MongoClient;

beforeAll(async () => {
  server = await startMongoServer({ port: 0, cursorIdleMs: 200, ttlSweepMs: 100 });
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await server?.close();
});

const db = () => client.db('wire_features');

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

describe('server features', () => {
  it('expires idle cursors (getMore then answers 43 CursorNotFound)', async () => {
    const coll = db().collection<Document>('cursors');
    await coll.insertMany(Array.from({ length: 20 }, (_, i) => ({ i })));
    const first = await db().command({ find: 'cursors', batchSize: 2 });
    await new Promise((r) => setTimeout(r, 600));
    const code = await codeOf(db().command({ getMore: first.cursor.id, collection: 'cursors' }));
    expect(code).toBe(43);
  });

  it('kills cursors and reports the killCursors shape', async () => {
    const first = await db().command({ find: 'cursors', batchSize: 2 });
    const reply = await db().command({ killCursors: 'cursors', cursors: [first.cursor.id] });
    expect(reply.cursorsKilled).toHaveLength(1);
    expect(reply).toMatchObject({ cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [] });
  });

  it('removes expired documents on the TTL sweep', async () => {
    const coll = db().collection<Document>('ttl');
    await coll.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
    await coll.insertMany([{ at: new Date(Date.now() - 10_000) }, { at: new Date(Date.now() + 3_600_000) }]);
    await new Promise((r) => setTimeout(r, 400));
    expect(await coll.countDocuments()).toBe(1);
  });

  it('applies positional, all-positional and filtered-positional updates', async () => {
    const coll = db().collection<Document>('positional');
    await coll.insertOne({
      _id: 1,
      items: [
        { k: 'a', n: 1 },
        { k: 'b', n: 2 },
      ],
      grades: [80, 95, 70],
    } as Document);
    await coll.updateOne({ _id: 1, 'items.k': 'b' } as Document, { $inc: { 'items.$.n': 10 } });
    await coll.updateOne({ _id: 1 } as Document, { $set: { 'items.$[].seen': true } });
    await coll.updateOne(
      { _id: 1 } as Document,
      { $set: { 'grades.$[g]': 100 } },
      { arrayFilters: [{ g: { $gte: 90 } }] },
    );
    expect(await coll.findOne({ _id: 1 } as Document)).toEqual({
      _id: 1,
      items: [
        { k: 'a', n: 1, seen: true },
        { k: 'b', n: 12, seen: true },
      ],
      grades: [80, 100, 70],
    });
  });

  it('supports $rename, $min/$max, $currentDate, $unset and pipeline updates', async () => {
    const coll = db().collection<Document>('ops');
    await coll.insertOne({ _id: 1, a: 5, b: 1, lo: 10, hi: 10 } as Document);
    await coll.updateOne({ _id: 1 } as Document, {
      $rename: { a: 'z' },
      $min: { lo: 3 },
      $max: { hi: 20 },
      $currentDate: { at: true },
      $unset: { b: '' },
    });
    const doc = await coll.findOne({ _id: 1 } as Document);
    expect(doc).toMatchObject({ _id: 1, z: 5, lo: 3, hi: 20 });
    expect(doc?.at).toBeInstanceOf(Date);
    expect(doc).not.toHaveProperty('b');
    await coll.updateOne({ _id: 1 } as Document, [{ $set: { total: { $add: ['$lo', '$hi'] } } }]);
    expect((await coll.findOne({ _id: 1 } as Document))?.total).toBe(23);
  });

  it('answers mongod error codes for bad updates', async () => {
    const coll = db().collection<Document>('errs');
    await coll.insertOne({ _id: 1, s: 'text', n: 1 } as Document);
    const f = { _id: 1 } as Document;
    expect(await codeOf(coll.updateOne(f, { $inc: { s: 1 } }))).toBe(14);
    expect(await codeOf(coll.updateOne(f, { $push: { s: 1 } as Document }))).toBe(2);
    expect(await codeOf(coll.updateOne(f, { $set: { n: 2 }, $inc: { n: 1 } }))).toBe(40);
    expect(await codeOf(coll.updateOne(f, { $set: { _id: 2 } }))).toBe(66);
    expect(await codeOf(coll.replaceOne(f, { _id: 2, x: 1 }))).toBe(66);
    // Statement-level failures come back as writeErrors in an ok:1 reply, as from mongod.
    const bogus = await db().command({ update: 'errs', updates: [{ q: f, u: { $bogus: { a: 1 } } }] });
    expect(bogus.writeErrors?.[0]).toMatchObject({ index: 0, code: 9 });
    expect(await codeOf(coll.updateOne(f, { $set: { 's.x': 1 } }))).toBe(28);
  });

  it('refuses explain, $out, $merge, collation and transactions with 115', async () => {
    const coll = db().collection<Document>('errs');
    expect(await codeOf(coll.aggregate([{ $out: 'x' }]).toArray())).toBe(115);
    expect(await codeOf(coll.aggregate([{ $merge: { into: 'x' } }]).toArray())).toBe(115);
    expect(await codeOf(coll.find({}).explain())).toBe(115);
    expect(await codeOf(coll.find({}, { collation: { locale: 'fr' } }).toArray())).toBe(115);
    expect(await codeOf(db().command({ commitTransaction: 1 }))).toBe(115);
  });

  it('renames collections through the admin command', async () => {
    await db().collection<Document>('from').insertOne({ x: 1 });
    await db().collection('from').rename('to');
    expect(await db().collection('to').countDocuments()).toBe(1);
    const names = (await db().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toContain('to');
    expect(names).not.toContain('from');
  });

  it('reports $collStats and dbStats', async () => {
    const [stats] = await db()
      .collection('to')
      .aggregate([{ $collStats: { storageStats: {}, count: {} } }])
      .toArray();
    expect(stats).toMatchObject({
      ns: 'wire_features.to',
      count: 1,
      storageStats: { count: 1, nindexes: 1 },
    });
    const dbStats = await db().stats();
    expect(dbStats.db).toBe('wire_features');
    expect(dbStats.objects).toBeGreaterThan(0);
  });
});

describe('cli', () => {
  it('prints one line with the URI, serves it, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/mongo/cli.ts', '--inMemory'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const uri = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URI line; got: ${out}`)), 15_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /mongodb:\/\/[^\s]+/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
    });
    expect(out).toMatch(/^Embedded MongoDB listening at mongodb:\/\/127\.0\.0\.1:\d+ \(in memory\)\n$/);
    const c = new MongoClient(uri, { serverSelectionTimeoutMS: 3000 });
    await c.db('cli').collection('x').insertOne({ a: 1 });
    expect(await c.db('cli').collection('x').countDocuments()).toBe(1);
    await c.close();
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});

describe('startup', () => {
  it('rejects when the port is taken, without leaking the server', async () => {
    await expect(startMongoServer({ port: server.port })).rejects.toThrow(/EADDRINUSE/);
    const again = await startMongoServer({ port: 0 });
    await again.close();
    await again.close(); // idempotent
  });
});

describe('cursors on $cmd namespaces', () => {
  it('pages listCollections and database-level aggregate results with getMore', async () => {
    const d = client.db('wire_cmd_cursors');
    for (let i = 0; i < 5; i++) await d.createCollection(`c${i}`);
    const names = await d.listCollections({}, { nameOnly: true, batchSize: 2 }).toArray();
    expect(names.map((c) => c.name).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    const docs = await d
      .aggregate([{ $documents: [{ x: 1 }, { x: 2 }, { x: 3 }] }], { batchSize: 1 })
      .toArray();
    expect(docs.map((x) => x.x)).toEqual([1, 2, 3]);
  });
});
