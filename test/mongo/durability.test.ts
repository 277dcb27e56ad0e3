/**
 * Durability of the embedded server: every acknowledged write survives `kill -9` of the server process,
 * and a second server refuses a dbpath that a running one holds. Embedded only (skipped with MONGODB_URI).
 *
 * The server runs as the real CLI in a child process (`node --import tsx local/mongo/cli.ts --port 0 --dbpath DIR`),
 * which prints one line containing its mongodb:// URI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, MongoClient, MongoServerError } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { Loose } from './conformance/support.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const external = Boolean(process.env.MONGODB_URI);

interface CliServer {
  child: ChildProcess;
  uri: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

function tempDbpath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbo-durability-'));
  tempDirs.push(dir);
  return dir;
}

/** Spawns the CLI; resolves once it printed its URI, rejects if it exits (or stays silent) first. */
function spawnCli(dbpath: string): { child: ChildProcess; output: () => string; ready: Promise<CliServer> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/mongo/cli.ts', '--port', '0', '--dbpath', dbpath],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NIMBO_LOG_LEVEL: 'silent' },
    },
  );
  children.add(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const output = () => out;
  const ready = new Promise<CliServer>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the CLI printed no URI within 30 s; output:\n${out}`)),
      30_000,
    );
    const onData = () => {
      const match = /mongodb:\/\/[^\s]+/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, uri: match[0], output, exited });
      }
    };
    child.stdout?.on('data', onData);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`the CLI exited (code ${code}, signal ${signal}) before printing a URI; output:\n${out}`),
      );
    });
  });
  // Avoid an unhandled rejection when a caller only awaits `exited`.
  ready.catch(() => {});
  return { child, output, ready };
}

async function startCli(dbpath: string): Promise<CliServer> {
  return spawnCli(dbpath).ready;
}

async function killHard(server: CliServer): Promise<void> {
  server.child.kill('SIGKILL');
  const { signal } = await server.exited;
  expect(signal).toBe('SIGKILL');
}

async function connect(uri: string): Promise<MongoClient> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, heartbeatFrequencyMS: 60_000 });
  await client.connect();
  return client;
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(external)('durability of the embedded server', () => {
  it('keeps every acknowledged write across kill -9 and restart (twice)', { timeout: 120_000 }, async () => {
    const dbpath = tempDbpath();
    /** What the database must contain: _id -> document, maintained alongside every acknowledged write. */
    const expected = new Map<number, Document>();

    // ---- first life ----------------------------------------------------------------------------------------
    let server = await startCli(dbpath);
    let client = await connect(server.uri);
    let coll = client.db('dur').collection<Loose>('items');

    const initial = Array.from({ length: 500 }, (_, i) => ({
      _id: i,
      v: i,
      tag: `t${i % 7}`,
      email: `u${i}@x.io`,
    }));
    await coll.insertMany(initial.map((d) => ({ ...d })));
    for (const d of initial) expected.set(d._id, { ...d });

    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.createIndex({ tag: 1, v: -1 });
    await client
      .db('dur')
      .collection('opts')
      .createIndexes([
        { key: { at: 1 }, expireAfterSeconds: 3600 },
        { key: { k: 1 }, unique: true, partialFilterExpression: { live: true }, name: 'k_live' },
        { key: { s: 1 }, sparse: true },
      ]);

    await coll.updateOne({ _id: 1 }, { $set: { v: 'updated', nested: { ok: true } } });
    expected.set(1, { ...expected.get(1), v: 'updated', nested: { ok: true } });

    await coll.updateMany({ _id: { $gte: 10, $lt: 20 } }, { $inc: { v: 1000 } });
    for (let i = 10; i < 20; i++) expected.set(i, { ...expected.get(i), v: i + 1000 });

    await coll.deleteOne({ _id: 2 });
    expected.delete(2);
    await coll.deleteMany({ _id: { $gte: 400 } });
    for (let i = 400; i < 500; i++) expected.delete(i);

    await coll.replaceOne({ _id: 3 }, { replaced: true, email: 'r3@x.io' });
    expected.set(3, { _id: 3, replaced: true, email: 'r3@x.io' });

    await coll.updateOne({ _id: 1000 }, { $set: { upserted: true, email: 'up@x.io' } }, { upsert: true });
    expected.set(1000, { _id: 1000, upserted: true, email: 'up@x.io' });

    await coll.findOneAndUpdate({ _id: 4 }, { $push: { log: 'a' } } as Loose);
    expected.set(4, { ...expected.get(4), log: ['a'] });

    await coll.bulkWrite([
      { insertOne: { document: { _id: 2000, email: 'b@x.io' } } },
      { updateOne: { filter: { _id: 5 }, update: { $unset: { tag: '' } } } },
      { deleteOne: { filter: { _id: 6 } } },
    ]);
    expected.set(2000, { _id: 2000, email: 'b@x.io' });
    const five = { ...expected.get(5) };
    delete five.tag;
    expected.set(5, five);
    expected.delete(6);

    // Collection-level changes are acknowledged writes too.
    await client.db('dur').collection('temp').insertOne({ a: 1 });
    await client.db('dur').collection('temp').rename('renamed');
    await client.db('dur').collection('gone').insertOne({ a: 1 });
    await client.db('dur').collection('gone').drop();

    // The last acknowledged write, then kill -9 at once.
    await coll.insertOne({ _id: 9999, last: true, email: 'last@x.io' });
    expected.set(9999, { _id: 9999, last: true, email: 'last@x.io' });
    await killHard(server);
    await client.close().catch(() => {});

    // ---- second life: everything is there --------------------------------------------------------------------
    server = await startCli(dbpath);
    client = await connect(server.uri);
    coll = client.db('dur').collection<Loose>('items');
    const sortedExpected = () => [...expected.values()].sort((a, b) => a._id - b._id);

    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual(sortedExpected());
    expect(await coll.findOne({ _id: 2 })).toBeNull();
    expect((await coll.indexes()).map((i) => i.name).sort()).toEqual(['_id_', 'email_1', 'tag_1_v_-1']);
    const emailIndex = (await coll.indexes()).find((i) => i.name === 'email_1');
    expect(emailIndex?.unique).toBe(true);
    // The unique index still enforces, and is queryable.
    await expect(coll.insertOne({ _id: 77777, email: 'u7@x.io' })).rejects.toMatchObject({ code: 11000 });
    expect(await coll.findOne({ email: 'last@x.io' })).toEqual({ _id: 9999, last: true, email: 'last@x.io' });
    const collections = (await client.db('dur').listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .sort();
    expect(collections).toEqual(['items', 'opts', 'renamed']);
    // Index options survive too.
    const opts = await client.db('dur').collection('opts').listIndexes().toArray();
    expect(opts).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { at: 1 }, name: 'at_1', expireAfterSeconds: 3600 },
      { v: 2, key: { k: 1 }, name: 'k_live', unique: true, partialFilterExpression: { live: true } },
      { v: 2, key: { s: 1 }, name: 's_1', sparse: true },
    ]);
    expect(await client.db('dur').collection('renamed').countDocuments()).toBe(1);

    // More writes in the second life, then kill -9 again (replay on top of a recovered state).
    await coll.updateOne({ _id: 0 }, { $set: { secondLife: true } });
    expected.set(0, { ...expected.get(0), secondLife: true });
    await coll.deleteOne({ _id: 7 });
    expected.delete(7);
    await coll.dropIndex('tag_1_v_-1');
    await coll.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: 5000 + i, email: `s${i}@x.io` })));
    for (let i = 0; i < 50; i++) expected.set(5000 + i, { _id: 5000 + i, email: `s${i}@x.io` });
    await killHard(server);
    await client.close().catch(() => {});

    // ---- third life ---------------------------------------------------------------------------------------
    server = await startCli(dbpath);
    client = await connect(server.uri);
    try {
      coll = client.db('dur').collection<Loose>('items');
      expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual(sortedExpected());
      expect((await coll.indexes()).map((i) => i.name).sort()).toEqual(['_id_', 'email_1']);
    } finally {
      await client.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('keeps every write acknowledged before a kill -9 that lands while other writes are in flight', {
    timeout: 90_000,
  }, async () => {
    const dbpath = tempDbpath();
    let server = await startCli(dbpath);
    let client = await connect(server.uri);
    const coll = () => client.db('inflight').collection<Loose>('c');
    await coll().createIndex({ w: 1, seq: 1 }, { unique: true });
    const acknowledged: string[] = [];
    let killed = false;
    // 8 concurrent writers (insertOne, updateOne upsert, insertMany of 5) until the server dies.
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let seq = 0; !killed; seq++) {
        const id = `w${w}-${seq}`;
        try {
          if (w % 3 === 0) await coll().insertOne({ _id: id, w, seq });
          else if (w % 3 === 1) await coll().updateOne({ _id: id }, { $set: { w, seq } }, { upsert: true });
          else {
            await coll().insertMany(
              Array.from({ length: 5 }, (_, k) => ({ _id: `${id}-${k}`, w, seq: seq * 10 + k })),
            );
          }
          acknowledged.push(...(w % 3 === 2 ? Array.from({ length: 5 }, (_, k) => `${id}-${k}`) : [id]));
        } catch {
          return;
        }
      }
    });
    while (acknowledged.length < 1_500) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    server.child.kill('SIGKILL');
    await server.exited;
    await Promise.all(writers);
    await client.close().catch(() => {});

    server = await startCli(dbpath);
    client = await connect(server.uri);
    try {
      const stored = new Set(
        (
          await coll()
            .find({}, { projection: { _id: 1 } })
            .toArray()
        ).map((d) => String(d._id)),
      );
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect({ acknowledged: acknowledged.length, lost }).toEqual({
        acknowledged: acknowledged.length,
        lost: [],
      });
      // Whatever survived is intact and still unique-indexed.
      expect(await coll().countDocuments()).toBe(stored.size);
      expect(await coll().indexExists('w_1_seq_1')).toBe(true);
    } finally {
      await client.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('keeps acknowledged writes across kill -9 after more than 64 MB of log (compaction territory)', {
    timeout: 180_000,
  }, async () => {
    const dbpath = tempDbpath();
    let server = await startCli(dbpath);
    let client = await connect(server.uri);
    const coll = () => client.db('bulk').collection<Loose>('blobs');
    const MB = 1024 * 1024;
    for (let batch = 0; batch < 8; batch++) {
      await coll().insertMany(
        Array.from({ length: 10 }, (_, i) => ({
          _id: batch * 10 + i,
          blob: String.fromCharCode(97 + batch).repeat(MB),
        })),
      );
    }
    await coll().deleteMany({ _id: { $gte: 70 } });
    await coll().updateMany({ _id: { $lt: 5 } }, { $set: { blob: 'small', touched: true } });
    await client.db('bulk').collection('gone').insertOne({ a: 1 });
    await client.db('bulk').dropDatabase();
    await coll().insertOne({ _id: 'after-drop', blob: 'x' });
    await client.db('bulk2').collection<Loose>('c').insertOne({ _id: 'other-db' });
    await killHard(server);
    await client.close().catch(() => {});

    server = await startCli(dbpath);
    client = await connect(server.uri);
    try {
      // dropDatabase removed everything written before it; later writes are there.
      expect(await coll().find().toArray()).toEqual([{ _id: 'after-drop', blob: 'x' }]);
      expect(
        (await client.db('bulk').listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
      ).toEqual(['blobs']);
      expect(await client.db('bulk2').collection<Loose>('c').findOne({})).toEqual({ _id: 'other-db' });
    } finally {
      await client.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('recovers 60 MB of live data written in one life after kill -9', { timeout: 180_000 }, async () => {
    const dbpath = tempDbpath();
    let server = await startCli(dbpath);
    let client = await connect(server.uri);
    const coll = () => client.db('big').collection<Loose>('blobs');
    const MB = 1024 * 1024;
    for (let batch = 0; batch < 6; batch++) {
      await coll().insertMany(
        Array.from({ length: 10 }, (_, i) => ({
          _id: batch * 10 + i,
          blob: String.fromCharCode(97 + batch).repeat(MB),
        })),
      );
      // Rewrite earlier documents too, so the log holds far more than the live data.
      await coll().updateMany({ _id: { $lt: batch * 10 } }, { $inc: { rev: 1 } });
    }
    await coll().deleteOne({ _id: 0 });
    await killHard(server);
    await client.close().catch(() => {});

    server = await startCli(dbpath);
    client = await connect(server.uri);
    try {
      expect(await coll().countDocuments()).toBe(59);
      let checked = 0;
      for await (const d of coll().find().sort({ _id: 1 })) {
        const id = Number(d._id);
        const batch = Math.floor(id / 10);
        expect(d.blob === String.fromCharCode(97 + batch).repeat(MB)).toBe(true);
        expect(d.rev ?? 0).toBe(5 - batch);
        checked++;
      }
      expect(checked).toBe(59);
    } finally {
      await client.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('keeps data across a clean SIGTERM shutdown and restart', { timeout: 60_000 }, async () => {
    const dbpath = tempDbpath();
    let server = await startCli(dbpath);
    let client = await connect(server.uri);
    await client
      .db('clean')
      .collection<Loose>('c')
      .insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i })));
    await client.close();
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    expect(code).toBe(0);

    server = await startCli(dbpath);
    client = await connect(server.uri);
    try {
      expect(await client.db('clean').collection('c').countDocuments()).toBe(100);
    } finally {
      await client.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('refuses to start a second server on a dbpath that a running server holds', {
    timeout: 60_000,
  }, async () => {
    const dbpath = tempDbpath();
    const first = await startCli(dbpath);
    const client = await connect(first.uri);
    try {
      await client.db('lock').collection<Loose>('c').insertOne({ _id: 1 });

      const second = spawnCli(dbpath);
      const outcome = await Promise.race([
        second.ready.then(
          (s) => ({ kind: 'started' as const, uri: s.uri }),
          () => ({ kind: 'failed' as const }),
        ),
        new Promise<{ kind: 'silent' }>((r) => setTimeout(() => r({ kind: 'silent' }), 30_000)),
      ]);
      if (outcome.kind !== 'failed') second.child.kill('SIGKILL');
      expect(outcome.kind).toBe('failed');
      const exit = await new Promise<{ code: number | null }>((resolve) => {
        if (second.child.exitCode !== null) resolve({ code: second.child.exitCode });
        else second.child.once('exit', (code) => resolve({ code }));
      });
      expect(exit.code).not.toBe(0);
      expect(second.output()).toMatch(/lock|in use|already|another/i);

      // The first server is unaffected.
      expect(await client.db('lock').collection<Loose>('c').findOne({ _id: 1 })).toEqual({ _id: 1 });
    } finally {
      await client.close();
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  it('a write refused by the server (duplicate key) is not resurrected after a crash', {
    timeout: 60_000,
  }, async () => {
    const dbpath = tempDbpath();
    let server = await startCli(dbpath);
    let client = await connect(server.uri);
    const coll = () => client.db('dup').collection<Loose>('c');
    await coll().createIndex({ k: 1 }, { unique: true });
    await coll().insertOne({ _id: 1, k: 'a' });
    const error = await coll()
      .insertMany(
        [
          { _id: 2, k: 'b' },
          { _id: 3, k: 'a' },
          { _id: 4, k: 'c' },
        ],
        { ordered: true },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    await killHard(server);
    await client.close().catch(() => {});

    server = await startCli(dbpath);
    client = await connect(server.uri);
    try {
      expect(await coll().find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, k: 'a' },
        { _id: 2, k: 'b' },
      ]);
    } finally {
      await client.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
