/**
 * Handshake and admin commands: what a freshly connected driver and a health check see.
 */
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import type { Loose } from './support.js';

describe('handshake and admin commands', () => {
  const t = useTestDatabase('hs');

  it('connects and answers admin ping with ok 1', async () => {
    await expect(t.db.admin().ping()).resolves.toMatchObject({ ok: 1 });
  });

  it('answers ping on a non-admin database too', async () => {
    await expect(t.db.command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
  });

  it('reports a dotted version string in buildInfo', async () => {
    const info = await t.db.admin().buildInfo();
    expect(info.ok).toBe(1);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers hello as a writable primary with wire version >= 9 and a logical session timeout', async () => {
    const hello = await t.db.command({ hello: 1 });
    expect(hello.ok).toBe(1);
    expect(hello.isWritablePrimary).toBe(true);
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
    expect(hello.minWireVersion).toBeLessThanOrEqual(hello.maxWireVersion);
    expect(typeof hello.logicalSessionTimeoutMinutes).toBe('number');
    expect(hello.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    expect(hello.maxMessageSizeBytes).toBe(48_000_000);
    expect(hello.maxWriteBatchSize).toBe(100_000);
    expect(hello.localTime).toBeInstanceOf(Date);
  });

  it('answers the legacy isMaster command with ismaster true', async () => {
    const reply = await t.db.admin().command({ isMaster: 1 });
    expect(reply.ok).toBe(1);
    expect(reply.ismaster).toBe(true);
    expect(reply.maxWireVersion).toBeGreaterThanOrEqual(9);
  });

  it('runs plain (non-transaction) operations inside an explicit client session', async () => {
    const session = t.client.startSession();
    try {
      const coll = t.db.collection<Loose>('sessions');
      await coll.insertOne({ _id: 1, v: 'a' }, { session });
      await coll.updateOne({ _id: 1 }, { $set: { v: 'b' } }, { session });
      const docs = await coll.find({}, { session }).toArray();
      expect(docs).toEqual([{ _id: 1, v: 'b' }]);
      expect(await coll.countDocuments({}, { session })).toBe(1);
    } finally {
      await session.endSession();
    }
  });

  it('closes a second client cleanly while other clients keep working', async () => {
    const other = new MongoClient(t.uri, { serverSelectionTimeoutMS: 5_000 });
    await other.connect();
    await expect(other.db(t.name).command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    await other.db(t.name).collection('close_check').insertOne({ from: 'other' });
    await expect(other.close()).resolves.toBeUndefined();
    // The shared client is unaffected and sees the write made by the closed one.
    expect(await t.db.collection<Loose>('close_check').countDocuments({ from: 'other' })).toBe(1);
  });

  it('serves many concurrent operations from one client (connection pool)', async () => {
    const coll = t.db.collection<Loose>('concurrent');
    await Promise.all(Array.from({ length: 50 }, (_, i) => coll.insertOne({ _id: i })));
    const counts = await Promise.all(Array.from({ length: 20 }, () => coll.countDocuments()));
    expect(new Set(counts)).toEqual(new Set([50]));
  });

  it('accepts unacknowledged (w: 0) writes and applies them', async () => {
    const coll = t.db.collection<Loose>('w0');
    const res = await coll.insertOne({ _id: 'fire-and-forget' }, { writeConcern: { w: 0 } });
    expect(res.acknowledged).toBe(false);
    let found = null;
    for (let i = 0; i < 250 && !found; i++) {
      found = await coll.findOne({ _id: 'fire-and-forget' });
      if (!found) await new Promise((r) => setTimeout(r, 20));
    }
    expect(found).toEqual({ _id: 'fire-and-forget' });
  });

  it('accepts the common per-operation options (maxTimeMS, comment, writeConcern w:1 j:true)', async () => {
    const coll = t.db.collection<Loose>('options');
    await coll.insertOne({ _id: 1 }, { writeConcern: { w: 1, journal: true }, comment: 'ins' });
    expect(await coll.find({}, { maxTimeMS: 5_000, comment: 'find' }).toArray()).toEqual([{ _id: 1 }]);
    expect(await coll.countDocuments({}, { maxTimeMS: 5_000 })).toBe(1);
    expect(
      await coll.aggregate([{ $match: {} }], { maxTimeMS: 5_000, allowDiskUse: true }).toArray(),
    ).toHaveLength(1);
    await coll.updateOne({ _id: 1 }, { $set: { a: 1 } }, { writeConcern: { w: 1 }, comment: 'upd' });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1 });
  });

  it('answers serverStatus with the version and uptime', async () => {
    const status = await t.db.admin().serverStatus();
    expect(status.ok).toBe(1);
    expect(status.version).toMatch(/^\d+\.\d+/);
    expect(typeof status.uptime).toBe('number');
  });

  it('answers dbStats with collection, object and index counts', async () => {
    const db = t.client.db(`${t.name}_stats`);
    try {
      await db.collection<Loose>('a').insertMany([{ x: 1 }, { x: 2 }]);
      await db.collection<Loose>('b').insertOne({ y: 1 });
      await db.collection<Loose>('b').createIndex({ y: 1 });
      const stats = await db.stats();
      expect(stats.ok).toBe(1);
      expect(stats.db).toBe(`${t.name}_stats`);
      expect(stats.collections).toBe(2);
      expect(stats.objects).toBe(3);
      expect(stats.indexes).toBe(3);
    } finally {
      await db.dropDatabase();
    }
  });

  it('answers an unknown command with code 59 CommandNotFound', async () => {
    const error = await t.db.command({ nimboNoSuchCommand: 1 }).then(
      () => undefined,
      (e: unknown) => e as { code?: number; codeName?: string },
    );
    expect(error?.code).toBe(59);
    expect(error?.codeName).toBe('CommandNotFound');
  });
});
