import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startMongoServer } from '../../../local/mongo/server.js';

describe('a write the log cannot take', () => {
  const dbpath = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbo-failing-log-'));
  afterAll(() => fs.rmSync(dbpath, { recursive: true, force: true }));

  it('fails that write, stops the server, and a restart has every acknowledged write but not that one', async () => {
    const server = await startMongoServer({ port: 0, dbpath, log: () => {} });
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 1_000 });
    const coll = client.db('app').collection<{ _id: number }>('c');
    await coll.insertOne({ _id: 1 });
    const spy = vi.spyOn(fs, 'fdatasyncSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(coll.insertOne({ _id: 2 })).rejects.toThrow(/flush failed: ENOSPC/);
      // It shuts itself down: new connections are refused soon after.
      let refused = false;
      for (let i = 0; i < 40 && !refused; i++) {
        refused = await new Promise<boolean>((resolve) => {
          const socket = net.connect(server.port, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            setTimeout(() => resolve(false), 50);
          });
          socket.once('error', () => resolve(true));
        });
      }
      expect(refused).toBe(true);
      await server.close();
    } finally {
      spy.mockRestore();
      vi.restoreAllMocks();
      await client.close(true);
    }
    const again = await startMongoServer({ port: 0, dbpath, log: () => {} });
    const reader = new MongoClient(again.uri);
    try {
      expect(await reader.db('app').collection('c').find().toArray()).toEqual([{ _id: 1 }]);
    } finally {
      await reader.close();
      await again.close();
    }
  });
});
