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

  it('answers an unknown command with code 59 CommandNotFound', async () => {
    const error = await t.db.command({ nimboNoSuchCommand: 1 }).then(
      () => undefined,
      (e: unknown) => e as { code?: number; codeName?: string },
    );
    expect(error?.code).toBe(59);
    expect(error?.codeName).toBe('CommandNotFound');
  });
});
