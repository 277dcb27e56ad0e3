/**
 * `npm start` as a newcomer runs it: a child process, a data directory, the API on loopback, Ctrl-C.
 * Then a second start on the same directory finds the data of the first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

interface Started {
  child: ChildProcess;
  apiUrl: string;
  mongoUri: string;
}

function startNimbo(dataDir: string): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    NIMBO_DATA_DIR: dataDir,
    NIMBO_LOG_LEVEL: 'warn',
  };
  delete env.MONGODB_URI;
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], { cwd: root, env });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no API URL printed in time:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      const db = /database\s+(mongodb:\/\/\S+)/.exec(out);
      if (api && db) {
        clearTimeout(timer);
        resolve({ child, apiUrl: api[1]!, mongoUri: db[1]! });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
}

function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

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
