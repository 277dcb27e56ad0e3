/** `npm run nimbo -- org create <name>`: the bootstrap for deployed stacks, run as an operator would. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testApi } from '../helpers/api.js';
import { uniqueDbName } from '../helpers/mongo.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

describe('the nimbo CLI', () => {
  const dbName = uniqueDbName('cli');
  const client = new MongoClient(inject('mongoUri'));
  const api = testApi(() => client.db(dbName));
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  function nimbo(args: string[], env: NodeJS.ProcessEnv = {}) {
    return run(process.execPath, ['--import', 'tsx', 'local/cli/nimbo.ts', ...args], {
      cwd: root,
      env: {
        ...process.env,
        MONGODB_URI: inject('mongoUri'),
        MONGODB_DB: dbName,
        NIMBO_LOG_LEVEL: 'silent',
        ...env,
      },
      timeout: 30_000,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );
  }

  it('creates an org and prints its owner token once, which then works', async () => {
    const res = await nimbo(['org', 'create', 'acme']);
    expect(res.code).toBe(0);
    const token = /\b(nimbo_[A-Za-z0-9_-]{40,60})\b/.exec(res.stdout)?.[1];
    expect(token).toBeDefined();
    const list = await api.request('GET', '/v1/tokens', { token });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({ role: 'owner' });
  }, 40_000);

  it('refuses a second org of the same name with a clear message', async () => {
    const res = await nimbo(['org', 'create', 'acme']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/already exists/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  }, 40_000);

  it('prints its usage for an unknown command', async () => {
    const res = await nimbo(['frobnicate']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/usage: npm run nimbo -- org create <name>/);
  }, 40_000);

  it('says what to set when there is no database configured', async () => {
    const res = await nimbo(['org', 'create', 'x'], { MONGODB_URI: '' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/Set MONGODB_URI/);
  }, 40_000);
});
