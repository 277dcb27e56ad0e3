/**
 * `npm start` as a newcomer runs it: a child process, a data directory, the API on loopback, Ctrl-C.
 * Then a second start on the same directory finds the data of the first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startNimbo, stopWith } from '../helpers/nimbo-process.js';

describe.skipIf(!inject('mongoIsEmbedded'))('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbo-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves /v1/health on loopback, stops cleanly on Ctrl-C, and keeps its data across restarts', async () => {
    const first = await startNimbo(dataDir);
    const res = await fetch(`${first.apiUrl}/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: { status: 'up' } });
    const client = new MongoClient(first.mongoUri);
    await client
      .db('nimbo')
      .collection('restart_probe')
      .insertOne({ _id: 'kept', at: 1 } as never);
    await client.close();
    expect(await stopWith(first.child, 'SIGINT')).toBe(0);

    const second = await startNimbo(dataDir);
    try {
      const health = await fetch(`${second.apiUrl}/v1/health`);
      expect(health.status).toBe(200);
      const client = new MongoClient(second.mongoUri);
      expect(await client.db('nimbo').collection('restart_probe').findOne({})).toEqual({
        _id: 'kept',
        at: 1,
      });
      await client.close();
    } finally {
      expect(await stopWith(second.child, 'SIGTERM')).toBe(0);
    }
  }, 90_000);
});
